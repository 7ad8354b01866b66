// Package cluster runs one bot's shards across many processes and machines,
// coordinated through NATS JetStream key-value buckets.
//
// # Where to start
//
//   - Open creates (or binds) the KV buckets of a bot on a JetStream
//     connection; Connect makes a NATS connection with the options the
//     cluster relies on (publishes fail at once while disconnected instead of
//     being buffered and replayed later).
//   - IdentifyLimiter is a ratelimit.IdentifyLimiter shared by every
//     process: one identify per shard_id % max_concurrency bucket per window,
//     cluster-wide, and the daily session start budget decremented by
//     compare-and-set per identify, fail-closed.
//   - Membership announces a node and lists the live ones; Assign spreads
//     shards over them in proportion to capacity, by weighted rendezvous
//     hashing within per-member quotas.
//   - Lease holds a shard with a fencing token (the KV revision) and says,
//     on the monotonic clock, until when holding it is safe.
//   - SessionStore keeps every shard's gateway.Session in KV so that another
//     node resumes it.
//   - Node ties them together: it runs the shards it owns with
//     gatewayutil.Shard, hands them over on drain and takes over those of a
//     node that died, resuming rather than identifying.
//   - Publisher (NodeConfig.Events) publishes every dispatch on
//     <prefix>.<app>.ev.<shard>.<EVENT>, live (core NATS, only the event
//     types some consumer wants) or durable (a bounded, deduplicating
//     JetStream stream); Consumer feeds those events into a local
//     gatewayutil.Dispatcher in a worker process, the shards split among the
//     workers of a group so each guild is handled in order by one worker.
//   - Commander sends gateway commands to whichever node owns a shard
//     (NodeConfig.ServeCommands), by shard, by guild or to every shard.
//
// # Buckets
//
// Every bucket is named Prefix_<what> and every key starts with the bot's
// application id, so several bots can share a NATS account:
//
//	identify  TTL window+margin  <app>.<bucket>     slot of an identify bucket
//	meta      no TTL             <app>.budget       daily session start budget
//	members   TTL ~15 s          <app>.<instance>   live nodes and capacities
//	leases    TTL ~15 s          <app>.shard.<id>   who runs a shard
//	sessions  TTL ~15 min        <app>.<id>.<count> the shard's session
//	interest  TTL ~15 s          <app>.<group>.<worker> event types a worker wants
//
// Only bucket-wide TTLs are used (no per-key TTL), so a NATS server from
// version 2.9 on is enough.
package cluster
