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
// answered as they come, continuation frames are joined, and each data
// message lands in a pooled buffer that grows as bytes arrive, never to a
// length the server merely declares, up to [Config.MaxMessageSize]. Transport
// decompression keeps one context per connection: zlib-stream inflates once
// a WebSocket message ends with the sync-flush suffix 00 00 ff ff, possibly
// after several; zstd-stream decodes each WebSocket message as one gateway
// message; payload compression inflates each binary message on its own. The
// decompressed message goes to the protocol Client, and each dispatch to
// the sink as an [Event] whose Data is the raw "d", valid only during the
// call. Buffers go back to their pools once a message is dispatched, and
// pools drop buffers a huge message grew, so an idle shard holds almost
// nothing but its socket and, with zlib-stream, its 32 KiB inflate window.
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
// ([Backoff]). The fatal close codes (4004, 4010–4014) stop [Shard.Run] with
// an error that errors.As turns into a *gateway.CloseError.
//
// Identify waits for the [ratelimit.IdentifyLimiter] after HELLO, not
// before dialing, so the 5 s identify window covers the Identify itself
// rather than the dial; the shard heartbeats while it waits.
package gatewayutil
