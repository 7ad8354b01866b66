// Command jsongen writes discord's generated JSON code (see package gen).
// Run it from the package directory: go generate ./discord.
package main

import (
	"fmt"
	"os"

	"github.com/gatewaykit/gateway/discord/internal/gen"
)

func main() {
	out, err := gen.Generate(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(gen.OutputFile, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
