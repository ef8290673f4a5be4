package core

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestHLCUTC holds the core's own UTC rendering (the core may not import
// package time) to package time's, over dates from 1970 to 9999.
func TestHLCUTC(t *testing.T) {
	const layout = "2006-01-02T15:04:05.000Z"
	r := rand.New(rand.NewPCG(1, 2))
	walls := []int64{0, 1, 86399999, 86400000, 951782400000, 1796565626997, 4102444800000, 253402300799999}
	for range 10000 {
		walls = append(walls, r.Int64N(253402300799999))
	}
	for _, w := range walls {
		if got, want := (HLC{Wall: w}).UTC(), time.UnixMilli(w).UTC().Format(layout); got != want {
			t.Fatalf("wall %d: %s, want %s", w, got, want)
		}
	}
}

// TestFormatMillis: durations read as time.Duration.String writes them.
func TestFormatMillis(t *testing.T) {
	for _, ms := range []int64{1, 500, 1000, 1500, 59000, 60000, 61000, 3600000, 72 * 3600000, 90061000} {
		if got, want := formatMillis(ms), (time.Duration(ms) * time.Millisecond).String(); got != want {
			t.Errorf("%d ms: %s, want %s", ms, got, want)
		}
	}
}
