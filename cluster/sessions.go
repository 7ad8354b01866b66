package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// ErrFenced is matched by a session write refused because the stored session
// changed since this holder read or wrote it: another node owns the shard now.
var ErrFenced = errors.New("cluster: session written by another owner (fenced out)")

// sessionRecord is what the sessions bucket holds for one shard.
type sessionRecord struct {
	SessionID  string    `json:"session_id"`
	Seq        int64     `json:"seq"`
	ResumeURL  string    `json:"resume_url"`
	ShardID    int       `json:"shard_id"`
	ShardCount int       `json:"shard_count"`
	LeaseRev   uint64    `json:"lease_rev,omitempty"`
	Instance   string    `json:"instance,omitempty"`
	Owner      string    `json:"owner,omitempty"` // nonce of the lease it was written under
	Written    time.Time `json:"written"`
}

func (r sessionRecord) session() gateway.Session {
	return gateway.Session{ID: r.SessionID, Seq: r.Seq, ResumeURL: r.ResumeURL, ShardID: r.ShardID, ShardCount: r.ShardCount}
}

func (b *Buckets) sessionKey(shardID, shardCount int) string {
	return b.cfg.key(strconv.Itoa(shardID), strconv.Itoa(shardCount))
}

// loadSession reads a shard's session and its revision (0 when none).
func (b *Buckets) loadSession(ctx context.Context, shardID, shardCount int) (gateway.Session, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.OpTimeout)
	defer cancel()
	e, err := b.sessions.Get(ctx, b.sessionKey(shardID, shardCount))
	if isNotFound(err) {
		return gateway.Session{}, 0, nil
	}
	if err != nil {
		return gateway.Session{}, 0, fmt.Errorf("cluster: load session of shard %d: %w", shardID, err)
	}
	var r sessionRecord
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return gateway.Session{}, e.Revision(), fmt.Errorf("cluster: shard %d: %w: %w", shardID, gateway.ErrBadSession, err)
	}
	s := r.session()
	if !s.CanResume(shardID, shardCount) {
		return gateway.Session{}, e.Revision(), nil
	}
	return s, e.Revision(), nil
}

// writeSession stores a session by compare-and-set: over revision rev, or
// as a new key when rev is 0. It returns the new revision, or an error
// matching ErrFenced if the key moved on. A key that moved on under the same
// lease (a write that timed out here but landed) is not a fence: the write
// is made again over it.
func (b *Buckets) writeSession(ctx context.Context, s gateway.Session, rev uint64, l *Lease, instance string) (uint64, error) {
	v, err := json.Marshal(sessionRecord{
		SessionID: s.ID, Seq: s.Seq, ResumeURL: s.ResumeURL, ShardID: s.ShardID, ShardCount: s.ShardCount,
		LeaseRev: l.Revision(), Instance: instance, Owner: l.nonce, Written: time.Now(),
	})
	if err != nil {
		return rev, err
	}
	key := b.sessionKey(s.ShardID, s.ShardCount)
	var n uint64
	if rev == 0 {
		n, err = b.sessions.Create(ctx, key, v)
	} else {
		n, err = b.sessions.Update(ctx, key, v, rev)
	}
	if isConflict(err) {
		e, gerr := b.sessions.Get(ctx, key)
		var cur sessionRecord
		if gerr == nil && json.Unmarshal(e.Value(), &cur) == nil && cur.Owner == l.nonce {
			n, err = b.sessions.Update(ctx, key, v, e.Revision())
		}
	}
	if isConflict(err) {
		return rev, fmt.Errorf("%w: shard %d", ErrFenced, s.ShardID)
	}
	if err != nil {
		return rev, fmt.Errorf("cluster: write session of shard %d: %w", s.ShardID, err)
	}
	return n, nil
}

// forgetSession removes a shard's stored session by compare-and-set on its
// revision; ErrFenced if someone else wrote it meanwhile.
func (b *Buckets) forgetSession(ctx context.Context, shardID, shardCount int, rev uint64) error {
	if rev == 0 {
		return nil
	}
	// Purge rather than Delete: a new session is then written with
	// Create, over no marker.
	err := b.sessions.Purge(ctx, b.sessionKey(shardID, shardCount), lastRevision(rev))
	if isConflict(err) {
		return fmt.Errorf("%w: shard %d", ErrFenced, shardID)
	}
	if err != nil {
		return fmt.Errorf("cluster: forget session of shard %d: %w", shardID, err)
	}
	return nil
}

// SessionStore is a gatewayutil.SessionStore in the sessions bucket, for a
// gatewayutil.Manager whose processes share NATS: a restarted process, or one
// on another machine, resumes the shards instead of identifying. Save
// overwrites whatever is stored; a Node uses compare-and-set instead, so a
// node fenced out of a shard cannot overwrite its new owner's session.
type SessionStore struct{ b *Buckets }

// SessionStore returns the bucket as a gatewayutil.SessionStore.
func (b *Buckets) SessionStore() *SessionStore { return &SessionStore{b: b} }

// Load implements gatewayutil.SessionStore.
func (s *SessionStore) Load(ctx context.Context, shardID, shardCount int) (gateway.Session, bool, error) {
	sess, _, err := s.b.loadSession(ctx, shardID, shardCount)
	if err != nil {
		return gateway.Session{}, false, err
	}
	return sess, sess.Resumable(), nil
}

// Save implements gatewayutil.SessionStore.
func (s *SessionStore) Save(ctx context.Context, sess gateway.Session) error {
	if sess.ShardID < 0 || sess.ShardCount < 1 || sess.ShardID >= sess.ShardCount {
		return fmt.Errorf("cluster: %w: shard [%d, %d]", gateway.ErrBadSession, sess.ShardID, sess.ShardCount)
	}
	v, err := json.Marshal(sessionRecord{
		SessionID: sess.ID, Seq: sess.Seq, ResumeURL: sess.ResumeURL, ShardID: sess.ShardID, ShardCount: sess.ShardCount, Written: time.Now(),
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.b.cfg.OpTimeout)
	defer cancel()
	if _, err := s.b.sessions.Put(ctx, s.b.sessionKey(sess.ShardID, sess.ShardCount), v); err != nil {
		return fmt.Errorf("cluster: save session of shard %d: %w", sess.ShardID, err)
	}
	return nil
}

// Delete implements gatewayutil.SessionStore.
func (s *SessionStore) Delete(ctx context.Context, shardID, shardCount int) error {
	ctx, cancel := context.WithTimeout(ctx, s.b.cfg.OpTimeout)
	defer cancel()
	err := s.b.sessions.Delete(ctx, s.b.sessionKey(shardID, shardCount))
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("cluster: delete session of shard %d: %w", shardID, err)
	}
	return nil
}

var _ gatewayutil.SessionStore = (*SessionStore)(nil)
