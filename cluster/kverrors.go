package cluster

import (
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// isConflict reports whether a Create or Update failed because the key
// exists or moved on: another holder, never a transport failure. Create over a
// delete marker can report "wrong last sequence" instead of "key exists"
// (nats-server #5162, #3895); replicated streams use another code for it.
func isConflict(err error) bool {
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return true
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return false
}

// isNotFound reports whether a Get found no live value.
func isNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted)
}

func lastRevision(rev uint64) jetstream.KVDeleteOpt { return jetstream.LastRevision(rev) }
