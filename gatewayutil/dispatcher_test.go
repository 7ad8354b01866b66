package gatewayutil_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewaykit/gateway/event"
	"github.com/gatewaykit/gateway/gatewayutil"
	"github.com/gatewaykit/gateway/intents"
)

// msg is a MESSAGE_CREATE in a guild (0: a DM) from a user, with seq.
func msg(seq int64, guild, channel, user uint64) *gatewayutil.Event {
	d := fmt.Sprintf(`{"id":"%d","channel_id":"%d","author":{"id":"%d"},"content":"m%d"`, 1000+seq, channel, user, seq)
	if guild != 0 {
		d += fmt.Sprintf(`,"guild_id":"%d"`, guild)
	}
	return &gatewayutil.Event{Type: event.MessageCreate, Seq: seq, Data: []byte(d + "}")}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// noLeak fails the test if goroutines started during it are still around
// when it ends (polled briefly: exiting goroutines take a moment).
func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
}

func closeOK(t *testing.T, d *gatewayutil.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestInlineGetsShardBufferInOrder(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher()
	defer closeOK(t, d)
	var seqs []int64
	var sameBuffer, sameEvent bool
	var shardEvent *gatewayutil.Event
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		seqs = append(seqs, e.Seq)
		sameEvent = e == shardEvent
		sameBuffer = &e.Data[0] == &shardEvent.Data[0]
	})
	for i := int64(1); i <= 5; i++ {
		shardEvent = msg(i, 1, 2, 3)
		if err := d.Dispatch(context.Background(), shardEvent); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(seqs, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("inline handler saw %v", seqs)
	}
	if !sameEvent || !sameBuffer {
		t.Errorf("inline handler got a copy (same event %v, same buffer %v)", sameEvent, sameBuffer)
	}
}

func TestQueuedGetsPrivateCopy(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher()
	got := make(chan string, 10)
	for _, mode := range []gatewayutil.DeliveryMode{gatewayutil.PerGuild, gatewayutil.Goroutine} {
		d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
			got <- fmt.Sprintf("%s %d %d %s", mode, e.Seq, e.GuildID(), e.Data)
		}, gatewayutil.Deliver(mode))
	}
	e := msg(7, 42, 2, 3)
	want := string(e.Data)
	// Hold the handlers until the shard has reused its buffer.
	if err := d.Dispatch(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	for i := range e.Data {
		e.Data[i] = 'x'
	}
	closeOK(t, d)
	close(got)
	var lines []string
	for l := range got {
		lines = append(lines, l)
	}
	slices.Sort(lines)
	wantLines := []string{"goroutine 7 42 " + want, "per-guild 7 42 " + want}
	if !slices.Equal(lines, wantLines) {
		t.Errorf("queued handlers saw\n%q\nwant\n%q", lines, wantLines)
	}
}

