package readgc

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestPause: Pause turns collection off below Limit and the returned func
// restores both settings; with $GOGC or $GOMEMLIMIT set it changes
// nothing.
func TestPause(t *testing.T) {
	for _, tt := range []struct {
		name, env, value string
		paused           bool
	}{
		{"default", "", "", true},
		{"GOGC set", "GOGC", "100", false},
		{"GOMEMLIMIT set", "GOMEMLIMIT", "1GiB", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setGCEnv(t, tt.env, tt.value)
			percent := debug.SetGCPercent(100)
			defer debug.SetGCPercent(percent)
			limit := debug.SetMemoryLimit(math.MaxInt64)
			defer debug.SetMemoryLimit(limit)

			restore := Pause()
			gotPercent, gotLimit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1)
			debug.SetGCPercent(gotPercent)
			if tt.paused != (gotPercent == -1 && gotLimit == Limit) {
				t.Fatalf("while paused: GC percent %d, memory limit %d; paused = %v", gotPercent, gotLimit, tt.paused)
			}
			restore()
			if p, l := debug.SetGCPercent(100), debug.SetMemoryLimit(-1); p != 100 || l != math.MaxInt64 {
				t.Fatalf("after restore: GC percent %d, memory limit %d, want 100 and no limit", p, l)
			}
		})
	}
}

// TestReplay: Replay sets the pace to ReplayPercent and the returned func
// restores it; with $GOGC or $GOMEMLIMIT set it changes nothing.
func TestReplay(t *testing.T) {
	for _, tt := range []struct {
		name, env, value string
		want             int
	}{
		{"default", "", "", ReplayPercent},
		{"GOGC set", "GOGC", "100", 100},
		{"GOMEMLIMIT set", "GOMEMLIMIT", "1GiB", 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setGCEnv(t, tt.env, tt.value)
			percent := debug.SetGCPercent(100)
			defer debug.SetGCPercent(percent)

			restore := Replay()
			got := debug.SetGCPercent(100)
			debug.SetGCPercent(got)
			if got != tt.want {
				t.Fatalf("while replaying: GC percent %d, want %d", got, tt.want)
			}
			restore()
			if p := debug.SetGCPercent(100); p != 100 {
				t.Fatalf("after restore: GC percent %d, want 100", p)
			}
		})
	}
}

// setGCEnv clears $GOGC and $GOMEMLIMIT for the test, then sets name (if
// any) to value.
func setGCEnv(t *testing.T, name, value string) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	if name != "" {
		t.Setenv(name, value)
	}
}
