package gatewayutil_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gatewaykit/gateway/gatewayutil"
)

// The temporary files of Saves that never finished (a crash between
// create and rename) are removed: an old one by NewFileSessionStore, any
// of a shard by that shard's Load; a young one of another shard, which may
// be a Save in progress in another process, is left alone. Before, they
// were never removed.
func TestFileSessionStoreRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	write := func(name string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
		require.NoError(t, os.Chtimes(p, mtime, mtime))
		return p
	}
	exists := func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	}
	staleOther := write(".shard-5-of-8.msgpack.123456.tmp", old)
	youngOther := write(".shard-6-of-8.msgpack.654321.tmp", time.Now())
	youngOwn := write(".shard-1-of-8.msgpack.777.tmp", time.Now())
	unrelated := write("notes.tmp", old)
	saved := filepath.Join(dir, "shard-2-of-8.msgpack")

	s, err := gatewayutil.NewFileSessionStore(dir)
	require.NoError(t, err)
	require.NoError(t, s.Save(t.Context(), testSession(2, 8)))
	assert.False(t, exists(staleOther), "an old temp file is removed on open")
	assert.True(t, exists(youngOther), "a young one may be a Save in progress elsewhere")
	assert.True(t, exists(youngOwn))
	assert.True(t, exists(unrelated), "other files are left alone")

	_, _, err = s.Load(t.Context(), 1, 8)
	require.NoError(t, err)
	assert.False(t, exists(youngOwn), "a shard's Load removes its own temp files")
	assert.True(t, exists(youngOther), "and no other shard's")
	assert.True(t, exists(saved), "saved sessions stay")
	got, found, err := s.Load(t.Context(), 2, 8)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, testSession(2, 8), got)
}
