package cache

import "sync/atomic"

// Stats are the cache's counters since New.
type Stats struct {
	// Applied counts the events applied, Replayed the events not applied
	// because their sequence number had been applied already (a resume's
	// replay after a restore from a snapshot, for example).
	Applied  int64
	Replayed int64
	// DecodeErrors counts events whose data could not be decoded; they
	// changed nothing.
	DecodeErrors int64
	// Dropped counts objects not kept because a Policy bound was reached.
	Dropped int64
	// Guilds, Members and Users are what the cache holds now.
	Guilds  int
	Members int
	Users   int
}

type counters struct {
	applied, replayed, decodeErrors, dropped atomic.Int64
}

// Stats returns the counters and the current sizes.
func (c *Cache) Stats() Stats {
	st := Stats{
		Applied:      c.stats.applied.Load(),
		Replayed:     c.stats.replayed.Load(),
		DecodeErrors: c.stats.decodeErrors.Load(),
		Dropped:      c.stats.dropped.Load(),
	}
	c.mu.RLock()
	gs := make([]*guildState, 0, len(c.guilds))
	for _, g := range c.guilds {
		gs = append(gs, g)
	}
	c.mu.RUnlock()
	st.Guilds = len(gs)
	for _, g := range gs {
		g.mu.RLock()
		st.Members += len(g.members)
		g.mu.RUnlock()
	}
	c.usersMu.RLock()
	st.Users = len(c.users)
	c.usersMu.RUnlock()
	return st
}
