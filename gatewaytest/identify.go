package gatewaytest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway/closecode"
	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/internal/secret"
	"github.com/gatewaykit/gateway/opcode"
)

// identifyRequest is a validated identify payload.
type identifyRequest struct {
	rec        IdentifyRecord
	token      string
	intents    intents.Intent
	shardID    int
	shardCount int
	shardSent  bool
}

// parseIdentify validates the shape of an identify's d. A payload of the
// wrong shape (d not an object, a required field missing, a field of the
// wrong type or outside its documented range) closes with 4001, a missing
// or undocumented intents field with 4013, a bad shard with 4010. Unknown
// fields are ignored and null stands for an absent optional field, as on
// Discord. The semantic checks (token, shard, limits) come later.
func parseIdentify(d []byte, now time.Time) (*identifyRequest, closecode.Code, error) {
	m, err := object(d)
	if err != nil {
		return nil, malformedPayload, fmt.Errorf("identify: %w", err)
	}
	req := &identifyRequest{shardCount: 1}
	req.rec.Time = now
	tok, present := m["token"]
	if present {
		s, ok := rawString(tok)
		if !ok {
			return nil, malformedPayload, fmt.Errorf("identify: token is not a string")
		}
		req.token = botToken(s)
		req.rec.Token = Token{masked: secret.Seal(req.token)}
	}
	props, err := object(m["properties"])
	if err != nil {
		return nil, malformedPayload, fmt.Errorf("identify: properties: %w", err)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"os", &req.rec.Properties.OS}, {"browser", &req.rec.Properties.Browser}, {"device", &req.rec.Properties.Device}} {
		r, ok := props[f.name]
		if !ok {
			r, ok = props["$"+f.name] // deprecated spelling, still resolved
		}
		s, isStr := rawString(r)
		if !ok || !isStr {
			return nil, malformedPayload, fmt.Errorf("identify: properties.%s is not a string", f.name)
		}
		*f.dst = s
	}
	if r, ok := m["compress"]; ok && !isNull(r) {
		b, ok := rawBool(r)
		if !ok {
			return nil, malformedPayload, fmt.Errorf("identify: compress is not a boolean")
		}
		req.rec.Compress = b
	}
	if r, ok := m["large_threshold"]; ok && !isNull(r) {
		n, ok := rawInt(r)
		if !ok || n < 50 || n > 250 {
			return nil, malformedPayload, fmt.Errorf("identify: large_threshold is not an integer in 50-250")
		}
		req.rec.LargeThreshold = int(n)
	}
	if r, ok := m["shard"]; ok && !isNull(r) {
		a, ok := rawArray(r)
		if !ok || len(a) != 2 {
			return nil, closecode.InvalidShard, fmt.Errorf("identify: shard is not [shard_id, num_shards]")
		}
		id, ok1 := rawInt(a[0])
		count, ok2 := rawInt(a[1])
		if !ok1 || !ok2 {
			return nil, closecode.InvalidShard, fmt.Errorf("identify: shard is not two integers")
		}
		if id < 0 || count < 1 || id >= count || count > 1<<30 {
			return nil, closecode.InvalidShard, fmt.Errorf("identify: shard [%d, %d] is out of range", id, count)
		}
		req.shardID, req.shardCount, req.shardSent = int(id), int(count), true
		req.rec.Shard = []int{int(id), int(count)}
	}
	if r, ok := m["presence"]; ok && !isNull(r) {
		if err := validateIdentifyPresence(r); err != nil {
			return nil, malformedPayload, fmt.Errorf("identify: %w", err)
		}
		req.rec.Presence = append(json.RawMessage(nil), r...)
	}
	r, ok := m["intents"]
	if !ok {
		return nil, closecode.InvalidIntents, fmt.Errorf("identify: intents missing (required since v8)")
	}
	n, ok := rawInt(r)
	if !ok || n < 0 {
		return nil, closecode.InvalidIntents, fmt.Errorf("identify: intents %s is not a non-negative integer", r)
	}
	req.intents = intents.Intent(n)
	req.rec.Intents = req.intents
	if err := req.intents.Validate(); err != nil {
		return nil, closecode.InvalidIntents, fmt.Errorf("identify: %w", err)
	}
	// Keep the payload for the record, with the token redacted.
	m["token"] = json.RawMessage(`"` + redacted + `"`)
	req.rec.Raw, _ = json.Marshal(m)
	return req, 0, nil
}

