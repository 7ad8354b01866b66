package gatewayutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gatewaykit/gateway"
)

// SessionStore keeps each shard's [gateway.Session] so that a restarted
// process, or another machine, resumes its shards instead of identifying
// again: a resume misses no dispatch and spends no session start.
//
// Sessions are keyed by shard id and shard count together, so the old and
// the new shard sets of a zero-downtime reshard never overwrite each other,
// and a session is never resumed under a different shard count (its events
// would be routed to the wrong shard).
//
// Implementations must be safe for concurrent use. Save replaces what was
// stored for the same shard; a Save that returned nil must be seen by every
// later Load, also from a new store instance on the same storage.
//
// Sessions change with every dispatch (their sequence number), but a stored
// sequence that lags only makes the resume replay a few events twice; it
// loses none. So save on READY and RESUMED, every so often, and on graceful
// shutdown, not per event.
type SessionStore interface {
	// Load returns the session stored for shard [shardID, shardCount].
	// found is false, with a nil error, when there is none or when what is
	// stored cannot resume that shard (other id or count, no session id):
	// the shard then identifies. A stored session that cannot be decoded,
	// or is out of the bounds of gateway.Session.Validate, is an error
	// matching gateway.ErrBadSession, and is discarded: the next Load
	// finds nothing.
	Load(ctx context.Context, shardID, shardCount int) (s gateway.Session, found bool, err error)
	// Save stores s under [s.ShardID, s.ShardCount], replacing what was
	// there. A session with an impossible shard, or out of the bounds of
	// gateway.Session.Validate, is refused with an error matching
	// gateway.ErrBadSession.
	Save(ctx context.Context, s gateway.Session) error
	// Delete forgets the session of shard [shardID, shardCount], for
	// example after an op 9 that cannot be resumed or once a reshard has
	// retired the old shard set. Deleting nothing is not an error.
	Delete(ctx context.Context, shardID, shardCount int) error
}

// maxSessionFile bounds what FileSessionStore reads: a session is well under
// 1 KiB, so anything larger is not one.
const maxSessionFile = 64 << 10

// FileSessionStore is a [SessionStore] keeping one file per shard in a
// directory, shard-ID-of-COUNT.msgpack, each holding the session encoded
// with msgpack ([gateway.Session.MarshalBinary]).
//
// Save is atomic and durable: it writes a temporary file in the same
// directory, syncs it, renames it over the old file and syncs the
// directory, so a crash leaves either the old session or the new one, never
// a torn file. The temporary files a crash leaves behind are removed by
// the next Load of their shard, and by NewFileSessionStore once they are a
// minute old. Several processes may share the directory as long as no two
// of them run the same shard. Files are readable by the owner only: a
// session id is not a token, but it is not public either.
type FileSessionStore struct {
	dir string
	// locks serialise the Saves and Deletes of one shard (striped by
	// shard id), so the last call to return is the one that stays.
	locks [64]sync.Mutex
}

// NewFileSessionStore returns a store in dir, creating the directory (mode
// 0700) if it does not exist.
func NewFileSessionStore(dir string) (*FileSessionStore, error) {
	if dir == "" {
		return nil, errors.New("gatewayutil: session store: empty directory name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gatewayutil: session store: %w", err)
	}
	s := &FileSessionStore{dir: dir}
	s.removeTempFiles("shard-*", staleTempAge)
	return s, nil
}

// staleTempAge is how old a temporary file of another shard must be for
// NewFileSessionStore to remove it: a Save takes milliseconds, so an older
// one was left by a Save that never finished (a crash, a kill), while a
// younger one may belong to a Save in progress in another process sharing
// the directory.
const staleTempAge = time.Minute

// removeTempFiles removes the temporary files of interrupted Saves of the
// shards whose file names match pattern ("shard-3-of-8" or "shard-*"),
// if they are at least minAge old. Failures are ignored: a leftover is
// only a few bytes, and the next open tries again.
func (s *FileSessionStore) removeTempFiles(pattern string, minAge time.Duration) {
	names, err := filepath.Glob(filepath.Join(s.dir, "."+pattern+".msgpack.*.tmp"))
	if err != nil {
		return
	}
	now := time.Now()
	for _, name := range names {
		if fi, err := os.Lstat(name); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) >= minAge {
			_ = os.Remove(name)
		}
	}
}

// Dir returns the store's directory.
func (s *FileSessionStore) Dir() string { return s.dir }

func (s *FileSessionStore) path(shardID, shardCount int) string {
	return filepath.Join(s.dir, fmt.Sprintf("shard-%d-of-%d.msgpack", shardID, shardCount))
}

func (s *FileSessionStore) lock(shardID int) *sync.Mutex {
	return &s.locks[shardID%len(s.locks)]
}

