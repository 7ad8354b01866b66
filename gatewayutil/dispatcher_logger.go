package gatewayutil

import "log/slog"

// logger returns the Dispatcher's logger: its own (DispatchLogger), else
// the one of the Manager or Shard it is the sink of, else slog.Default().
func (d *Dispatcher) logger() *slog.Logger {
	if d.log != nil {
		return d.log
	}
	if l := d.inheritedLog.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// inheritLogger gives the Dispatcher the logger of the Manager or Shard
// whose events it receives, unless it has one of its own. The first one
// given stays.
func (d *Dispatcher) inheritLogger(l *slog.Logger) {
	if l != nil {
		d.inheritedLog.CompareAndSwap(nil, l)
	}
}
