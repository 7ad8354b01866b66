// Package interop drives Go gateway clients that this project did not write
// against the emulator (package gatewaytest).
package interop
