package gatewayutil_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatewaykit/gateway"
	"github.com/gatewaykit/gateway/gatewayutil"
)

// storeKinds runs a test against every SessionStore implementation.
var storeKinds = map[string]func(t *testing.T) gatewayutil.SessionStore{
	"file": func(t *testing.T) gatewayutil.SessionStore {
		s, err := gatewayutil.NewFileSessionStore(filepath.Join(t.TempDir(), "sessions"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	},
	"memory": func(*testing.T) gatewayutil.SessionStore { return gatewayutil.NewMemorySessionStore() },
}

func testSession(shard, count int) gateway.Session {
	return gateway.Session{
		ID:         fmt.Sprintf("session-%d-of-%d", shard, count),
		Seq:        int64(1000 + shard),
		ResumeURL:  "wss://gateway-us-east1-b.discord.gg",
		ShardID:    shard,
		ShardCount: count,
	}
}

func mustLoad(t *testing.T, s gatewayutil.SessionStore, shard, count int) (gateway.Session, bool) {
	t.Helper()
	sess, ok, err := s.Load(t.Context(), shard, count)
	if err != nil {
		t.Fatalf("Load(%d, %d): %v", shard, count, err)
	}
	return sess, ok
}

func TestSessionStoreContract(t *testing.T) {
	for kind, newStore := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			s := newStore(t)
			ctx := t.Context()
			if _, ok := mustLoad(t, s, 0, 4); ok {
				t.Fatal("an empty store found a session")
			}
			for shard := range 4 {
				if err := s.Save(ctx, testSession(shard, 4)); err != nil {
					t.Fatal(err)
				}
			}
			for shard := range 4 {
				got, ok := mustLoad(t, s, shard, 4)
				if !ok || got != testSession(shard, 4) {
					t.Fatalf("shard %d: got %v (found %v)", shard, got, ok)
				}
			}

			// Another shard count finds nothing: those sessions would
			// route events to the wrong shard.
			if _, ok := mustLoad(t, s, 1, 8); ok {
				t.Fatal("shard [1, 8] resumed a session of [1, 4]")
			}
			// A reshard's new set does not overwrite the old one.
			if err := s.Save(ctx, testSession(1, 8)); err != nil {
				t.Fatal(err)
			}
			if got, _ := mustLoad(t, s, 1, 4); got != testSession(1, 4) {
				t.Fatalf("saving [1, 8] changed [1, 4]: %v", got)
			}

			// Save replaces.
			next := testSession(2, 4)
			next.Seq, next.ID = 5000, "after-resume"
			if err := s.Save(ctx, next); err != nil {
				t.Fatal(err)
			}
			if got, _ := mustLoad(t, s, 2, 4); got != next {
				t.Fatalf("got %v after replacing, want %v", got, next)
			}

			// A session without an id is stored but resumes nothing.
			if err := s.Save(ctx, gateway.Session{ShardID: 3, ShardCount: 4}); err != nil {
				t.Fatal(err)
			}
			if _, ok := mustLoad(t, s, 3, 4); ok {
				t.Fatal("found a session with no id")
			}

			// Delete forgets, and deleting nothing is fine.
			if err := s.Delete(ctx, 0, 4); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, 0, 4); err != nil {
				t.Fatalf("deleting twice: %v", err)
			}
			if _, ok := mustLoad(t, s, 0, 4); ok {
				t.Fatal("found a deleted session")
			}
			if _, ok := mustLoad(t, s, 1, 8); !ok {
				t.Fatal("Delete of [0, 4] lost [1, 8]")
			}
		})
	}
}

func TestSessionStoreRefusesImpossibleShards(t *testing.T) {
	for kind, newStore := range storeKinds {
		s := newStore(t)
		for _, sh := range [][2]int{{-1, 4}, {4, 4}, {0, 0}, {0, -2}} {
			bad := gateway.Session{ID: "x", ShardID: sh[0], ShardCount: sh[1]}
			if err := s.Save(t.Context(), bad); !errors.Is(err, gateway.ErrBadSession) {
				t.Errorf("%s: Save of shard %v: %v", kind, sh, err)
			}
			if _, _, err := s.Load(t.Context(), sh[0], sh[1]); !errors.Is(err, gateway.ErrBadSession) {
				t.Errorf("%s: Load of shard %v: %v", kind, sh, err)
			}
			if err := s.Delete(t.Context(), sh[0], sh[1]); !errors.Is(err, gateway.ErrBadSession) {
				t.Errorf("%s: Delete of shard %v: %v", kind, sh, err)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, _, err := s.Load(ctx, 0, 1); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Load with a cancelled context: %v", kind, err)
		}
		if err := s.Save(ctx, testSession(0, 1)); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Save with a cancelled context: %v", kind, err)
		}
	}
}

