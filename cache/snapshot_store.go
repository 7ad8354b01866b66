package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// SnapshotStore keeps the cache's snapshot of each shard next to the
// shard's session. The gatewayutil.SessionStore interface holds a session
// and nothing more, so the cache brings its own store, keyed the same way
// (shard id and shard count); use one alongside the SessionStore, on the
// same storage.
//
// Implementations must be safe for concurrent use.
type SnapshotStore interface {
	// LoadSnapshot returns the snapshot of shard [shardID, shardCount];
	// found is false, with a nil error, when there is none.
	LoadSnapshot(ctx context.Context, shardID, shardCount int) (data []byte, found bool, err error)
	// SaveSnapshot stores data as the snapshot of shard [shardID,
	// shardCount], replacing what was there.
	SaveSnapshot(ctx context.Context, shardID, shardCount int, data []byte) error
	// DeleteSnapshot forgets the snapshot of shard [shardID, shardCount];
	// deleting nothing is not an error.
	DeleteSnapshot(ctx context.Context, shardID, shardCount int) error
}

// FileSnapshotStore is a SnapshotStore keeping one file per shard in a
// directory, shard-ID-of-COUNT.cache.msgpack (it can share the directory
// of a gatewayutil.FileSessionStore). A save writes a temporary file,
// syncs it and renames it over the old one, so a crash leaves the old
// snapshot or the new one, never a torn file.
type FileSnapshotStore struct {
	dir string
}

// NewFileSnapshotStore returns a store in dir, creating it (mode 0700)
// when needed.
func NewFileSnapshotStore(dir string) (*FileSnapshotStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache: snapshot directory: %w", err)
	}
	return &FileSnapshotStore{dir: dir}, nil
}

func (s *FileSnapshotStore) path(shardID, shardCount int) string {
	return filepath.Join(s.dir, fmt.Sprintf("shard-%d-of-%d.cache.msgpack", shardID, shardCount))
}

// LoadSnapshot reads the shard's file.
func (s *FileSnapshotStore) LoadSnapshot(ctx context.Context, shardID, shardCount int) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	b, err := os.ReadFile(s.path(shardID, shardCount))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: load snapshot: %w", err)
	}
	return b, true, nil
}

// SaveSnapshot writes the shard's file atomically.
func (s *FileSnapshotStore) SaveSnapshot(ctx context.Context, shardID, shardCount int, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.dir, ".snapshot-*")
	if err != nil {
		return fmt.Errorf("cache: save snapshot: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path(shardID, shardCount))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("cache: save snapshot: %w", err)
	}
	return nil
}

// DeleteSnapshot removes the shard's file.
func (s *FileSnapshotStore) DeleteSnapshot(ctx context.Context, shardID, shardCount int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(s.path(shardID, shardCount)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cache: delete snapshot: %w", err)
	}
	return nil
}

// MemorySnapshotStore is a SnapshotStore in memory, for tests and for
// processes that only restart their shards, not themselves.
type MemorySnapshotStore struct {
	mu sync.Mutex
	m  map[[2]int][]byte
}

// LoadSnapshot returns the stored snapshot.
func (s *MemorySnapshotStore) LoadSnapshot(ctx context.Context, shardID, shardCount int) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[[2]int{shardID, shardCount}]
	return b, ok, nil
}

// SaveSnapshot stores a copy of data.
func (s *MemorySnapshotStore) SaveSnapshot(ctx context.Context, shardID, shardCount int, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[[2]int][]byte)
	}
	s.m[[2]int{shardID, shardCount}] = append([]byte(nil), data...)
	return nil
}

// DeleteSnapshot forgets the snapshot.
func (s *MemorySnapshotStore) DeleteSnapshot(ctx context.Context, shardID, shardCount int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, [2]int{shardID, shardCount})
	return nil
}
