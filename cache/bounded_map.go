package cache

// putBounded stores next() under id in m, one of a guild's maps that the
// caller holds locked, unless id is new and m already holds limit entries:
// then nothing is built or stored and the drop is counted in st. It
// returns what id held before.
func putBounded[V any](st *counters, m map[Snowflake]V, id Snowflake, limit int, next func() V) (old V, had bool) {
	old, had = m[id]
	if !had && len(m) >= limit {
		st.dropped.Add(1)
		return old, false
	}
	m[id] = next()
	return old, had
}

// putOrDelete deletes id from m when del, and otherwise stores next() as
// putBounded does. It returns what id held before.
func putOrDelete[V any](st *counters, m map[Snowflake]V, id Snowflake, del bool, limit int, next func() V) (old V, had bool) {
	if del {
		old, had = m[id]
		delete(m, id)
		return old, had
	}
	return putBounded(st, m, id, limit, next)
}