func TestNoSubscriberCountsOnly(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	defer closeOK(t, d)
	called := false
	d.Subscribe(event.TypingStart, func(ctx context.Context, e *gatewayutil.Event) { called = true })
	for _, e := range []*gatewayutil.Event{
		msg(1, 1, 1, 1),
		{Type: "NOT_A_REAL_EVENT", Seq: 2, Data: []byte(`not even json`)},
	} {
		if err := d.Dispatch(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if called {
		t.Error("handler of another type called")
	}
	if d.Wants(event.MessageCreate) || !d.Wants(event.TypingStart) || d.Wants("NOT_A_REAL_EVENT") {
		t.Error("Wants disagrees with the subscriptions")
	}
	st := d.Stats()
	if got := st.Events[event.MessageCreate]; got.Received != 1 || got.Delivered != 0 {
		t.Errorf("MESSAGE_CREATE stats %+v", got)
	}
	if st.Unknown.Received != 1 {
		t.Errorf("unknown stats %+v", st.Unknown)
	}
	if _, ok := st.Events[event.TypingStart]; ok {
		t.Error("stats list a type with all-zero counters")
	}
}

func TestNarrowedSubscriptions(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	defer closeOK(t, d)
	got := map[string][]int64{}
	sub := func(name string, opts ...gatewayutil.SubscribeOption) {
		d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
			got[name] = append(got[name], e.Seq)
		}, opts...)
	}
	sub("all")
	sub("guild1", gatewayutil.InGuild(1))
	sub("guild1-again", gatewayutil.InGuild(1))
	sub("channel10", gatewayutil.InChannel(10))
	sub("user100", gatewayutil.ByUser(100))
	sub("guild1-user101", gatewayutil.InGuild(1), gatewayutil.ByUser(101))
	sub("guild2-channel10", gatewayutil.InGuild(2), gatewayutil.InChannel(10))
	sub("unnarrowed-by-zero", gatewayutil.InGuild(0))
	events := []*gatewayutil.Event{
		msg(1, 1, 10, 100),
		msg(2, 1, 11, 101),
		msg(3, 2, 10, 101),
		msg(4, 0, 12, 100), // DM
		msg(5, 3, 13, 102),
	}
	for _, e := range events {
		if err := d.Dispatch(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]int64{
		"all":                {1, 2, 3, 4, 5},
		"unnarrowed-by-zero": {1, 2, 3, 4, 5},
		"guild1":             {1, 2},
		"guild1-again":       {1, 2},
		"channel10":          {1, 3},
		"user100":            {1, 4},
		"guild1-user101":     {2},
		"guild2-channel10":   {3},
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s got %v, want %v", name, got[name], w)
		}
	}
}

func TestSubscribeAll(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	defer closeOK(t, d)
	var order []string
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { order = append(order, "typed-before") })
	cancelAll := d.SubscribeAll(func(ctx context.Context, e *gatewayutil.Event) { order = append(order, "all:"+e.Type) })
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { order = append(order, "typed-after") })
	d.SubscribeAll(func(ctx context.Context, e *gatewayutil.Event) { order = append(order, "guild5:"+e.Type) }, gatewayutil.InGuild(5))

	ctx := context.Background()
	_ = d.Dispatch(ctx, msg(1, 5, 1, 1))
	_ = d.Dispatch(ctx, &gatewayutil.Event{Type: "BRAND_NEW_EVENT", Data: []byte(`{"guild_id":"5"}`)})
	_ = d.Dispatch(ctx, &gatewayutil.Event{Type: event.GuildDelete, Data: []byte(`{"id":"6"}`)})
	want := []string{
		"typed-before", "all:MESSAGE_CREATE", "typed-after", "guild5:MESSAGE_CREATE",
		"all:BRAND_NEW_EVENT", "guild5:BRAND_NEW_EVENT",
		"all:GUILD_DELETE",
	}
	if !slices.Equal(order, want) {
		t.Errorf("order\n%q\nwant\n%q", order, want)
	}
	cancelAll()
	order = nil
	_ = d.Dispatch(ctx, &gatewayutil.Event{Type: "BRAND_NEW_EVENT", Data: []byte(`{}`)})
	_ = d.Dispatch(ctx, msg(2, 6, 1, 1))
	if want := []string{"typed-before", "typed-after"}; !slices.Equal(order, want) {
		t.Errorf("after cancelling the catch-all: %q, want %q", order, want)
	}
	if st := d.Stats(); st.Unknown.Delivered != 2 || st.Unknown.Received != 2 {
		t.Errorf("unknown-name stats %+v", st.Unknown)
	}
}

type message struct {
	ID      string `json:"id"`
	Content string `json:"content"`
	Author  struct {
		ID string `json:"id"`
	} `json:"author"`
}