// onIdentify handles op 2.
func (c *Conn) onIdentify(now time.Time, d []byte) {
	s := c.srv
	if c.authed.Load() {
		c.violation(closecode.AlreadyAuthenticated, "identify on a connection that already identified or resumed")
		return
	}
	req, code, err := parseIdentify(d, now)
	if err != nil {
		c.violation(code, err.Error())
		return
	}
	c.mu.Lock()
	rec := req.rec
	c.rec.Identify = &rec
	c.mu.Unlock()

	if !s.tokenOK(req.token) {
		c.violation(closecode.AuthenticationFailed, "identify: token not accepted")
		return
	}
	if extra := req.intents.Privileged() &^ s.cfg.AllowedPrivileged; extra != 0 {
		c.violation(closecode.DisallowedIntents, fmt.Sprintf("identify: privileged intents %v not allowed", extra))
		return
	}
	if m := s.cfg.ShardMultiple; m > 0 && req.shardCount%m != 0 {
		c.violation(closecode.InvalidShard, fmt.Sprintf("identify: shard count %d is not a multiple of %d", req.shardCount, m))
		return
	}
	if n := s.guildsOnShard(req.shardID, req.shardCount); n > s.cfg.MaxGuildsPerShard {
		c.violation(closecode.ShardingRequired, fmt.Sprintf("identify: shard [%d, %d] would hold %d guilds, more than %d", req.shardID, req.shardCount, n, s.cfg.MaxGuildsPerShard))
		return
	}
	bot := s.bot(req.token)
	switch bot.admitIdentify(s, req.shardID, now) {
	case identifyExhausted:
		c.violation(closecode.AuthenticationFailed, "identify: session_start_limit exhausted (Discord resets the token)")
		return
	case identifyTooFast:
		c.noteViolation(0, fmt.Sprintf("identify: more than one identify per %v in bucket %d (max_concurrency %d)", s.cfg.scale(identifyWindow), req.shardID%s.cfg.MaxConcurrency, s.cfg.MaxConcurrency))
		s.stats.identifyRefused.Add(1)
		c.invalidSession(false)
		return
	}

	// Queue READY and the GUILD_CREATEs first, then make the session
	// routable, and only then let the writer see it: a client that has read
	// READY receives everything published after that, and nothing
	// published before READY gets a lower sequence number.
	sess := s.newSession(req, now)
	sess.mu.Lock()
	sess.conn = c
	sess.mu.Unlock()
	if req.rec.Compress && c.encName == "json" && c.compress == CompressNone {
		c.payloadCompress.Store(true)
	}
	owned := s.ownedGuilds(req.shardID, req.shardCount)
	// Build everything first, then make the session routable at once:
	// an event published after READY reached the client must reach this
	// session too (after its GUILD_CREATEs), as on Discord.
	ready := s.readyData(sess, c, owned)
	if s.cfg.World.Mutable {
		s.streamMu.Lock()
	}
	var creates [][]byte
	if sess.intents.Delivers(event.GuildCreate, intents.InGuilds) {
		for _, g := range owned {
			if s.withholds(g) {
				continue
			}
			creates = append(creates, s.guildCreate(g))
		}
	}
	sess.queue(event.Ready, ready, false)
	for _, gc := range creates {
		sess.queue(event.GuildCreate, gc, false)
	}
	sess.endBurst()
	s.addSession(sess)
	if s.cfg.World.Mutable {
		s.streamMu.Unlock()
	}
	c.kick()
	c.mu.Lock()
	c.sess = sess
	c.rec.SessionID = sess.id
	c.rec.PayloadCompress = c.payloadCompress.Load()
	c.mu.Unlock()
	c.authed.Store(true)
	s.stats.identifies.Add(1)
	c.kick()
	c.detachIfGone(sess)
	c.armChaos(now)
	s.log.Debug("session started", "conn", c.id, "session", sess.id, "shard", req.rec.Shard)
}

// detachIfGone detaches sess again if c ended while sess was being
// attached to it (teardown saw no session, or not yet this one).
func (c *Conn) detachIfGone(sess *Session) {
	c.mu.Lock()
	gone := c.closed
	c.mu.Unlock()
	if gone {
		sess.detach(c, time.Now())
	}
}

// invalidSession sends op 9 with d. Either way the connection is no
// longer authenticated: the client may resume (d true: the session waits
// for it, detached) or identify (d false: the session is gone), on this
// connection or a new one.
func (c *Conn) invalidSession(resumable bool) {
	d := []byte("false")
	if resumable {
		d = []byte("true")
	}
	c.mu.Lock()
	c.rec.InvalidSessions++
	sess := c.sess
	c.sess = nil
	c.mu.Unlock()
	c.authed.Store(false)
	if sess != nil {
		if resumable {
			sess.detach(c, time.Now())
		} else {
			sess.kill()
		}
	}
	c.sendCtrl(ctrlMsg{op: opcode.InvalidSession, d: d})
}

