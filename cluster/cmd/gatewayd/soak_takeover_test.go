package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewaytest"
)

// The soak excuses a takeover identify only when the emulator's records
// show it ended the stored session itself, by a chaos fault too close to
// the owner's death for the owner to have forgotten the session, and
// refused the new owner's resume of it. Anything else still fails the run.
func TestSoakJudgesTakeoverIdentifiesByTheEmulatorsRecords(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	const sid = "s1"
	ti := takeoverIdentify{shard: 30, from: gateway.Session{ID: sid, Seq: 1119}, at: at(4000)}
	killedAt := map[string]time.Time{"node2#6": at(0)}
	staleness := 2200 * time.Millisecond
	refusal := func(seq int64, ms int) gatewaytest.ResumeRecord {
		return gatewaytest.ResumeRecord{Time: at(ms), SessionID: sid, Seq: seq, Outcome: gatewaytest.ResumeInvalid}
	}
	end := func(ms int, owner string) sessionEnd {
		return sessionEnd{at: at(ms), fault: "invalid-session", owner: owner}
	}
	cases := []struct {
		name   string
		ev     *takeoverEvidence
		forced bool
		why    string
	}{
		{"no record at all", nil, false, "no resume"},
		{"fault at the kill, resume refused", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(1119, 3000)}, ends: []sessionEnd{end(-100, "node2#6")}}, true, "invalid-session"},
		{"fault after the socket was cut, before the resume", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(1119, 3000)}, ends: []sessionEnd{end(150, "node2#6")}}, true, "node2#6"},
		// The owner had seconds to forget the session: it should have.
		{"fault long before the kill", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(1119, 3000)}, ends: []sessionEnd{end(-5000, "node2#6")}}, false, "no chaos fault"},
		{"owner never killed", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(1119, 3000)}, ends: []sessionEnd{end(-100, "node1#2")}}, false, "no chaos fault"},
		{"fault after the refusal", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(1119, 3000)}, ends: []sessionEnd{end(3500, "node2#6")}}, false, "no chaos fault"},
		// Refused without the session having been ended: a stale seq the
		// emulator no longer buffers, say. That is the cluster's doing.
		{"refused, no fault", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(1119, 3000)}}, false, "no chaos fault"},
		{"refusal of another seq", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(900, 3000)}, ends: []sessionEnd{end(-100, "node2#6")}}, false, "did not refuse"},
		{"resumed, then identified", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{{Time: at(3000), SessionID: sid, Seq: 1119, Outcome: gatewaytest.Resumed}}, ends: []sessionEnd{end(-100, "node2#6")}}, false, "did not refuse"},
		{"refusal after the identify was reported", &takeoverEvidence{resumes: []gatewaytest.ResumeRecord{refusal(1119, 4500)}, ends: []sessionEnd{end(-100, "node2#6")}}, false, "did not refuse"},
	}
	for _, c := range cases {
		forced, why := judgeTakeoverIdentify(ti, c.ev, killedAt, staleness)
		if forced != c.forced || !strings.Contains(why, c.why) {
			t.Errorf("%s: forced %v (%s); want %v with %q", c.name, forced, why, c.forced, c.why)
		}
	}
}

// The evidence is gathered per session from every connection's records:
// resume attempts by the session id they named, faults by the session the
// connection held; only faults that end a session count.
func TestSoakSessionEvidenceKeepsFaultsThatEndSessions(t *testing.T) {
	t0 := time.Unix(1000, 0)
	recs := []gatewaytest.Record{
		{ID: 1, SessionID: "s1", Faults: []gatewaytest.FaultRecord{
			{Time: t0, Kind: gatewaytest.FaultInvalidSessionResumable},
			{Time: t0, Kind: gatewaytest.FaultClose, Detail: "4000"},
			{Time: t0, Kind: gatewaytest.FaultClose, Detail: "1001"},
			{Time: t0.Add(time.Second), Kind: gatewaytest.FaultClose, Detail: "4009"},
			{Time: t0.Add(2 * time.Second), Kind: gatewaytest.FaultInvalidSession},
			{Time: t0, Kind: gatewaytest.FaultHugePayload, Detail: "2097152"},
		}},
		// A refused resume leaves the connection without a session.
		{ID: 2, Resumes: []gatewaytest.ResumeRecord{{SessionID: "s1", Seq: 7, Outcome: gatewaytest.ResumeInvalid}, {SessionID: "s2", Seq: 3}}},
		{ID: 3, SessionID: "s2", Faults: []gatewaytest.FaultRecord{{Time: t0, Kind: gatewaytest.FaultInvalidSession}}},
	}
	owner := func(r gatewaytest.Record) string { return map[uint64]string{1: "node0#1"}[r.ID] }
	ev := sessionEvidence(recs, map[string]bool{"s1": true}, owner)
	if len(ev) != 1 || ev["s1"] == nil {
		t.Fatalf("evidence for %d sessions, want s1 only", len(ev))
	}
	e := ev["s1"]
	if len(e.resumes) != 1 || e.resumes[0].Seq != 7 {
		t.Errorf("resumes %+v, want the one naming s1", e.resumes)
	}
	if len(e.ends) != 2 || e.ends[0].fault != "close 4009" || e.ends[1].fault != "invalid-session" || e.ends[0].owner != "node0#1" {
		t.Errorf("ends %+v, want close 4009 and invalid-session by node0#1", e.ends)
	}
}
