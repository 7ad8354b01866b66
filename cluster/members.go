package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Member is a node as announced in the members bucket.
type Member struct {
	// Instance names the node, unique in the cluster.
	Instance string `json:"instance"`
	// Capacity is how many shards the node runs at most; it also weighs
	// the node in Assign.
	Capacity int `json:"capacity"`
	// Draining nodes get no shards and hand over those they run.
	Draining bool `json:"draining,omitempty"`
	// Version is free text for operators (the program's version).
	Version string `json:"version,omitempty"`
	// Started is when the node joined.
	Started time.Time `json:"started"`
}

// Membership announces one node in the members bucket and keeps its entry
// alive: the entry expires MemberTTL after the last renewal, so a node that
// dies leaves the live set by itself.
type Membership struct {
	b   *Buckets
	key string

	mu sync.Mutex
	me Member
}

// NewMembership prepares the announcement of me; Renew publishes it.
func NewMembership(b *Buckets, me Member) (*Membership, error) {
	if !validToken(me.Instance) {
		return nil, fmt.Errorf("%w: instance %q must be letters, digits, '-' or '_'", ErrConfig, me.Instance)
	}
	if me.Capacity < 1 {
		return nil, fmt.Errorf("%w: capacity %d must be at least 1", ErrConfig, me.Capacity)
	}
	if me.Started.IsZero() {
		me.Started = time.Now()
	}
	return &Membership{b: b, key: b.cfg.key(me.Instance), me: me}, nil
}

// Me returns the node's entry as announced.
func (m *Membership) Me() Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.me
}

// Renew writes the node's entry, restarting its TTL. Call it every third of
// MemberTTL.
func (m *Membership) Renew(ctx context.Context) error {
	m.mu.Lock()
	v, err := json.Marshal(m.me)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, m.b.cfg.OpTimeout)
	defer cancel()
	if _, err := m.b.members.Put(ctx, m.key, v); err != nil {
		return fmt.Errorf("cluster: renew membership: %w", err)
	}
	return nil
}

// SetDraining marks the node as draining (or not) and announces it at once.
func (m *Membership) SetDraining(ctx context.Context, draining bool) error {
	m.mu.Lock()
	m.me.Draining = draining
	m.mu.Unlock()
	return m.Renew(ctx)
}

// Leave removes the node's entry.
func (m *Membership) Leave(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, m.b.cfg.OpTimeout)
	defer cancel()
	return m.b.members.Delete(ctx, m.key)
}

// Members lists the live nodes of the bot.
func (b *Buckets) Members(ctx context.Context) ([]Member, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.OpTimeout)
	defer cancel()
	w, err := b.members.Watch(ctx, b.cfg.App+".*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("cluster: list members: %w", err)
	}
	defer func() { _ = w.Stop() }()
	var out []Member
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("cluster: list members: watcher closed")
			}
			if e == nil {
				return out, nil
			}
			var m Member
			if json.Unmarshal(e.Value(), &m) == nil && m.Instance != "" {
				out = append(out, m)
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster: list members: %w", ctx.Err())
		}
	}
}
