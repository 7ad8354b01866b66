package gatewaytest

// WithholdGuildCreate makes the server leave out the GUILD_CREATE of these
// generated guilds after every later READY, as Discord does for a guild
// that stays unavailable during an outage: READY still lists them as
// unavailable, and they never arrive. Clients' "guilds ready" logic is
// tested with it. Safe for concurrent use.
func (s *Server) WithholdGuildCreate(guildIDs ...uint64) {
	for _, g := range guildIDs {
		s.withheld.Store(g, struct{}{})
	}
}

// withholds reports whether guild g's GUILD_CREATE is withheld.
func (s *Server) withholds(g uint64) bool {
	_, ok := s.withheld.Load(g)
	return ok
}
