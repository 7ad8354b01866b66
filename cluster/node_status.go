package cluster

import (
	"sort"
	"time"

	"github.com/gatewaykit/gateway/gatewayutil"
)

// NodeStatus is a snapshot of a Node.
type NodeStatus struct {
	// Instance is the node's id; Draining is true once it hands over.
	Instance string
	Draining bool
	// Shards are the statuses of the shards the node runs now, by id.
	Shards []gatewayutil.Status
	// Takeovers counts shards started from a stored session (to resume);
	// TakeoverIdentifies those of them that had to identify after all.
	Takeovers, TakeoverIdentifies int64
	// Handovers counts shards closed resumably and released (drain or
	// rebalance).
	Handovers int64
	// LeaseLost counts shards stopped because their lease changed hands;
	// WatchdogStops those stopped because the lease could not be renewed
	// by its SafeUntil; Fenced those stopped because their stored session
	// was written by another owner.
	LeaseLost, WatchdogStops, Fenced int64
	// StartErrors counts shards given back right after taking their lease
	// (stored session unreadable, bad configuration).
	StartErrors int64
	// Events, Identifies and Resumes count dispatches received, identifies
	// sent and sessions resumed by every shard this node ran, including
	// those it no longer runs.
	Events, Identifies, Resumes int64
	// RenewP50 and RenewP99 are lease renewal latencies.
	RenewP50, RenewP99 time.Duration
}

// Status returns what the node is doing.
func (n *Node) Status() NodeStatus {
	st := NodeStatus{
		Instance:           n.cfg.Instance,
		Draining:           n.draining.Load(),
		Takeovers:          n.takeovers.Load(),
		TakeoverIdentifies: n.takeoverIdentifies.Load(),
		Handovers:          n.handovers.Load(),
		LeaseLost:          n.leaseLost.Load(),
		WatchdogStops:      n.watchdogStops.Load(),
		Fenced:             n.fenced.Load(),
		StartErrors:        n.startErrors.Load(),
		RenewP50:           n.renewLatency.Quantile(0.5),
		RenewP99:           n.renewLatency.Quantile(0.99),
	}
	n.mu.Lock()
	for _, o := range n.owned {
		if o.shard != nil {
			st.Shards = append(st.Shards, o.shard.Status())
		}
	}
	st.Events, st.Identifies, st.Resumes = n.retiredEvents.Load(), n.retiredIdentifies.Load(), n.retiredResumes.Load()
	n.mu.Unlock()
	for _, s := range st.Shards {
		st.Events += s.Dispatches
		st.Identifies += s.Identifies
		st.Resumes += s.Resumes
	}
	sort.Slice(st.Shards, func(i, j int) bool { return st.Shards[i].Shard < st.Shards[j].Shard })
	return st
}

// RenewLatency returns the histogram of lease renewal latencies.
func (n *Node) RenewLatency() *gatewayutil.Histogram { return &n.renewLatency }
