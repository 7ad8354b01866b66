package cache

// Users are kept once for all the guilds they are members of, with a count
// of those memberships; a user whose last membership goes is forgotten.

// acquireUsers counts one more membership for each of users, storing or
// refreshing its data.
func (c *Cache) acquireUsers(users []User) {
	if len(users) == 0 {
		return
	}
	c.usersMu.Lock()
	for i := range users {
		u := &users[i]
		ent := c.users[u.ID]
		ent.user = *u
		ent.refs++
		c.users[u.ID] = ent
	}
	c.usersMu.Unlock()
}

// refreshUser updates a cached user's data without counting a membership.
func (c *Cache) refreshUser(u User) {
	c.usersMu.Lock()
	if ent, ok := c.users[u.ID]; ok {
		ent.user = u
		c.users[u.ID] = ent
	}
	c.usersMu.Unlock()
}

// releaseUser counts one membership less for a user.
func (c *Cache) releaseUser(id Snowflake) {
	if !c.policy.has(KindUsers) {
		return
	}
	c.usersMu.Lock()
	c.releaseUserLocked(id)
	c.usersMu.Unlock()
}

func (c *Cache) releaseUserLocked(id Snowflake) {
	ent, ok := c.users[id]
	if !ok {
		return
	}
	if ent.refs <= 1 {
		delete(c.users, id)
		return
	}
	ent.refs--
	c.users[id] = ent
}

// releaseMembers releases the user of every member of a guild that has
// left the cache (no one writes to it any more).
func (c *Cache) releaseMembers(g *guildState) {
	if !c.policy.has(KindUsers) || len(g.members) == 0 {
		return
	}
	c.usersMu.Lock()
	for id := range g.members {
		c.releaseUserLocked(id)
	}
	c.usersMu.Unlock()
}
