// Package gatewaytest is an offline, Discord-compatible gateway for tests,
// in the spirit of net/http/httptest: a real WebSocket server on 127.0.0.1
// that speaks the gateway protocol strictly, routes generated or published
// events to the shards that own them, injects faults on demand or at random,
// and records what every client did.
//
// Start with [NewServer] and [Server.Start]; give a client [Server.URL] as
// its gateway URL and [Server.APIURL] as its REST base (it serves
// GET /gateway and GET /gateway/bot). Then:
//
//   - [Server.Publish] and [Server.PublishMany] dispatch events by guild,
//     channel or user to every session that should receive them, with intent
//     filtering and MESSAGE_CONTENT stripping ([Dispatch]).
//   - [Server.Sessions] and [Server.Conns] hand out the live [Session]s and
//     the [Conn]ections, whose Inject* methods misbehave on purpose
//     ([Conn.InjectReconnect], [Conn.InjectInvalidSession], [Conn.DropTCP],
//     [Conn.WithholdACKs], ...), and whose [Conn.Record] tells what the client
//     sent and when.
//   - [Server.Stats] holds the server-wide counters and the worst rates the
//     clients reached (identifies per bucket, commands per minute).
//   - [Config.Traffic] turns on a stream of realistic generated events
//     ([Traffic]) at [Config.Rate] per session; [Config.Chaos] injects faults
//     at random, from [Config.Seed]; [Config.TimeScale] shrinks every protocol
//     window (heartbeats, identify concurrency, command rate, resume window)
//     so a test does not wait for Discord's clock.
//
// What is strict: every client payload is validated and a violation closes
// the connection with Discord's close code (4001–4014), exactly where
// docs/protocol.md says the real gateway would; identifies above max_concurrency
// per bucket get op 9; every violation is recorded on the [Conn].
//
// What is bounded: whatever a client does, it costs the server bounded
// memory. A client that floods pings owes one pong (the latest); one that
// stops reading is closed with 4009 once a write blocks, or its unwritten
// events stay over the replay bounds, for [Config.PeerTimeout]; one that
// sends nothing is closed when its heartbeat is due. Tables keyed by what
// clients choose (tokens, shard numbers, sessions waiting for a resume)
// hold at most [Config.StateLimit] entries. With no client the server's
// loops stop: an idle server uses no CPU.
//
// The files are named after what they hold: config.go (Config and time
// scaling), server.go (listener, lifecycle, registries), rest.go (HTTP
// endpoints), conn.go (one WebSocket connection), conn_read.go and
// commands.go (what a client sends), identify.go (identify, resume,
// READY), limits.go (command window, identify buckets, session starts),
// payloads.go and etfcheck.go (payload validation), conn_write.go,
// frames.go and compress.go (the output path: envelopes, frames,
// zlib-stream, zstd-stream, payload zlib), session.go and replay.go
// (sessions and the resume buffer), pubsub.go, content.go and jsonscan.go
// (routing, intent filtering, MESSAGE_CONTENT stripping), guilds.go (the
// generated guilds), pump.go (built-in traffic), faults.go and chaos.go
// (fault injection), record.go and stats.go (what is recorded),
// housekeeping.go (the shared clock), and traffic*.go (the generator).
package gatewaytest
