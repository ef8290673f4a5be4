// Package readgc paces the garbage collector for read-only commands that
// build a large view once and exit, such as `writ goals`.
package readgc

import (
	"os"
	"runtime/debug"
)

// Limit is the heap size at which the collector runs while Pause holds:
// far above what a lineage of 10,000 tasks needs (about 60 MiB), so such
// a command never collects, and a bound for a larger one.
const Limit = 512 << 20

// Pause turns the garbage collector off until the returned func is
// called, except when the Go heap nears Limit (debug.SetMemoryLimit), and
// returns the func that restores both settings. A read-only view keeps
// nearly everything it allocates until it has been drawn, so a
// collection finds little to free: at 10,000 tasks each one cost more
// than it saved. When $GOGC or $GOMEMLIMIT is set, the environment
// decides and Pause changes nothing. Pause changes process-wide settings:
// it is for a command's main path, not for concurrent use.
func Pause() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	oldLimit := debug.SetMemoryLimit(Limit)
	oldPercent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}
