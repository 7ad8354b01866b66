// Package discord holds Discord's data types and one payload type for every
// dispatch event of the gateway, with decoders that need no reflection.
//
// Start with the payload types (MessageCreate, GuildCreate, ...; PayloadFor
// maps an event name to a fresh one) and with gatewayutil.On, which decodes
// an event's data into them:
//
//	gatewayutil.On(d, event.MessageCreate, func(ctx context.Context, e *gatewayutil.Event, m *discord.MessageCreate) {
//		fmt.Println(m.Author.Username, m.Content)
//	})
//
// Every struct has DecodeJSON (fast, generated from the struct tags by
// internal/gen), AppendJSON and MarshalJSON. encoding/json reads the same
// structs through their tags too, more slowly. A decode keeps every field
// Discord sends that the type names: re-encoding writes the same keys back,
// null where null came and nothing where nothing came (for the fields where
// Discord tells those apart: Optional, Raw, and the nil-or-empty slices).
// Unknown keys are skipped and numbers outside any enum are kept, so a new
// Discord field or value never fails a decode.
//
// The files are named after what they hold: snowflake.go, timestamp.go,
// permissions.go, optional.go and raw.go (the leaf types), decoder.go (the
// decoding state), one file per Discord object (user.go, member.go,
// message.go, guild.go, channel.go, ...), events_*.go (the payloads) and
// payloads.go (the event name table). json_generated.go is written by
// `go generate`.
package discord

//go:generate go run ./internal/gen/jsongen
