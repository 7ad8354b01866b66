package gatewaytest

// replayEntry is one dispatch of a session: its sequence number, event name
// and JSON data (shared, never modified).
type replayEntry struct {
	seq int64
	t   string
	d   []byte
	at  int64 // when it was handed to a connection's writer, unix ns; 0 before
}

// replayRing holds a session's dispatches in sequence order, oldest first.
// Entries are contiguous: the entry with sequence s is at index
// s - first().seq. It is the session's outgoing queue (entries past what the
// connection has written) and its resume buffer (entries already written)
// at once.
type replayRing struct {
	buf   []replayEntry // circular, len is a power of two
	head  int           // index of the oldest entry
	n     int
	bytes int
}

func (r *replayRing) len() int { return r.n }

// at returns the i-th oldest entry.
func (r *replayRing) at(i int) *replayEntry {
	return &r.buf[(r.head+i)&(len(r.buf)-1)]
}

// firstSeq returns the sequence number of the oldest entry, or next when
// the ring is empty.
func (r *replayRing) firstSeq(next int64) int64 {
	if r.n == 0 {
		return next
	}
	return r.at(0).seq
}

func (r *replayRing) push(e replayEntry) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = e
	r.n++
	r.bytes += len(e.d)
}

func (r *replayRing) grow() {
	size := max(16, 2*len(r.buf))
	nb := make([]replayEntry, size)
	for i := 0; i < r.n; i++ {
		nb[i] = *r.at(i)
	}
	r.buf, r.head = nb, 0
}

// pop drops the oldest entry.
func (r *replayRing) pop() {
	e := r.at(0)
	r.bytes -= len(e.d)
	*e = replayEntry{}
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
}

// trim drops written entries (seq <= written) from the front while the
// ring holds more than maxN entries or maxBytes bytes, or while they were
// written before writtenBefore (unix ns); when keepUnwritten is false the
// size bounds drop unwritten ones too. The newest entry always stays under
// the size bounds. It shrinks the buffer when it became mostly empty, so an
// idle session gives its memory back.
func (r *replayRing) trim(maxN, maxBytes int, written int64, keepUnwritten bool, writtenBefore int64) {
	for r.n > 0 {
		e := r.at(0)
		if e.seq <= written && e.at != 0 && e.at < writtenBefore {
			r.pop() // written long enough ago: nobody can resume before it
			continue
		}
		if r.n == 1 || (r.n <= maxN && r.bytes <= maxBytes) {
			break
		}
		if keepUnwritten && e.seq > written {
			break
		}
		r.pop()
	}
	if len(r.buf) > 64 && r.n < len(r.buf)/8 {
		nb := make([]replayEntry, len(r.buf)/4)
		for i := 0; i < r.n; i++ {
			nb[i] = *r.at(i)
		}
		r.buf, r.head = nb, 0
	}
}

// clear empties the ring and releases its memory.
func (r *replayRing) clear() { *r = replayRing{} }
