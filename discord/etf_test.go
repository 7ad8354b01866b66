package discord_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/gatewaykit/gateway/discord"
	"github.com/gatewaykit/gateway/encoding"
)

// TestETFDecodesToTheSameValue sends the benchmark MESSAGE_CREATE the way
// Discord does with encoding=etf (IDs as integers, atom keys) and checks
// that the d the ETF codec hands over decodes to the same value as the JSON
// one.
func TestETFDecodesToTheSameValue(t *testing.T) {
	msg, err := os.ReadFile("../encoding/testdata/message_create.json")
	if err != nil {
		t.Fatal(err)
	}
	var env encoding.Envelope
	if err := encoding.JSON().Decode(msg, &env); err != nil {
		t.Fatal(err)
	}
	var fromJSON discord.MessageCreate
	if err := fromJSON.DecodeJSON(env.D); err != nil {
		t.Fatal(err)
	}
	wire, err := encoding.NewETFServer().Encode(nil, &env)
	if err != nil {
		t.Fatal(err)
	}
	var etfEnv encoding.Envelope
	if err := encoding.NewETF().Decode(wire, &etfEnv); err != nil {
		t.Fatal(err)
	}
	var fromETF discord.MessageCreate
	if err := fromETF.DecodeJSON(etfEnv.D); err != nil {
		t.Fatalf("%v\n%s", err, etfEnv.D)
	}
	if !reflect.DeepEqual(fromJSON, fromETF) {
		t.Errorf("JSON and ETF decode differently:\n%+v\n%+v\nETF d: %s", fromJSON, fromETF, etfEnv.D)
	}
}