func TestOnDecodes(t *testing.T) {
	var hookErr error
	var hookType string
	var logs bytes.Buffer
	d := gatewayutil.NewDispatcher(
		gatewayutil.DispatchLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		gatewayutil.OnDecodeError(func(e *gatewayutil.Event, err error) { hookType, hookErr = e.Type, err }),
	)
	defer closeOK(t, d)
	var got []string
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {}) // raw neighbour
	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *message) {
		got = append(got, m.Content+" by "+m.Author.ID)
	})
	ctx := context.Background()
	_ = d.Dispatch(ctx, msg(1, 1, 2, 3))
	if err := d.Dispatch(ctx, &gatewayutil.Event{Type: event.MessageCreate, Seq: 2, Data: []byte(`{"content":5}`)}); err != nil {
		t.Fatal(err)
	}
	_ = d.Dispatch(ctx, msg(3, 1, 2, 4))
	if want := []string{"m1 by 3", "m3 by 4"}; !slices.Equal(got, want) {
		t.Errorf("typed handler got %q, want %q", got, want)
	}
	var ute *json.UnmarshalTypeError
	if hookType != event.MessageCreate || !errors.As(hookErr, &ute) {
		t.Errorf("decode error hook got %q, %v", hookType, hookErr)
	}
	if st := d.Stats().Events[event.MessageCreate]; st.DecodeErrors != 1 {
		t.Errorf("stats %+v, want 1 decode error", st)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), event.MessageCreate) {
		t.Errorf("decode error not logged with the event type: %s", logs.String())
	}
}

func TestIntentsFromSubscriptions(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	defer closeOK(t, d)
	if got := d.Intents(); got != 0 {
		t.Errorf("no subscriptions: %v", got)
	}
	h := func(ctx context.Context, e *gatewayutil.Event) {}
	c1 := d.Subscribe(event.MessageCreate, h)
	if got, want := d.Intents(), intents.GuildMessages|intents.DirectMessages; got != want {
		t.Errorf("MESSAGE_CREATE: %v, want %v", got, want)
	}
	c1()
	c2 := d.Subscribe(event.MessageCreate, h, gatewayutil.InGuild(1), gatewayutil.NeedIntents(intents.MessageContent))
	gatewayutil.On(d, event.GuildMemberAdd, func(ctx context.Context, e *gatewayutil.Event, v *struct{}) {})
	d.Subscribe(event.InteractionCreate, h) // needs no intent
	want := intents.GuildMessages | intents.MessageContent | intents.GuildMembers
	if got := d.Intents(); got != want {
		t.Errorf("guild messages with content + members: %v, want %v", got, want)
	}
	c2()
	cAll := d.SubscribeAll(h)
	if got := d.Intents(); got != intents.NonPrivileged|intents.GuildMembers {
		t.Errorf("with a catch-all: %v", got)
	}
	cAll()
	if got := d.Intents(); got != intents.GuildMembers {
		t.Errorf("after cancelling: %v", got)
	}

	d2 := gatewayutil.NewDispatcher(gatewayutil.CatchAllIntents(intents.All))
	defer closeOK(t, d2)
	d2.SubscribeAll(h)
	if got := d2.Intents(); got != intents.All {
		t.Errorf("configured catch-all intents: %v", got)
	}
}

