package main

import (
	"errors"
	"fmt"
	"strings"
)

// errUsage is matched (errors.Is) by every error of a command line that
// cannot run: exit status 2.
var errUsage = errors.New("usage")

// usageError is a command-line error. Its message is the whole story, with
// no "usage:" prefix of its own, so the program prints it once and plainly.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Is makes errors.Is(err, errUsage) true.
func (e *usageError) Is(target error) bool { return target == errUsage }

// usagef returns a usage error with a formatted message.
func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// flagError reports a bad flag value: "-intents "FOO": unknown intent
// "FOO"". The parser's own package prefix ("intents: ", "gatewayutil: ") is
// dropped so the message does not stutter.
func flagError(name, value string, err error) error {
	msg := err.Error()
	for _, prefix := range []string{"intents: ", "gatewayutil: ", "gatewaytest: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return usagef("-%s %q: %s", name, value, msg)
}
