package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/gatewaykit/gateway/cluster"
	"github.com/gatewaykit/gateway/cluster/internal/natsserver"
	"github.com/gatewaykit/gateway/gatewaytest"
	"github.com/gatewaykit/gateway/intents"
	"github.com/gatewaykit/gateway/ratelimit"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// embeddedToken is the token the embedded emulator accepts; it is not a
// secret.
const embeddedToken = "gatewayd-emulator"

// startNATS returns the NATS URL to use, starting an embedded server when
// none was given.
func startNATS(o options, log *slog.Logger) (url string, srv *natsserver.Server, stop func(), err error) {
	if o.natsURL != "" {
		return o.natsURL, nil, func() {}, nil
	}
	dir := o.natsStore
	cleanup := func() {}
	if dir == "" {
		dir, err = os.MkdirTemp("", "gatewayd-nats-")
		if err != nil {
			return "", nil, nil, err
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
	}
	// The emulator's largest GUILD_CREATEs exceed NATS's default 1 MiB
	// payload: an event over the limit cannot be published (counted as
	// failed, and lost).
	s, err := natsserver.Start(natsserver.Options{StoreDir: dir, MaxPayload: 8 << 20})
	if err != nil {
		cleanup()
		return "", nil, nil, err
	}
	log.Info("embedded NATS server started", "url", s.URL(), "store", dir)
	return s.URL(), s, func() { s.Stop(); cleanup() }, nil
}

// startEmulator starts the embedded gateway emulator.
func startEmulator(ctx context.Context, o options, shards int, scale, chaos float64) (*gatewaytest.Server, error) {
	emu, err := gatewaytest.NewServer(gatewaytest.Config{
		Tokens:            []string{embeddedToken},
		Shards:            shards,
		MaxConcurrency:    o.maxConc,
		Guilds:            shards * 4,
		TimeScale:         scale,
		Chaos:             chaos,
		Seed:              o.seed,
		SessionStartLimit: 100000,
	})
	if err != nil {
		return nil, err
	}
	if err := emu.Start(ctx); err != nil {
		return nil, err
	}
	return emu, nil
}

// clusterConfig is the buckets' configuration for a time scale.
func clusterConfig(o options, scale float64) cluster.Config {
	ttl := o.leaseTTL
	if ttl == 0 {
		ttl = cluster.DefaultLeaseTTL
	}
	return cluster.Config{
		App:            o.app,
		Prefix:         o.prefix,
		IdentifyWindow: time.Duration(float64(ratelimit.DefaultIdentifyWindow) * scale),
		LeaseTTL:       ttl,
		MemberTTL:      ttl,
	}
}

// openCluster connects to NATS and opens the bot's buckets.
func openCluster(ctx context.Context, url, name string, cfg cluster.Config) (*nats.Conn, *cluster.Buckets, error) {
	nc, err := cluster.Connect(url, name)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var b *cluster.Buckets
	for {
		b, err = cluster.Open(ctx, js, cfg)
		if err == nil {
			return nc, b, nil
		}
		if ctx.Err() != nil {
			nc.Close()
			return nil, nil, fmt.Errorf("open buckets: %w", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func parseIntents(s string) (intents.Intent, error) {
	if s == "" {
		return intents.Guilds | intents.GuildMessages, nil
	}
	return intents.Parse(s)
}