func TestPanicRecovered(t *testing.T) {
	noLeak(t)
	var logs syncBuffer
	type panicked struct {
		typ string
		v   any
	}
	hook := make(chan panicked, 10)
	d := gatewayutil.NewDispatcher(
		gatewayutil.DispatchLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		gatewayutil.OnPanic(func(e *gatewayutil.Event, v any) { hook <- panicked{e.Type, v} }),
	)
	var after atomic.Int32
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { panic("inline boom") })
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { after.Add(1) })
	var laneSeqs []int64
	var laneMu sync.Mutex
	d.Subscribe(event.GuildRoleCreate, func(ctx context.Context, e *gatewayutil.Event) {
		laneMu.Lock()
		laneSeqs = append(laneSeqs, e.Seq)
		laneMu.Unlock()
		if e.Seq == 1 {
			panic(fmt.Errorf("worker boom"))
		}
	}, gatewayutil.Deliver(gatewayutil.PerGuild), gatewayutil.Lanes(1))
	d.Subscribe(event.TypingStart, func(ctx context.Context, e *gatewayutil.Event) { panic(nil) }, gatewayutil.Deliver(gatewayutil.Goroutine))

	ctx := context.Background()
	for i := int64(1); i <= 2; i++ {
		if err := d.Dispatch(ctx, msg(i, 1, 1, 1)); err != nil {
			t.Fatalf("Dispatch after an inline panic: %v", err)
		}
		_ = d.Dispatch(ctx, &gatewayutil.Event{Type: event.GuildRoleCreate, Seq: i, Data: []byte(`{"guild_id":"9"}`)})
	}
	_ = d.Dispatch(ctx, &gatewayutil.Event{Type: event.TypingStart, Seq: 3, Data: []byte(`{}`)})
	closeOK(t, d)

	if after.Load() != 2 {
		t.Errorf("handler after the panicking one ran %d times, want 2", after.Load())
	}
	if !slices.Equal(laneSeqs, []int64{1, 2}) {
		t.Errorf("worker lane handled %v after a panic, want [1 2]", laneSeqs)
	}
	st := d.Stats()
	for typ, n := range map[string]uint64{event.MessageCreate: 2, event.GuildRoleCreate: 1, event.TypingStart: 1} {
		if st.Events[typ].Panics != n {
			t.Errorf("%s: %d panics counted, want %d", typ, st.Events[typ].Panics, n)
		}
	}
	close(hook)
	seen := map[string]int{}
	for p := range hook {
		seen[p.typ]++
		if p.v == nil {
			t.Errorf("%s: hook got a nil panic value", p.typ)
		}
	}
	if seen[event.MessageCreate] != 2 || seen[event.GuildRoleCreate] != 1 || seen[event.TypingStart] != 1 {
		t.Errorf("OnPanic hook calls: %v", seen)
	}
	var errorLines int
	for line := range strings.Lines(logs.String()) {
		var rec struct {
			Level, Msg, Event, Panic string
			Stack                    string
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Level == "ERROR" && rec.Event != "" && rec.Panic != "" && strings.Contains(rec.Stack, "goroutine") {
			errorLines++
		}
	}
	if errorLines != 4 {
		t.Errorf("%d error-level panic logs with event, value and stack, want 4:\n%s", errorLines, logs.String())
	}
}

// syncBuffer is a bytes.Buffer that handlers on several goroutines can log to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDropPolicyCounts(t *testing.T) {
	noLeak(t)
	for _, mode := range []gatewayutil.DeliveryMode{gatewayutil.PerGuild, gatewayutil.Goroutine} {
		t.Run(mode.String(), func(t *testing.T) {
			d := gatewayutil.NewDispatcher()
			gate := make(chan struct{})
			var started, handled atomic.Int32
			d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
				started.Add(1)
				<-gate
				handled.Add(1)
			}, gatewayutil.Deliver(mode), gatewayutil.Lanes(1), gatewayutil.QueueSize(2), gatewayutil.OnOverflow(gatewayutil.Drop))
			ctx := context.Background()
			// PerGuild: one handler running, two waiting in the lane.
			// Goroutine: two handlers running, none waiting.
			busy := int32(1)
			queued := 2
			if mode == gatewayutil.Goroutine {
				busy, queued = 2, 0
			}
			for i := range busy {
				_ = d.Dispatch(ctx, msg(int64(i), 7, 1, 1))
			}
			waitFor(t, "handlers to start", func() bool { return started.Load() == busy })
			const more = 10
			for i := range more {
				if err := d.Dispatch(ctx, msg(int64(100+i), 7, 1, 1)); err != nil {
					t.Fatalf("Dispatch under the drop policy: %v", err)
				}
			}
			wantDropped := uint64(more - queued)
			if got := d.Stats().Events[event.MessageCreate].Dropped; got != wantDropped {
				t.Errorf("dropped %d, want %d", got, wantDropped)
			}
			close(gate)
			closeOK(t, d)
			if got, want := handled.Load(), busy+int32(queued); got != want {
				t.Errorf("handled %d, want %d", got, want)
			}
			st := d.Stats().Events[event.MessageCreate]
			if st.Delivered+st.Dropped != uint64(busy)+more {
				t.Errorf("stats %+v do not add up to %d events", st, int(busy)+more)
			}
		})
	}
}