// TestFileSessionStoreSurvivesRestart saves with one store and loads with a
// fresh one on the same directory, as a restarted process would.
func TestFileSessionStoreSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "sessions")
	before, err := gatewayutil.NewFileSessionStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for shard := range 16 {
		if err := before.Save(t.Context(), testSession(shard, 16)); err != nil {
			t.Fatal(err)
		}
	}
	after, err := gatewayutil.NewFileSessionStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for shard := range 16 {
		got, ok := mustLoad(t, after, shard, 16)
		if !ok || got != testSession(shard, 16) {
			t.Fatalf("shard %d after restart: %v (found %v)", shard, got, ok)
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 16 {
		t.Fatalf("%d files, want 16 and no temporary leftovers", len(entries))
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(e.Name(), ".msgpack") || info.Mode().Perm() != 0o600 {
			t.Fatalf("file %s mode %v", e.Name(), info.Mode())
		}
		// Each file is the msgpack encoding of the session.
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var s gateway.Session
		if err := s.UnmarshalBinary(b); err != nil || e.Name() != fmt.Sprintf("shard-%d-of-16.msgpack", s.ShardID) {
			t.Fatalf("%s holds %v (%v)", e.Name(), s, err)
		}
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v, %v", info.Mode(), err)
	}
}

func TestFileSessionStoreCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := gatewayutil.NewFileSessionStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	good, err := testSession(0, 2).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"empty":     {},
		"garbage":   []byte("this is not msgpack at all"),
		"truncated": good[:len(good)/2],
		"json":      []byte(`{"session_id": "abc", "seq": 1}`),
		"too large": make([]byte, 1<<20),
	} {
		if err := os.WriteFile(filepath.Join(dir, "shard-0-of-2.msgpack"), content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, ok, err := s.Load(t.Context(), 0, 2)
		if !errors.Is(err, gateway.ErrBadSession) || ok {
			t.Errorf("%s file: found %v, error %v; want an ErrBadSession error", name, ok, err)
			continue
		}
		if !strings.Contains(err.Error(), "shard-0-of-2.msgpack") {
			t.Errorf("%s file: error %q does not name the file", name, err)
		}
	}
	// A good Save replaces a corrupt file.
	if err := s.Save(t.Context(), testSession(0, 2)); err != nil {
		t.Fatal(err)
	}
	if got, ok := mustLoad(t, s, 0, 2); !ok || got != testSession(0, 2) {
		t.Fatalf("after repair: %v", got)
	}

	// A file renamed to another shard's name resumes nothing.
	if err := os.Rename(filepath.Join(dir, "shard-0-of-2.msgpack"), filepath.Join(dir, "shard-1-of-2.msgpack")); err != nil {
		t.Fatal(err)
	}
	if _, ok := mustLoad(t, s, 1, 2); ok {
		t.Fatal("shard 1 resumed shard 0's session")
	}

	// A directory where a file should be is an error, not a panic.
	if err := os.Mkdir(filepath.Join(dir, "shard-1-of-3.msgpack"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(t.Context(), 1, 3); err == nil {
		t.Fatal("loading a directory succeeded")
	}
	if err := s.Save(t.Context(), testSession(1, 3)); err == nil {
		t.Fatal("saving over a directory succeeded")
	}
}

func TestFileSessionStoreBadDirectory(t *testing.T) {
	if _, err := gatewayutil.NewFileSessionStore(""); err == nil {
		t.Fatal("empty directory name accepted")
	}
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := gatewayutil.NewFileSessionStore(file); err == nil {
		t.Fatal("a regular file accepted as the directory")
	}
}

// TestSessionStoreConcurrent saves and loads from many goroutines: every
// Load sees a whole session (never a torn write), and the last Save of each
// shard is what stays.
func TestSessionStoreConcurrent(t *testing.T) {
	for kind, newStore := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			s := newStore(t)
			const shards, saves = 6, 25
			var wg sync.WaitGroup
			for shard := range shards {
				wg.Go(func() { // a shard saving its advancing session
					for seq := range saves {
						sess := testSession(shard, shards)
						sess.Seq = int64(seq)
						if err := s.Save(t.Context(), sess); err != nil {
							t.Error(err)
							return
						}
					}
				})
				wg.Go(func() { // a reader
					for range saves {
						got, ok, err := s.Load(t.Context(), shard, shards)
						if err != nil {
							t.Error(err)
							return
						}
						want := testSession(shard, shards)
						want.Seq = got.Seq
						if ok && (got != want || got.Seq < 0 || got.Seq >= saves) {
							t.Errorf("torn or foreign session %v", got)
							return
						}
					}
				})
			}
			wg.Wait()
			for shard := range shards {
				got, ok := mustLoad(t, s, shard, shards)
				if !ok || got.Seq != saves-1 {
					t.Fatalf("shard %d ended with %v, want seq %d", shard, got, saves-1)
				}
			}
		})
	}
}

func TestMemorySessionStoreLen(t *testing.T) {
	m := gatewayutil.NewMemorySessionStore()
	for shard := range 3 {
		if err := m.Save(t.Context(), testSession(shard, 3)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Delete(t.Context(), 1, 3); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Fatalf("Len = %d, want 2", m.Len())
	}
}
