package core

import (
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestTaskViewPayloadJSON: a view built from a lineage carries each
// task's payload as the canonical JSON of its Payload (what a reader
// would encode), and nothing for a task without one; a view restored
// from a snapshot carries the same.
func TestTaskViewPayloadJSON(t *testing.T) {
	for name, s := range lineageStates(t) {
		files, err := s.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		r, err := Restore(files)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []State{s, r} {
			for _, tv := range mustLineage(t, st, "L1").Tasks {
				want := ""
				if len(tv.Payload) > 0 {
					b, err := schemas.CanonicalJSON(tv.Payload)
					if err != nil {
						t.Fatal(err)
					}
					want = string(b)
				}
				if tv.PayloadJSON() != want {
					t.Fatalf("%s: task %s: PayloadJSON %q, want %q", name, tv.ID, tv.PayloadJSON(), want)
				}
			}
		}
	}
}