func TestBlockPolicyWaitsAndHonoursContext(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher()
	gate := make(chan struct{})
	var started atomic.Int32
	var seqs []int64
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		started.Add(1)
		<-gate
		seqs = append(seqs, e.Seq)
	}, gatewayutil.Deliver(gatewayutil.PerGuild), gatewayutil.Lanes(1), gatewayutil.QueueSize(1))
	bg := context.Background()
	_ = d.Dispatch(bg, msg(1, 7, 1, 1)) // running
	waitFor(t, "the handler to start", func() bool { return started.Load() == 1 })
	_ = d.Dispatch(bg, msg(2, 7, 1, 1)) // fills the queue

	// A full queue blocks the reader; ending its context unblocks it.
	ctx, cancel := context.WithCancel(bg)
	errc := make(chan error, 1)
	go func() { errc <- d.Dispatch(ctx, msg(3, 7, 1, 1)) }()
	select {
	case err := <-errc:
		t.Fatalf("Dispatch on a full queue returned %v instead of blocking", err)
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Dispatch after its context ended = %v, want context.Canceled", err)
	}
	if got := d.Stats().Events[event.MessageCreate].Dropped; got != 1 {
		t.Errorf("dropped %d, want 1 (the event Dispatch gave up on)", got)
	}

	// Room made by the handler lets a blocked Dispatch through.
	go func() { errc <- d.Dispatch(bg, msg(4, 7, 1, 1)) }()
	close(gate)
	if err := <-errc; err != nil {
		t.Errorf("blocked Dispatch = %v, want nil once there is room", err)
	}
	closeOK(t, d)
	if !slices.Equal(seqs, []int64{1, 2, 4}) {
		t.Errorf("handled %v, want [1 2 4]", seqs)
	}
}

func TestCloseWakesBlockedDispatch(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher()
	gate := make(chan struct{})
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { <-gate },
		gatewayutil.Deliver(gatewayutil.Goroutine), gatewayutil.QueueSize(1))
	_ = d.Dispatch(context.Background(), msg(1, 1, 1, 1))
	errc := make(chan error, 1)
	go func() { errc <- d.Dispatch(context.Background(), msg(2, 1, 1, 1)) }()
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closed <- d.Close(ctx)
	}()
	if err := <-errc; !errors.Is(err, gatewayutil.ErrDispatcherClosed) {
		t.Errorf("blocked Dispatch during Close = %v, want ErrDispatcherClosed", err)
	}
	close(gate)
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestUnsubscribeFromInsideInlineHandler(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	defer closeOK(t, d)
	var self, other int
	var cancel func()
	cancel = d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		self++
		cancel()
		cancel() // idempotent
	})
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { other++ })
	for i := range 5 {
		_ = d.Dispatch(context.Background(), msg(int64(i), 1, 1, 1))
	}
	if self != 1 || other != 5 {
		t.Errorf("self-cancelling handler ran %d times (want 1), its neighbour %d (want 5)", self, other)
	}
	if d.Wants(event.MessageCreate) != true {
		t.Error("the remaining subscription was lost")
	}
}

func TestUnsubscribeDiscardsQueued(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher()
	gate := make(chan struct{})
	var started atomic.Int32
	var seqs []int64
	cancel := d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		started.Add(1)
		<-gate
		seqs = append(seqs, e.Seq)
	}, gatewayutil.Deliver(gatewayutil.PerGuild), gatewayutil.Lanes(2))
	ctx := context.Background()
	_ = d.Dispatch(ctx, msg(1, 5, 1, 1))
	waitFor(t, "the handler to start", func() bool { return started.Load() == 1 })
	for i := int64(2); i <= 6; i++ {
		_ = d.Dispatch(ctx, msg(i, 5, 1, 1))
	}
	cancel() // while the handler runs and five deliveries wait
	close(gate)
	for i := int64(7); i <= 9; i++ {
		_ = d.Dispatch(ctx, msg(i, 5, 1, 1))
	}
	closeOK(t, d)
	if !slices.Equal(seqs, []int64{1}) {
		t.Errorf("handled %v after cancel, want only the delivery already running, [1]", seqs)
	}
}

