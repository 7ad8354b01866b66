package gatewayutil

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGatewayURL(t *testing.T) {
	cases := []struct {
		base  string
		enc   string
		comp  Compression
		plain bool
		want  string
		bad   bool
	}{
		{
			base: "wss://gateway.discord.gg",
			enc:  "json",
			want: "wss://gateway.discord.gg/?encoding=json&v=10",
		},
		{
			base: "wss://gateway.discord.gg/",
			enc:  "etf",
			comp: CompressZlibStream,
			want: "wss://gateway.discord.gg/?compress=zlib-stream&encoding=etf&v=10",
		},
		{
			base: "wss://gateway-us-east1-b.discord.gg?v=9&compress=zlib-stream&x=1",
			enc:  "json",
			comp: CompressZstdStream,
			want: "wss://gateway-us-east1-b.discord.gg/?compress=zstd-stream&encoding=json&v=10&x=1",
		},
		{
			base: "wss://gateway.discord.gg/?compress=zlib-stream",
			enc:  "json",
			comp: CompressPayload,
			want: "wss://gateway.discord.gg/?encoding=json&v=10",
		},
		{
			base: "WSS://user:secret@gateway.discord.gg#frag",
			enc:  "json",
			want: "wss://gateway.discord.gg/?encoding=json&v=10",
		},
		{
			base: "ws://127.0.0.1:4000",
			enc:  "json",
			want: "ws://127.0.0.1:4000/?encoding=json&v=10",
		},
		{
			base: "ws://[::1]:4000/gw",
			enc:  "json",
			want: "ws://[::1]:4000/gw?encoding=json&v=10",
		},
		{
			base: "ws://localhost:4000",
			enc:  "json",
			want: "ws://localhost:4000/?encoding=json&v=10",
		},
		{
			base: "ws://gateway.discord.gg",
			enc:  "json",
			bad:  true,
		},
		{
			base:  "ws://10.0.0.5:4000",
			enc:   "json",
			plain: true,
			want:  "ws://10.0.0.5:4000/?encoding=json&v=10",
		},
		{
			base: "https://gateway.discord.gg",
			enc:  "json",
			bad:  true,
		},
		{
			base: "wss://",
			enc:  "json",
			bad:  true,
		},
		{
			base: "wss://bad host",
			enc:  "json",
			bad:  true,
		},
	}
	for _, tc := range cases {
		got, err := gatewayURL(tc.base, tc.enc, tc.comp, tc.plain)
		if tc.bad {
			require.ErrorIs(t, err, ErrBadURL, tc.base)
			continue
		}
		require.NoError(t, err, tc.base)
		require.Equal(t, tc.want, got, tc.base)
	}
}

func TestResumeURLPolicies(t *testing.T) {
	cases := []struct {
		raw      string
		discord  bool
		loopback bool
	}{
		{
			raw:      "wss://gateway-us-east1-b.discord.gg",
			discord:  true,
			loopback: true,
		},
		{
			raw:      "wss://discord.gg/",
			discord:  true,
			loopback: true,
		},
		{
			raw:      "wss://gateway.discord.com:443",
			discord:  true,
			loopback: true,
		},
		{
			raw:      "wss://x.discordapp.com",
			discord:  true,
			loopback: true,
		},
		{
			raw: "ws://gateway.discord.gg",
		},
		{
			raw: "wss://gateway.discord.gg:8443",
		},
		{
			raw: "wss://evil-discord.gg",
		},
		{
			raw: "wss://discord.gg.evil.com",
		},
		{
			raw: "wss://user@gateway.discord.gg",
		},
		{
			raw:      "ws://127.0.0.1:9999",
			loopback: true,
		},
		{
			raw:      "wss://localhost:9999",
			loopback: true,
		},
		{
			raw: "ws://192.168.1.1:9999",
		},
		{
			raw: "",
		},
		{
			raw: "::nonsense",
		},
	}
	for _, tc := range cases {
		require.Equal(t, tc.discord, resumeURLAllowed(tc.raw, DiscordResumeURLs), "discord policy, %q", tc.raw)
		require.Equal(t, tc.loopback, resumeURLAllowed(tc.raw, LoopbackResumeURLs), "loopback policy, %q", tc.raw)
	}
	require.False(t, DiscordResumeURLs(nil))
	require.False(t, LoopbackResumeURLs(nil))
	u, _ := url.Parse("wss://GATEWAY.DISCORD.GG.")
	require.True(t, DiscordResumeURLs(u), "host names are case-insensitive, a trailing dot is the same host")
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for n := range 12 {
		ceiling := min(100*time.Millisecond<<n, time.Second)
		for range 50 {
			d := b.Delay(n)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceiling, "attempt %d", n)
		}
	}
	require.LessOrEqual(t, Backoff{}.Delay(100), DefaultBackoff.Max, "defaults apply, and huge attempts do not overflow")
	for range 50 {
		d := jitterBetween(time.Second, 5*time.Second)
		require.True(t, d >= time.Second && d <= 5*time.Second, "%v", d)
	}
	require.Equal(t, time.Second, jitterBetween(time.Second, time.Second))
}

func TestParseCompression(t *testing.T) {
	for _, c := range []Compression{CompressNone, CompressZlibStream, CompressZstdStream, CompressPayload} {
		got, err := ParseCompression(c.String())
		require.NoError(t, err)
		require.Equal(t, c, got)
	}
	got, err := ParseCompression("")
	require.NoError(t, err)
	require.Equal(t, CompressNone, got)
	_, err = ParseCompression("gzip")
	require.ErrorIs(t, err, ErrUnknownCompression)
	require.Equal(t, "Compression(9)", Compression(9).String())
}
