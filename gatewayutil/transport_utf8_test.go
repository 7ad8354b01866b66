package gatewayutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"
)

// A text message that is not valid UTF-8 fails with ErrInvalidText (RFC
// 6455 §8.1), whether it arrives in one frame (read in place), in one frame
// too large to be read in place, or split into fragments, including a
// character split across two fragments that is valid once joined; binary
// messages carry any bytes.
func TestTransportRefusesInvalidUTF8Text(t *testing.T) {
	fs := startFrameServer(t)
	c, srv, _ := fs.dial(t)

	writeFrame(t, srv, ws.OpText, true, []byte(`{"op":0,"d":"caf`+"\xe9"+`"}`))
	_, _, err := readOne(t, c, 1<<20)
	require.ErrorIs(t, err, ErrInvalidText, "one small frame")
	require.True(t, errors.Is(err, ErrProtocol))
	require.Equal(t, closeInvalidPayload, failCloseCode(err))

	writeFrame(t, srv, ws.OpText, true, []byte(`{"d":"`+strings.Repeat("a", 200<<10)+"\xff"+`"}`))
	_, _, err = readOne(t, c, 1<<20)
	require.ErrorIs(t, err, ErrInvalidText, "one large frame")

	writeFrame(t, srv, ws.OpText, false, []byte(`{"d":"ok`))
	writeFrame(t, srv, ws.OpContinuation, true, []byte("\xc3\x28\"}"))
	_, _, err = readOne(t, c, 1<<20)
	require.ErrorIs(t, err, ErrInvalidText, "fragments")

	// "é" (c3 a9) split across two fragments is valid.
	writeFrame(t, srv, ws.OpText, false, []byte("{\"d\":\"caf\xc3"))
	writeFrame(t, srv, ws.OpContinuation, true, []byte("\xa9\"}"))
	got, bin, err := readOne(t, c, 1<<20)
	require.NoError(t, err)
	require.False(t, bin)
	require.Equal(t, `{"d":"café"}`, string(got))

	writeFrame(t, srv, ws.OpBinary, true, []byte{0xff, 0xfe, 0x83})
	got, bin, err = readOne(t, c, 1<<20)
	require.NoError(t, err, "binary messages are not text")
	require.True(t, bin)
	require.Equal(t, []byte{0xff, 0xfe, 0x83}, got)

	require.Equal(t, 4000, failCloseCode(ErrProtocol), "other protocol errors keep closing with 4000")
}