func TestUnsubscribeFromInsideQueuedHandlers(t *testing.T) {
	noLeak(t)
	for _, mode := range []gatewayutil.DeliveryMode{gatewayutil.PerGuild, gatewayutil.Goroutine} {
		t.Run(mode.String(), func(t *testing.T) {
			d := gatewayutil.NewDispatcher()
			var calls atomic.Int32
			var cancel func()
			ready := make(chan struct{})
			cancel = d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
				<-ready
				calls.Add(1)
				cancel()
			}, gatewayutil.Deliver(mode), gatewayutil.QueueSize(4))
			close(ready)
			for i := range 200 {
				_ = d.Dispatch(context.Background(), msg(int64(i), uint64(i%7+1), 1, 1))
			}
			closeOK(t, d)
			// Every handler call cancels; only calls that had begun before
			// the first cancel returned can run: at most one per lane, or
			// one per goroutine slot.
			if n := calls.Load(); n < 1 || n > 9 {
				t.Errorf("%d calls of a handler that cancels itself", n)
			}
		})
	}
}

// Subscriptions come and go while four shards dispatch. Once cancel has
// returned, no event dispatched after that gets to the handler; everything
// else is left to the race detector.
func TestSubscribeCancelChurn(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher(gatewayutil.DefaultLanes(2), gatewayutil.DefaultQueueSize(4))
	var seq atomic.Int64
	stop := make(chan struct{})
	var shards sync.WaitGroup
	for shard := range 4 {
		shards.Add(1)
		go func() {
			defer shards.Done()
			e := &gatewayutil.Event{Shard: shard}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				*e = *msg(seq.Add(1), uint64(shard*10+i%5+1), uint64(i%3+1), uint64(i%4+1))
				if err := d.Dispatch(context.Background(), e); err != nil {
					t.Errorf("Dispatch: %v", err)
					return
				}
			}
		}()
	}
	modes := []gatewayutil.DeliveryMode{gatewayutil.Inline, gatewayutil.PerGuild, gatewayutil.Goroutine}
	var violations atomic.Int32
	var subs sync.WaitGroup
	for w := range 3 {
		subs.Add(1)
		go func() {
			defer subs.Done()
			for i := range 150 {
				var cutoff atomic.Int64
				cutoff.Store(1 << 62)
				opts := []gatewayutil.SubscribeOption{gatewayutil.Deliver(modes[(w+i)%3])}
				if i%2 == 1 {
					opts = append(opts, gatewayutil.InChannel(uint64(i%3+1)))
				}
				h := func(ctx context.Context, e *gatewayutil.Event) {
					if e.Seq > cutoff.Load() {
						violations.Add(1)
					}
					_ = e.GuildID()
				}
				var cancel func()
				if i%5 == 0 {
					cancel = d.SubscribeAll(h, opts...)
				} else {
					cancel = d.Subscribe(event.MessageCreate, h, opts...)
				}
				time.Sleep(time.Duration(i%3) * 100 * time.Microsecond)
				cancel()
				cutoff.Store(seq.Load())
			}
		}()
	}
	subs.Wait()
	close(stop)
	shards.Wait()
	closeOK(t, d)
	if n := violations.Load(); n != 0 {
		t.Errorf("%d deliveries of events dispatched after cancel returned", n)
	}
	if d.Stats().Events[event.MessageCreate].Received == 0 {
		t.Error("nothing was dispatched")
	}
}

func TestCloseDrainsQueues(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher()
	var perGuild, goroutine atomic.Int32
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		time.Sleep(50 * time.Microsecond)
		perGuild.Add(1)
	}, gatewayutil.Deliver(gatewayutil.PerGuild), gatewayutil.Lanes(3), gatewayutil.QueueSize(1000))
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		time.Sleep(50 * time.Microsecond)
		goroutine.Add(1)
	}, gatewayutil.Deliver(gatewayutil.Goroutine), gatewayutil.QueueSize(1000))
	for i := range 300 {
		if err := d.Dispatch(context.Background(), msg(int64(i), uint64(i%10), 1, 1)); err != nil {
			t.Fatal(err)
		}
	}
	closeOK(t, d)
	if perGuild.Load() != 300 || goroutine.Load() != 300 {
		t.Errorf("after Close: %d per-guild and %d goroutine deliveries, want 300 each", perGuild.Load(), goroutine.Load())
	}
	if err := d.Dispatch(context.Background(), msg(1, 1, 1, 1)); !errors.Is(err, gatewayutil.ErrDispatcherClosed) {
		t.Errorf("Dispatch after Close = %v", err)
	}
	called := false
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { called = true })()
	if called || d.Wants(event.MessageCreate) {
		t.Error("Subscribe after Close subscribed")
	}
	closeOK(t, d) // again
}