// Load implements [SessionStore]. A file that holds no usable session (too
// large, corrupt, or a session out of the bounds of
// [gateway.Session.Validate]) is removed and reported once with an error
// matching gateway.ErrBadSession; the next Load finds nothing, so a bad
// file never blocks resuming for good.
func (s *FileSessionStore) Load(ctx context.Context, shardID, shardCount int) (gateway.Session, bool, error) {
	if err := sessionStoreCheck(ctx, shardID, shardCount); err != nil {
		return gateway.Session{}, false, err
	}
	name := s.path(shardID, shardCount)
	// The shard's lock keeps a Save from replacing the file between
	// reading a bad one and removing it.
	mu := s.lock(shardID)
	mu.Lock()
	defer mu.Unlock()
	// No Save of this shard is in progress (this process holds its lock,
	// and no other process runs the same shard), so any temporary file of
	// it was left by one that never finished.
	s.removeTempFiles(fmt.Sprintf("shard-%d-of-%d", shardID, shardCount), 0)
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return gateway.Session{}, false, nil
	}
	if err != nil {
		return gateway.Session{}, false, fmt.Errorf("gatewayutil: session store: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSessionFile+1))
	f.Close()
	if err != nil {
		return gateway.Session{}, false, fmt.Errorf("gatewayutil: session store: reading %s: %w", name, err)
	}
	var sess gateway.Session
	var bad error
	switch {
	case len(b) > maxSessionFile:
		bad = fmt.Errorf("larger than %d bytes, not a session: %w", maxSessionFile, gateway.ErrBadSession)
	default:
		if err := sess.UnmarshalBinary(b); err != nil {
			bad = fmt.Errorf("corrupt: %w", err)
		} else if err := sess.Validate(); err != nil {
			bad = err
		}
	}
	if bad != nil {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return gateway.Session{}, false, fmt.Errorf("gatewayutil: session store: %s: %w (and removing it failed: %v)", name, bad, err)
		}
		return gateway.Session{}, false, fmt.Errorf("gatewayutil: session store: %s: %w (removed; the shard identifies afresh)", name, bad)
	}
	if !sess.CanResume(shardID, shardCount) {
		return gateway.Session{}, false, nil
	}
	return sess, true, nil
}

// Save implements [SessionStore].
func (s *FileSessionStore) Save(ctx context.Context, sess gateway.Session) error {
	if err := sessionSaveCheck(ctx, sess); err != nil {
		return err
	}
	b, err := sess.MarshalBinary()
	if err != nil {
		return fmt.Errorf("gatewayutil: session store: encoding %v: %w", sess, err)
	}
	name := s.path(sess.ShardID, sess.ShardCount)
	mu := s.lock(sess.ShardID)
	mu.Lock()
	defer mu.Unlock()
	if err := writeSessionFile(name, b); err != nil {
		return fmt.Errorf("gatewayutil: session store: saving shard [%d, %d]: %w", sess.ShardID, sess.ShardCount, err)
	}
	return nil
}

// Delete implements [SessionStore].
func (s *FileSessionStore) Delete(ctx context.Context, shardID, shardCount int) error {
	if err := sessionStoreCheck(ctx, shardID, shardCount); err != nil {
		return err
	}
	mu := s.lock(shardID)
	mu.Lock()
	defer mu.Unlock()
	err := os.Remove(s.path(shardID, shardCount))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("gatewayutil: session store: %w", err)
	}
	return syncSessionDir(s.dir)
}

// writeSessionFile replaces name with b: temporary file, fsync, rename,
// fsync of the directory.
func writeSessionFile(name string, b []byte) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	return syncSessionDir(dir)
}

// syncSessionDir makes a rename or removal in dir durable. Windows cannot
// sync a directory, and does not need to.
func syncSessionDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("gatewayutil: session store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("gatewayutil: session store: syncing %s: %w", dir, err)
	}
	return nil
}

// sessionStoreCheck refuses an ended context and an impossible shard.
func sessionStoreCheck(ctx context.Context, shardID, shardCount int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gatewayutil: session store: %w", err)
	}
	if shardCount < 1 || shardID < 0 || shardID >= shardCount {
		return fmt.Errorf("gatewayutil: session store: shard [%d, %d]: %w", shardID, shardCount, gateway.ErrBadSession)
	}
	return nil
}

// sessionSaveCheck refuses what sessionStoreCheck refuses, and a session
// out of the bounds of gateway.Session.Validate: it could never be resumed,
// and a file holding it might be too large to load.
func sessionSaveCheck(ctx context.Context, sess gateway.Session) error {
	if err := sessionStoreCheck(ctx, sess.ShardID, sess.ShardCount); err != nil {
		return err
	}
	if err := sess.Validate(); err != nil {
		return fmt.Errorf("gatewayutil: session store: not saving shard [%d, %d]: %w", sess.ShardID, sess.ShardCount, err)
	}
	return nil
}

// MemorySessionStore is a [SessionStore] in memory, for tests and for
// processes that only need sessions to survive a shard restart, not a
// process restart.
type MemorySessionStore struct {
	mu       sync.Mutex
	sessions map[[2]int]gateway.Session
}

// NewMemorySessionStore returns an empty MemorySessionStore.
func NewMemorySessionStore() *MemorySessionStore {
	return &MemorySessionStore{sessions: map[[2]int]gateway.Session{}}
}

// Load implements [SessionStore].
func (m *MemorySessionStore) Load(ctx context.Context, shardID, shardCount int) (gateway.Session, bool, error) {
	if err := sessionStoreCheck(ctx, shardID, shardCount); err != nil {
		return gateway.Session{}, false, err
	}
	m.mu.Lock()
	sess, ok := m.sessions[[2]int{shardID, shardCount}]
	m.mu.Unlock()
	if !ok || !sess.CanResume(shardID, shardCount) {
		return gateway.Session{}, false, nil
	}
	return sess, true, nil
}

// Save implements [SessionStore].
func (m *MemorySessionStore) Save(ctx context.Context, sess gateway.Session) error {
	if err := sessionSaveCheck(ctx, sess); err != nil {
		return err
	}
	m.mu.Lock()
	m.sessions[[2]int{sess.ShardID, sess.ShardCount}] = sess
	m.mu.Unlock()
	return nil
}

// Delete implements [SessionStore].
func (m *MemorySessionStore) Delete(ctx context.Context, shardID, shardCount int) error {
	if err := sessionStoreCheck(ctx, shardID, shardCount); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.sessions, [2]int{shardID, shardCount})
	m.mu.Unlock()
	return nil
}

// Len returns how many sessions are stored.
func (m *MemorySessionStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}
