// Package gateway is a sans-I/O implementation of the Discord gateway
// protocol (API v10): the part of a shard that decides what every message
// means and what to answer, with no sockets, goroutines or clocks of its own.
//
// Start with [NewClient]. A [Client] walks through the states of a session,
//
//	Hello → Identify or Resume → Ready → Connected → Closed
//
// consuming one whole gateway message at a time with [Client.ProcessNext]
// (or [Client.Process] for a message already in memory) and writing its
// replies, one complete payload per Write call, to the io.Writer it is given.
// The driver — gatewayutil.Shard, or your own — owns the socket and the
// clock: it asks the Client when to heartbeat ([Client.HeartbeatInterval],
// [Client.FirstHeartbeatDelay]), calls [Client.Heartbeat] on its timer, and
// passes close codes to [Client.HandleClose]. A closed Client is dead; its
// [Session] starts a new Client that resumes instead of identifying.
//
// The packages below this one hold the protocol's vocabulary (opcode,
// closecode, intents, event), the wire codecs (encoding, encoding/etf) and
// the rate limiters (ratelimit). gatewayutil runs real shards on top of this
// package, and gatewaytest is a Discord-compatible gateway emulator to test
// them against.
package gateway
