package gatewaytest

import (
	"time"
)

// The pump feeds built-in traffic from [Traffic] through the same routing
// as Publish. Each shard that has sessions — each [shard_id, num_shards]
// pair — gets its own stream, a fork of the generator that only produces
// events for that shard's guilds (and DMs on shard 0), so nothing is
// generated for nobody and each shard's sequence depends only on the seed.
// Every session holding that shard receives the same events, as on
// Discord.
//
// Rate > 0: each shard's stream produces Rate events per second. Rate 0:
// a shard's stream produces while one of its sessions has room, so a fast
// client is fed as fast as it reads.
//
// Flow control: traffic events are droppable. A session that already has
// trafficBacklog unwritten events skips them (they never get a sequence
// number, so the client sees no gap). A slow client therefore costs a
// bounded amount of memory.

type pump struct {
	s      *Server
	wakeCh chan struct{}
	forks  map[[2]int]*Traffic // pump goroutine only
	carry  map[[2]int]float64
	shards []shardSessions
	flat   []*Session
}

// snapshot refreshes the pump's view of the shards that have sessions,
// and forgets the streams of shards that have none once there are more
// than StateLimit of them (clients choose shard numbers: each new
// [shard_id, num_shards] would otherwise keep a stream forever).
func (p *pump) snapshot() {
	clear(p.flat)
	p.shards, p.flat = p.s.routes.snapshot(p.shards[:0], p.flat[:0])
	if len(p.forks) <= p.s.cfg.StateLimit && len(p.carry) <= p.s.cfg.StateLimit {
		return
	}
	keep := make(map[[2]int]bool, len(p.shards))
	for _, sh := range p.shards {
		keep[sh.key] = true
	}
	for k := range p.forks {
		if !keep[k] {
			delete(p.forks, k)
		}
	}
	for k := range p.carry {
		if !keep[k] {
			delete(p.carry, k)
		}
	}
}

// waitForSessions blocks until a session exists or the server is closed
// (false): with no session the pump has nobody to generate for and does
// not tick.
func (p *pump) waitForSessions() bool {
	s := p.s
	for {
		s.mu.Lock()
		busy := len(s.sessionList) > 0
		ch := s.changed
		s.mu.Unlock()
		if busy {
			return true
		}
		select {
		case <-ch:
		case <-s.done:
			return false
		}
	}
}

func newPump(s *Server) *pump {
	return &pump{
		s:      s,
		wakeCh: make(chan struct{}, 1),
		forks:  make(map[[2]int]*Traffic),
		carry:  make(map[[2]int]float64),
	}
}

// wake tells the pump that a writer drained some events.
func (p *pump) wake() {
	if p == nil || !p.s.cfg.Traffic {
		return
	}
	select {
	case p.wakeCh <- struct{}{}:
	default:
	}
}

// next generates one event for shard key and publishes it as droppable
// traffic, except a mutable world's changes, which no session may miss.
// It reports false when the shard has nothing to receive or the traffic
// is paused.
func (p *pump) next(key [2]int) bool {
	s := p.s
	s.streamMu.Lock()
	defer s.streamMu.Unlock()
	if s.trafficPaused.Load() {
		return false
	}
	mutable := s.cfg.World.Mutable
	f := p.forks[key]
	if f == nil {
		f = s.traffic.Fork(uint64(key[0]) % 1023)
		p.forks[key] = f
	}
	var ev TrafficEvent
	var ok bool
	if len(s.guilds) == 0 {
		if key[0] != 0 {
			return false
		}
		ev, ok = f.NextFor(0)
	} else {
		ev, ok = f.NextForShard(key[0], key[1])
	}
	if !ok {
		return false
	}
	s.stats.trafficGenerated.Add(1)
	var e pubEvent
	s.initPubEvent(&e, Dispatch(ev))
	changes := mutable && changesWorld(ev.Type)
	if changes {
		s.stats.worldChanges.Add(1)
	}
	delivered, skipped := s.publish(&e, !changes)
	s.stats.trafficDelivered.Add(int64(delivered))
	s.stats.trafficSkipped.Add(int64(skipped))
	return true
}

func (p *pump) run() {
	if p.s.cfg.Rate > 0 {
		p.runRate()
	} else {
		p.runFlood()
	}
}

// runRate generates Rate events per second per shard.
func (p *pump) runRate() {
	s := p.s
	const period = 10 * time.Millisecond
	t := time.NewTicker(period)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			s.stats.pumpRounds.Add(1)
			elapsed := now.Sub(last).Seconds()
			last = now
			p.snapshot()
			if len(p.shards) == 0 {
				t.Stop()
				if !p.waitForSessions() {
					return
				}
				t.Reset(period)
				last = time.Now()
				continue
			}
			for _, sh := range p.shards {
				key := sh.key
				want := p.carry[key] + s.cfg.Rate*elapsed
				n := int(want)
				// Carry the fraction, never a backlog: a stalled machine
				// does not turn into a burst later.
				p.carry[key] = min(want-float64(n), 1)
				for i := 0; i < n && p.next(key); i++ {
				}
			}
		}
	}
}

// runFlood generates for each shard while one of its sessions has room.
func (p *pump) runFlood() {
	s := p.s
	for {
		select {
		case <-s.done:
			return
		default:
		}
		s.stats.pumpRounds.Add(1)
		// Taken before the snapshot: a session that appears after it
		// closes this channel.
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		generated := 0
		p.snapshot()
		for _, sh := range p.shards {
			room := int64(0)
			for _, sess := range p.flat[sh.lo:sh.hi] {
				room = max(room, trafficBacklog-sess.backlog())
			}
			for i := int64(0); i < min(room, writeBatch) && p.next(sh.key); i++ {
				generated++
			}
		}
		if generated > 0 {
			continue
		}
		// Every session is full, or there is none: wait for a writer to
		// drain, or for sessions to come or go.
		select {
		case <-s.done:
			return
		case <-p.wakeCh:
		case <-changed:
		}
	}
}

// PauseTraffic stops (true) or restarts (false) the built-in traffic
// without closing anything: sessions, chaos and Publish go on. Pausing
// returns once the event being generated, if any, is published, so every
// session's Seq is then final until the traffic restarts. A test that
// compares a client's state with a mutable world ([Server.GuildCreate])
// pauses the traffic, lets the client catch up, then compares.
func (s *Server) PauseTraffic(paused bool) {
	s.trafficPaused.Store(paused)
	if paused {
		s.streamMu.Lock()
		//lint:ignore SA2001 an empty critical section: waits for the pump's current event
		s.streamMu.Unlock()
		return
	}
	s.pump.wake()
}
