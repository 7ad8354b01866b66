package cache

import (
	"time"

	"github.com/gatewaykit/gateway/discord"
)

// Time is an instant in Unix microseconds, the precision Discord writes;
// 0 means none. It is 8 bytes where a time.Time is 24.
type Time int64

// Time returns t as a time.Time in UTC, the zero time.Time for 0.
func (t Time) Time() time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.UnixMicro(int64(t)).UTC()
}

// IsZero reports whether t is none.
func (t Time) IsZero() bool { return t == 0 }

func timeOf(ts discord.Timestamp) Time {
	if ts.IsZero() {
		return 0
	}
	return Time(ts.UnixMicro())
}

func optTime(o discord.Optional[discord.Timestamp]) Time {
	v, ok := o.Get()
	if !ok {
		return 0
	}
	return timeOf(v)
}
