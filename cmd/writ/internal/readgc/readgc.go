// Package readgc paces the garbage collector for read-only commands: those
// that build a large view once and exit, such as `writ goals` (Pause), and
// those that replay the whole log, `writ replay` and `writ verify`
// (Replay).
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

// ReplayPercent is the collector's pace while a log is replayed: it runs
// when the heap has grown by 150% of what the last collection kept, not
// 100% (GOGC=150). Replay keeps little (the state and the trees its checks
// hold: 70–100 MB at 10,000 goal tasks or 100,000 entries) and turns over
// gigabytes, so collecting a third less often saves about 4% of its CPU
// for about 40 MB more peak memory (writ bench: 10,000 goal tasks 200 →
// 242 MB, 100,000 entries 207 → 241 MB).
const ReplayPercent = 150

// Replay sets the collector's pace to ReplayPercent and returns the func
// that restores it. When $GOGC or $GOMEMLIMIT is set, the environment
// decides and Replay changes nothing. It changes a process-wide setting:
// it is for a command's main path, not for concurrent use.
func Replay() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(ReplayPercent)
	return func() { debug.SetGCPercent(old) }
}
