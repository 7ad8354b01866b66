// Package gatewayutil runs Discord gateway shards for real: sockets,
// compression, heartbeats, reconnection and event delivery around the
// sans-I/O protocol core of package gateway.
//
// # Where to start
//
//   - [Shard] keeps one gateway session alive. Fill a [Config] (token,
//     intents, URL, encoding, [Compression], an [EventSink]), call
//     [NewShard], then [Shard.Run]. [Shard.Send] sends commands,
//     [Shard.Status] reports health, [Shard.Close] stops it and hands back
//     the [gateway.Session] to resume later.
//   - [Manager] runs many shards of one bot: it asks GET /gateway/bot (see
//     [FetchGatewayBot]) for the shard count and identify concurrency, shares
//     one identify limiter between its shards, and saves their sessions in
//     a [SessionStore].
//   - [Dispatcher] is the local event bus a shard delivers to: subscribe
//     handlers by event type, optionally narrowed to a guild, channel or
//     user, inline or on worker pools. It is an [EventSink].
//
// # The data path
//
// A shard reads WebSocket frames itself (gobwas/ws): control frames are
// answered as they come, continuation frames are joined, and a message that
// arrived whole in the read buffer is processed where it lies; others land
// in a pooled buffer that grows as bytes arrive, never to a length the
// server merely declares, up to [Config.MaxMessageSize]. Transport
// decompression keeps one context per connection: zlib-stream inflates once
// a WebSocket message ends with the sync-flush suffix 00 00 ff ff, possibly
// after several; zstd-stream decodes each WebSocket message as one gateway
// message; payload compression inflates each binary message on its own. The
// decompressed message goes to the protocol Client, whose JSON envelope is
// read without walking d when it has Discord's shape (t, s, op, then d),
// and each dispatch to the sink as an [Event] whose Data is the raw "d",
// valid only during the call. Steady state allocates nothing per event.
//
// # Memory
//
// Buffers go back to their pools once a message is dispatched, pools drop
// buffers a huge message grew, and on plain TCP the 64 KiB read chunk goes
// back to its pool exactly when a read would block. Heartbeats run on a
// timer, not a goroutine, and the reader waits in a shallow stack. An idle
// zlib-stream connection (a heartbeat interval without a dispatch) gives
// its inflater back to a pool and keeps only a copy of its 32 KiB window.
// So an idle shard holds about 12 KiB without compression and 44 KiB with
// zlib-stream; zstd-stream keeps its decoder's window and buffers, some
// 700 KiB at Discord's 256 KiB window. BENCHMARKS.md at the repository
// root has the figures.
//
// # Keeping a session alive
//
// Heartbeats start at HELLO (first after a random fraction of the
// interval, then every interval, on one timer). A heartbeat that nothing at
// all answered within an interval marks a zombie connection ([ErrZombie]):
// the shard closes it with a resumable code and resumes. Op 7, dropped
// connections and resumable close codes resume, on resume_gateway_url if the
// [ResumeURLPolicy] allows it, falling back to the original URL when that
// fails. Op 9 without resume identifies again after a random 1–5 s pause.
// Attempts that keep failing back off exponentially with full jitter
// ([Backoff]), and so do sessions that end before [Config.StableAfter]
// (a gateway closing, or sending op 7 or op 9, after every READY); from the
// second failure in a row a warning with the cause is logged, and
// [Status] carries the last error. The fatal close codes (4004,
// 4010–4014) stop [Shard.Run] with an error that errors.As turns into a
// *gateway.CloseError. A heartbeat the gateway requests (op 1) waits for
// the command limiter like any payload; requests arriving meanwhile are
// merged into it.
//
// Identify waits for the [ratelimit.IdentifyLimiter] after HELLO, not
// before dialing, so the 5 s identify window covers the Identify itself
// rather than the dial; the shard heartbeats while it waits. A shard given
// no limiter has one of its own, with a daily budget
// ([DefaultShardIdentifyBudget]).
package gatewayutil