func TestCloseGivesUpAtDeadline(t *testing.T) {
	noLeak(t)
	d := gatewayutil.NewDispatcher()
	var started, calls atomic.Int32
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		started.Add(1)
		<-ctx.Done() // a handler that only stops when told to
		calls.Add(1)
	}, gatewayutil.Deliver(gatewayutil.PerGuild), gatewayutil.Lanes(1))
	for i := range 5 {
		_ = d.Dispatch(context.Background(), msg(int64(i), 1, 1, 1))
	}
	waitFor(t, "the handler to start", func() bool { return started.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a stuck handler = %v, want DeadlineExceeded", err)
	}
	closeOK(t, d) // the handler's context was cancelled: everything exits
	if calls.Load() != 1 {
		t.Errorf("%d handler calls, want 1: the queued ones are discarded", calls.Load())
	}
}

func TestStatsHandlerTime(t *testing.T) {
	d := gatewayutil.NewDispatcher(gatewayutil.HandlerTiming(true))
	defer closeOK(t, d)
	d.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) {
		time.Sleep(time.Duration(e.Seq) * time.Millisecond)
	})
	for i := int64(1); i <= 3; i++ {
		_ = d.Dispatch(context.Background(), msg(i, 1, 1, 1))
	}
	st := d.Stats()
	m := st.Events[event.MessageCreate]
	if m.Received != 3 || m.Delivered != 3 {
		t.Errorf("counts %+v", m)
	}
	if m.MaxHandlerTime < 3*time.Millisecond || m.HandlerTime < 6*time.Millisecond || m.MaxHandlerTime > m.HandlerTime {
		t.Errorf("handler time total %v, max %v: less than the handlers slept", m.HandlerTime, m.MaxHandlerTime)
	}
	if tot := st.Total(); tot.Delivered != 3 || tot.HandlerTime != m.HandlerTime {
		t.Errorf("total %+v", tot)
	}

	untimed := gatewayutil.NewDispatcher() // timing is off by default
	defer closeOK(t, untimed)
	untimed.Subscribe(event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event) { time.Sleep(time.Millisecond) })
	_ = untimed.Dispatch(context.Background(), msg(1, 1, 1, 1))
	if m := untimed.Stats().Events[event.MessageCreate]; m.Delivered != 1 || m.HandlerTime != 0 || m.MaxHandlerTime != 0 {
		t.Errorf("untimed stats %+v", m)
	}
}

func TestDispatchAllocatesNothing(t *testing.T) {
	d := gatewayutil.NewDispatcher()
	defer closeOK(t, d)
	ctx := context.Background()
	var n int
	d.Subscribe(event.GuildCreate, func(ctx context.Context, e *gatewayutil.Event) { n++ })
	d.Subscribe(event.TypingStart, func(ctx context.Context, e *gatewayutil.Event) { n++ }, gatewayutil.InGuild(1))
	unwanted := msg(1, 1, 1, 1)
	raw := &gatewayutil.Event{Type: event.GuildCreate, Data: []byte(`{"id":"1"}`)}
	narrowed := &gatewayutil.Event{Type: event.TypingStart, Data: []byte(`{"guild_id":"1","channel_id":"2","user_id":"3"}`)}
	for name, e := range map[string]*gatewayutil.Event{"no subscriber": unwanted, "inline raw": raw, "inline narrowed": narrowed} {
		if a := testing.AllocsPerRun(200, func() { _ = d.Dispatch(ctx, e) }); a != 0 {
			t.Errorf("%s: %v allocations per Dispatch", name, a)
		}
	}
	if n == 0 {
		t.Error("handlers not called")
	}
}
