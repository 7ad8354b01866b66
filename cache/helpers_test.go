package cache_test

import (
	"context"
	"testing"

	"github.com/gatewaykit/gateway/cache"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// feeder hands events to a cache as a shard would, numbering them.
type feeder struct {
	t     testing.TB
	c     *cache.Cache
	shard int
	count int // shard count; 0 means one shard
	set   int // the Manager's shard set generation
	seq   int64
}

func (f *feeder) send(typ string, data string) *gatewayutil.Event {
	f.t.Helper()
	f.seq++
	e := &gatewayutil.Event{Shard: f.shard, ShardCount: f.count, ShardSet: f.set, Type: typ, Seq: f.seq, Data: []byte(data)}
	if err := f.c.Dispatch(context.Background(), e); err != nil {
		f.t.Fatalf("%s: %v", typ, err)
	}
	return e
}
