package gatewayutil

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The restart backoff starts over after a run that lasted longer than its
// longest wait, and keeps growing while runs stay short.
func TestNextRestartAttempt(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	require.Equal(t, 5, nextRestartAttempt(5, 10*time.Second, b), "a short run keeps the step")
	require.Equal(t, 5, nextRestartAttempt(5, time.Minute, b), "a run as long as the longest wait keeps it")
	require.Equal(t, 0, nextRestartAttempt(5, time.Minute+time.Millisecond, b), "a longer run starts over")
	require.Equal(t, 0, nextRestartAttempt(3, 3*time.Minute, Backoff{}), "the zero Backoff uses DefaultBackoff's 2 min")
	require.Equal(t, 3, nextRestartAttempt(3, 90*time.Second, Backoff{}))
}
