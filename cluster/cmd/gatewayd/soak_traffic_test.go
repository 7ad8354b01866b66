package main

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestTrafficTapAttributesMessagesToBuckets(t *testing.T) {
	tap := &trafficTap{counts: map[string]bucketTraffic{}}
	for _, b := range trafficBuckets {
		tap.names = append(tap.names, []byte("KV_gateway_"+b))
	}
	hdr := nats.Header{}
	hdr.Set("Nats-Stream", "KV_gateway_identify")
	cases := []struct {
		msg  *nats.Msg
		want string
	}{
		{&nats.Msg{Subject: "$KV.gateway_leases.bot.shard.7", Data: []byte(`{"instance":"a"}`)}, "leases"},
		{&nats.Msg{Subject: "$JS.API.DIRECT.GET.KV_gateway_sessions", Data: []byte(`{}`)}, "sessions"},
		{&nats.Msg{Subject: "_INBOX.x.1", Data: []byte(`{"stream":"KV_gateway_members","seq":3}`)}, "members"},
		{&nats.Msg{Subject: "_INBOX.x.2", Reply: "$JS.ACK.KV_gateway_meta.c.1.2.3", Data: []byte(`x`)}, "meta"},
		{&nats.Msg{Subject: "_INBOX.x.3", Header: hdr, Data: []byte(`slot`)}, "identify"},
		{&nats.Msg{Subject: "gateway.bot.ev.1.MESSAGE_CREATE", Data: []byte(`{}`)}, "other"},
	}
	for _, c := range cases {
		if got := tap.classify(c.msg); got != c.want {
			t.Errorf("%s (reply %q): %s, want %s", c.msg.Subject, c.msg.Reply, got, c.want)
		}
		tap.count(c.msg)
	}
	counts, self := tap.snapshot()
	if self.Msgs != int64(len(cases)) || counts["leases"].Msgs != 1 || counts["leases"].Bytes != int64(len(`{"instance":"a"}`)) {
		t.Errorf("counts %+v, self %+v", counts, self)
	}
	rates := trafficRates(map[string]bucketTraffic{"leases": {Msgs: 0}}, map[string]bucketTraffic{"leases": {Msgs: 60, Bytes: 600}}, 2, time.Minute)
	if r := rates["leases"]; r.Msgs != 30 || r.Bytes != 300 {
		t.Errorf("rates %+v, want 30 msgs and 300 bytes per shard per minute", r)
	}
}
