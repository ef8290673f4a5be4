package core

import (
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkBlockSet30k records the 30,000 block events of the issue's
// performance target (10,000 blocks, each declared and confirmed twice)
// one at a time, as replay would.
func BenchmarkBlockSet30k(b *testing.B) {
	for b.Loop() {
		var s BlockSet
		for i := range 10000 {
			t := "t" + strconv.Itoa(i)
			var id string
			s, id, _ = s.Declare(t, t+"p", "ann")
			s, _ = s.Confirm(id, "bob")
			s, _ = s.Confirm(id, "cat")
		}
		if len(s.Active()) != 10000 {
			b.Fatalf("%d active blocks, want 10000", len(s.Active()))
		}
	}
}

// BenchmarkApplyGoalLineage applies, one entry at a time from genesis, the
// log of a lineage of 10,000 tasks (about 54,000 goal entries): the
// reducer's share of replaying the goal log. Its allocations are
// most of what replay's collector works through.
func BenchmarkApplyGoalLineage(b *testing.B) {
	trail := bigLineage(b, 10000).trail
	runtime.GC()
	b.ReportMetric(float64(len(trail)), "entries")
	for b.Loop() {
		s := NewState()
		for _, e := range trail {
			next, _, err := Apply(s, e)
			if err != nil {
				b.Fatal(err)
			}
			s = next
		}
	}
}
