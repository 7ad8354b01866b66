package main

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// A taken-over shard that identifies instead of resuming fails the soak,
// unless the emulator itself had ended the stored session, by a chaos
// fault (op 9 false, or a close code that does not let clients resume)
// that the killed owner could not have recorded: one injected no earlier
// than the store's staleness (flush interval + a KV operation) before the
// owner was killed. No owner could have resumed such a session; Discord
// would refuse it just the same. Every other takeover identify counts.

// takeoverIdentify is a taken-over shard that identified, as its node
// reported it.
type takeoverIdentify struct {
	shard int
	from  gateway.Session // the stored session the takeover started from
	at    time.Time
}

// sessionEnd is a chaos fault by which the emulator ended a session.
type sessionEnd struct {
	at    time.Time
	fault string // "invalid-session", "close 4009", …
	owner string // node incarnation that held the connection ("" if unknown)
}

// takeoverEvidence is what the emulator's records say about one session.
type takeoverEvidence struct {
	resumes []gatewaytest.ResumeRecord // resume attempts naming the session
	ends    []sessionEnd
}

// takeoverLedger collects the takeover identifies the nodes report and
// the kill times of node incarnations.
type takeoverLedger struct {
	mu       sync.Mutex
	ids      []takeoverIdentify
	killedAt map[string]time.Time
}

func newTakeoverLedger() *takeoverLedger {
	return &takeoverLedger{killedAt: map[string]time.Time{}}
}

func (l *takeoverLedger) identified(shard int, from gateway.Session) {
	l.mu.Lock()
	l.ids = append(l.ids, takeoverIdentify{shard: shard, from: from, at: time.Now()})
	l.mu.Unlock()
}

func (l *takeoverLedger) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

func (l *takeoverLedger) killed(incarnation string, at time.Time) {
	l.mu.Lock()
	l.killedAt[incarnation] = at
	l.mu.Unlock()
}

// sessionEvidence gathers, from the emulator's connection records, the
// resume attempts and the chaos faults that ended each of the sessions.
// owner maps a connection record to the incarnation that dialed it.
func sessionEvidence(recs []gatewaytest.Record, sessions map[string]bool, owner func(gatewaytest.Record) string) map[string]*takeoverEvidence {
	out := map[string]*takeoverEvidence{}
	get := func(id string) *takeoverEvidence {
		e := out[id]
		if e == nil {
			e = &takeoverEvidence{}
			out[id] = e
		}
		return e
	}
	for _, r := range recs {
		for _, rr := range r.Resumes {
			if sessions[rr.SessionID] {
				get(rr.SessionID).resumes = append(get(rr.SessionID).resumes, rr)
			}
		}
		if !sessions[r.SessionID] {
			continue
		}
		for _, f := range r.Faults {
			if name, ends := faultEndsSession(f); ends {
				get(r.SessionID).ends = append(get(r.SessionID).ends, sessionEnd{at: f.Time, fault: name, owner: owner(r)})
			}
		}
	}
	return out
}

// faultEndsSession reports whether the emulator invalidates the session
// when it injects f, and names it.
func faultEndsSession(f gatewaytest.FaultRecord) (string, bool) {
	switch f.Kind {
	case gatewaytest.FaultInvalidSession:
		return f.Kind.String(), true
	case gatewaytest.FaultClose:
		code, err := strconv.Atoi(f.Detail)
		if err != nil {
			return "", false
		}
		return "close " + f.Detail, closecode.Code(code).Action() != closecode.Resume
	}
	return "", false
}

// judgeTakeoverIdentify tells whether a takeover identify was forced on the
// new owner: the emulator refused the resume of the stored session as
// invalid, and had ended that session by a chaos fault at most staleness
// before the owner holding it was killed. It returns a description of the
// evidence either way.
func judgeTakeoverIdentify(ti takeoverIdentify, ev *takeoverEvidence, killedAt map[string]time.Time, staleness time.Duration) (forced bool, why string) {
	if ev == nil {
		return false, "the emulator recorded no resume of the stored session"
	}
	var refused *gatewaytest.ResumeRecord
	for i := range ev.resumes {
		rr := &ev.resumes[i]
		if rr.Seq == ti.from.Seq && rr.Outcome == gatewaytest.ResumeInvalid && !rr.Time.After(ti.at) {
			refused = rr // the latest refusal of this seq before the identify
		}
	}
	if refused == nil {
		return false, "the emulator did not refuse a resume of the stored session as invalid"
	}
	for _, end := range ev.ends {
		killed, ok := killedAt[end.owner]
		if !ok || end.at.After(refused.Time) {
			continue
		}
		if end.at.Before(killed.Add(-staleness)) {
			continue
		}
		return true, fmt.Sprintf("the emulator ended the session by %s at %s, %v before its owner %s was killed (store staleness %v); resume at seq %d refused at %s",
			end.fault, end.at.Format(time.RFC3339Nano), killed.Sub(end.at).Round(time.Millisecond), end.owner, staleness,
			refused.Seq, refused.Time.Format(time.RFC3339Nano))
	}
	return false, fmt.Sprintf("resume at seq %d refused at %s, and no chaos fault had ended the session just before its owner was killed (faults ending it: %d)",
		refused.Seq, refused.Time.Format(time.RFC3339Nano), len(ev.ends))
}

// judgeTakeovers splits the soak's first n takeover identifies into forced
// ones (reported, not a failure) and the others (a failure), logging each
// with its evidence.
func (s *soak) judgeTakeovers(n int) (unforced, forced int64) {
	s.takeovers.mu.Lock()
	ids := append([]takeoverIdentify(nil), s.takeovers.ids[:min(n, len(s.takeovers.ids))]...)
	killedAt := make(map[string]time.Time, len(s.takeovers.killedAt))
	for k, v := range s.takeovers.killedAt {
		killedAt[k] = v
	}
	s.takeovers.mu.Unlock()
	if len(ids) == 0 {
		return 0, 0
	}
	sessions := map[string]bool{}
	for _, ti := range ids {
		sessions[ti.from.ID] = true
	}
	conns := s.emu.Conns()
	recs := make([]gatewaytest.Record, len(conns))
	for i, c := range conns {
		recs[i] = c.Record()
	}
	s.mu.Lock()
	ev := sessionEvidence(recs, sessions, func(r gatewaytest.Record) string {
		if d := s.dialOf(r.RemoteAddr, r.Opened); d != nil {
			return d.owner
		}
		return ""
	})
	s.mu.Unlock()
	staleness := s.o.flushEvery + s.cfg.OpTimeout
	if s.cfg.OpTimeout == 0 {
		staleness += 2 * time.Second // cluster.Config's default
	}
	for _, ti := range ids {
		ok, why := judgeTakeoverIdentify(ti, ev[ti.from.ID], killedAt, staleness)
		if ok {
			forced++
			s.log.Info("soak: takeover identify forced by the emulator", "shard", ti.shard, "session", ti.from.ID, "seq", ti.from.Seq, "evidence", why)
			continue
		}
		unforced++
		s.log.Error("soak: taken-over shard identified instead of resuming", "shard", ti.shard, "session", ti.from.ID, "seq", ti.from.Seq, "evidence", why)
	}
	return unforced, forced
}
