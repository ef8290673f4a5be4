package core

import (
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
