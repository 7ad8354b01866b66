package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// hostileGateway is a minimal gateway written for these tests, on real TCP
// and real WebSocket frames: it answers every IDENTIFY with READY and then
// does what the test asks (close with a code and reason). It also serves
// GET /api/v10/gateway/bot with the session_start_limit the test sets, so
// stressbot can be pointed at it with -gateway and -api.
type hostileGateway struct {
	t   *testing.T
	srv *httptest.Server

	// readySeq is the s of READY; after READY the connection is closed
	// with closeCode and closeText.
	readySeq   int64
	dispatches []int64 // s of the TYPING_START events sent after READY
	closeCode  ws.StatusCode
	closeText  string
	remaining  int // session_start_limit.remaining in /gateway/bot
	identifies atomic.Int64
}

func newHostileGateway(t *testing.T, closeCode ws.StatusCode, closeText string) *hostileGateway {
	t.Helper()
	g := &hostileGateway{t: t, readySeq: 1, closeCode: closeCode, closeText: closeText, remaining: 1000}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(func() {
		g.srv.CloseClientConnections()
		g.srv.Close()
	})
	return g
}

func (g *hostileGateway) gatewayURL() string {
	return "ws://" + strings.TrimPrefix(g.srv.URL, "http://")
}

func (g *hostileGateway) apiURL() string { return g.srv.URL + "/api/v10" }

func (g *hostileGateway) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/gateway/bot") {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"url":%q,"shards":1,"session_start_limit":{"total":1000,"remaining":%d,"reset_after":86400000,"max_concurrency":1}}`,
			g.gatewayURL(), g.remaining)
		return
	}
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	defer conn.Close()
	send := func(v string) error { return wsutil.WriteServerText(conn, []byte(v)) }
	if send(`{"op":10,"s":null,"t":null,"d":{"heartbeat_interval":41250}}`) != nil {
		return
	}
	for {
		msg, err := wsutil.ReadClientText(conn)
		if err != nil {
			return
		}
		var p struct {
			Op int `json:"op"`
		}
		if json.Unmarshal(msg, &p) != nil {
			return
		}
		switch p.Op {
		case 1:
			_ = send(`{"op":11,"s":null,"t":null,"d":null}`)
		case 2:
			g.identifies.Add(1)
			ready := fmt.Sprintf(`{"op":0,"s":%d,"t":"READY","d":{"v":10,"session_id":"hostile-session","resume_gateway_url":%q,`+
				`"user":{"id":"1","username":"bot","discriminator":"0","bot":true},"guilds":[],"shard":[0,1],"application":{"id":"1","flags":0}}}`,
				g.readySeq, g.gatewayURL())
			if send(ready) != nil {
				return
			}
			for _, seq := range g.dispatches {
				ev := fmt.Sprintf(`{"op":0,"s":%d,"t":"TYPING_START","d":{"channel_id":"1","user_id":"2","timestamp":1}}`, seq)
				if send(ev) != nil {
					return
				}
			}
			body := ws.NewCloseFrameBody(g.closeCode, g.closeText)
			_ = wsutil.WriteServerMessage(conn, ws.OpClose, body)
			return
		}
	}
}
