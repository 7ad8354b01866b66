// Package peers measures the state cache against the caches of other Go
// Discord libraries, fed the same bytes: discordgo's State, arikawa's
// default store (through its State), and disgo's caches. It is a module of
// its own so that the library never depends on them; it only has tests
// and benchmarks. It also measures the typed decoding of one MESSAGE_CREATE
// by package discord against each peer's own decoder and types
// (BenchmarkMessageCreateDecode). Run:
//
//	cd internal/peers && go test -run Memory -v . && go test -run '^$' -bench . -benchmem .
package peers
