package gatewaytest

import "sync/atomic"

// Stats are the server-wide counters, and the worst behaviour any client
// showed, for tests to assert on.
type Stats struct {
	Connections     int64 // WebSocket connections accepted
	OpenConnections int   // connections open now
	Sessions        int   // sessions alive now
	Identifies      int64 // identifies that started a session
	IdentifyRefused int64 // identifies answered with op 9 (concurrency)
	Resumes         int64 // successful resumes
	ResumesFailed   int64 // resumes answered with op 9 or 4007
	Heartbeats      int64
	Dispatches      int64 // dispatches written to sockets
	BytesSent       int64 // payload bytes written (after compression)
	FaultsInjected  int64 // faults injected, on demand and by chaos
	Violations      int64 // protocol violations recorded

	// MaxIdentifiesPerBucket is the most identify attempts seen in one
	// bucket (shard_id % max_concurrency) within one identify window. A
	// client that respects max_concurrency keeps it at 1.
	MaxIdentifiesPerBucket int
	// MaxCommandsPerWindow is the most payloads one connection sent within
	// one command window (60 s, scaled). Above 120 the client was closed
	// with 4008.
	MaxCommandsPerWindow int

	// Built-in traffic: events generated, deliveries made, and deliveries
	// skipped because a session's backlog was full.
	TrafficGenerated int64
	TrafficDelivered int64
	TrafficSkipped   int64
	// WorldChanges counts the generated events that changed a mutable
	// world (Config.World.Mutable); such events are never skipped.
	WorldChanges int64
}

type serverStats struct {
	connections, identifies, identifyRefused, resumes, resumesFailed atomic.Int64
	heartbeats, dispatches, bytesSent, faults, violations            atomic.Int64
	trafficGenerated, trafficDelivered, trafficSkipped               atomic.Int64
	worldChanges                                                     atomic.Int64
	maxIdentifyBurst, maxCommandBurst                                atomic.Int64
	// Wake-ups of the server's own loops, for the tests of an idle server.
	housekeeperTicks, pumpRounds atomic.Int64
}

func atomicMax(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

func (st *serverStats) noteIdentifyBurst(n int) { atomicMax(&st.maxIdentifyBurst, int64(n)) }
func (st *serverStats) noteCommandBurst(n int)  { atomicMax(&st.maxCommandBurst, int64(n)) }

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	open, sessions := len(s.live), len(s.sessionList)
	s.mu.Unlock()
	st := &s.stats
	return Stats{
		Connections:            st.connections.Load(),
		OpenConnections:        open,
		Sessions:               sessions,
		Identifies:             st.identifies.Load(),
		IdentifyRefused:        st.identifyRefused.Load(),
		Resumes:                st.resumes.Load(),
		ResumesFailed:          st.resumesFailed.Load(),
		Heartbeats:             st.heartbeats.Load(),
		Dispatches:             st.dispatches.Load(),
		BytesSent:              st.bytesSent.Load(),
		FaultsInjected:         st.faults.Load(),
		Violations:             st.violations.Load(),
		MaxIdentifiesPerBucket: int(st.maxIdentifyBurst.Load()),
		MaxCommandsPerWindow:   int(st.maxCommandBurst.Load()),
		TrafficGenerated:       st.trafficGenerated.Load(),
		TrafficDelivered:       st.trafficDelivered.Load(),
		TrafficSkipped:         st.trafficSkipped.Load(),
		WorldChanges:           st.worldChanges.Load(),
	}
}

// FaultsInjected returns the number of faults injected so far.
func (s *Server) FaultsInjected() int64 { return s.stats.faults.Load() }