// onResume handles op 6.
func (c *Conn) onResume(now time.Time, d []byte) {
	s := c.srv
	if c.authed.Load() {
		c.violation(closecode.AlreadyAuthenticated, "resume on a connection that already identified or resumed")
		return
	}
	m, err := object(d)
	if err != nil {
		c.violation(malformedPayload, "resume: "+err.Error())
		return
	}
	token, ok1 := rawString(m["token"])
	id, ok2 := rawString(m["session_id"])
	seq, ok3 := rawInt(m["seq"])
	if !ok1 || !ok2 || !ok3 || seq < 0 {
		c.violation(malformedPayload, "resume: want token and session_id strings and a non-negative integer seq")
		return
	}
	token = botToken(token)
	rr := ResumeRecord{Time: now, SessionID: id, Seq: seq}
	note := func(o ResumeOutcome, replayed int) {
		rr.Outcome, rr.Replayed = o, replayed
		c.mu.Lock()
		c.rec.Resumes = appendBounded(c.rec.Resumes, rr)
		c.mu.Unlock()
	}
	if !s.tokenOK(token) {
		note(ResumeClosed, 0)
		c.violation(closecode.AuthenticationFailed, "resume: token not accepted")
		return
	}
	sess := s.session(id)
	if sess == nil || sess.token != token {
		note(ResumeInvalid, 0)
		s.stats.resumesFailed.Add(1)
		c.invalidSession(false)
		return
	}
	c.mu.Lock()
	c.sess = sess
	c.rec.SessionID = sess.id
	c.mu.Unlock()
	replayed, old, outcome := sess.resume(c, seq, now)
	switch outcome {
	case resumeBadSeq:
		c.mu.Lock()
		c.sess = nil
		c.mu.Unlock()
		note(ResumeClosed, 0)
		s.stats.resumesFailed.Add(1)
		sess.kill()
		c.violation(closecode.InvalidSeq, fmt.Sprintf("resume: seq %d is past the session's last sequence number", seq))
		return
	case resumeGone:
		c.mu.Lock()
		c.sess = nil
		c.mu.Unlock()
		note(ResumeInvalid, 0)
		s.stats.resumesFailed.Add(1)
		sess.kill()
		c.invalidSession(false)
		return
	}
	if old != nil && old != c {
		old.dropTCP() // the session moved to this connection
	}
	c.detachIfGone(sess)
	c.authed.Store(true)
	note(Resumed, int(replayed))
	s.stats.resumes.Add(1)
	sess.deliver(event.Resumed, traceData, false)
	c.armChaos(now)
	s.log.Debug("session resumed", "conn", c.id, "session", sess.id, "replayed", replayed)
}

// traceData is the d of RESUMED.
var traceData = []byte(`{"_trace":["[\"gateway-emulator\",{\"micros\":0.0}]"]}`)

// Outcomes of Session.resume.
const (
	resumeOK = iota
	resumeBadSeq
	resumeGone
)

// resume attaches c from seq: the writer will replay everything after seq.
func (s *Session) resume(c *Conn, seq int64, now time.Time) (replayed int64, old *Conn, outcome int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return 0, nil, resumeGone
	}
	if seq > s.seq {
		return 0, nil, resumeBadSeq
	}
	if seq < s.ring.firstSeq(s.seq+1)-1 {
		return 0, nil, resumeGone // the events after seq are no longer buffered
	}
	old = s.conn
	s.conn = c
	s.written = seq
	s.detached = time.Time{}
	s.resumes++
	return s.seq - seq, old, resumeOK
}

// readyData builds READY's d.
func (s *Server) readyData(sess *Session, c *Conn, owned []uint64) []byte {
	b := make([]byte, 0, 512+len(owned)*48)
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(c.version()), 10)
	b = append(b, `,"user_settings":{},"user":`...)
	b = append(b, s.botUser...)
	b = append(b, `,"session_type":"normal","session_id":`...)
	b = jsonQuote(b, sess.id)
	b = append(b, `,"resume_gateway_url":`...)
	b = jsonQuote(b, s.cfg.HostileReady.resumeURL(s.resumeURL))
	b = append(b, `,"relationships":[],"private_channels":[],"presences":[],"guilds":[`...)
	for i, g := range owned {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = strconv.AppendUint(b, g, 10)
		b = append(b, `","unavailable":true}`...)
	}
	b = append(b, `],"guild_join_requests":[],"geo_ordered_rtc_regions":["us-east","us-central"],"auth":{},"application":{"id":"`...)
	b = strconv.AppendUint(b, s.botID, 10)
	b = append(b, `","flags":`...)
	b = strconv.AppendInt(b, s.applicationFlags(), 10)
	b = append(b, '}')
	if sess.shardSent {
		b = append(b, `,"shard":[`...)
		b = strconv.AppendInt(b, int64(sess.shardID), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(sess.shardCount), 10)
		b = append(b, ']')
	}
	b = append(b, `,"_trace":["[\"gateway-emulator\",{\"micros\":0.0}]"]}`...)
	return b
}

// applicationFlags returns the application flags READY reports: the
// gateway intent flags for the privileged intents the bot may use.
func (s *Server) applicationFlags() int64 {
	var f int64
	if s.cfg.AllowedPrivileged.Has(intents.GuildPresences) {
		f |= 1 << 12 // GATEWAY_PRESENCE
	}
	if s.cfg.AllowedPrivileged.Has(intents.GuildMembers) {
		f |= 1 << 14 // GATEWAY_GUILD_MEMBERS
	}
	if s.cfg.AllowedPrivileged.Has(intents.MessageContent) {
		f |= 1 << 18 // GATEWAY_MESSAGE_CONTENT
	}
	return f
}
