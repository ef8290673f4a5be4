package core

import (
	"fmt"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// benchState returns a state with n instances, each created and verifying
// (tests running), and the builder that made it.
func benchState(tb testing.TB, n int) (State, *builder) {
	tb.Helper()
	b := &builder{}
	s, out := full(NewState(), b.genesis())
	if out.Status != StatusApplied {
		tb.Fatal(out.Reason)
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("svc-%05d", i)
		for _, tr := range []string{"create", "verify"} {
			next, out := full(s, b.transition(s, "agent", id, tr))
			if out.Status != StatusApplied {
				tb.Fatalf("%s %s: %s", id, tr, out.Reason)
			}
			s = next
		}
	}
	return s, b
}

// BenchmarkApplyTransition folds low-materiality region transitions
// (tests-fail, tests-retry) round-robin over 1,000 instances: the common
// WAL entry, no policy.
func BenchmarkApplyTransition(b *testing.B) {
	s, bld := benchState(b, 1000)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id := fmt.Sprintf("svc-%05d", i%1000)
		tr := "tests-fail"
		if (i/1000)%2 == 1 {
			tr = "tests-retry"
		}
		next, out := full(s, bld.transition(s, "agent", id, tr))
		if out.Status != StatusApplied {
			b.Fatalf("%s %s: %s", id, tr, out.Reason)
		}
		s = next
		i++
	}
}

// BenchmarkApplyPolicy applies a high-materiality ship that the
// release-approval policy judges (two approvals), always to the same
// state.
func BenchmarkApplyPolicy(b *testing.B) {
	s, bld := benchState(b, 100)
	for _, tr := range []string{"tests-pass", "security-clear", "approve-release"} {
		s, _ = full(s, bld.transition(s, "agent", "svc-00007", tr))
	}
	e := bld.transition(s, "agent", "svc-00007", "ship", approve("alice"), approve("bob"))
	b.ReportAllocs()
	for b.Loop() {
		if _, out := full(s, e); out.Status != StatusApplied {
			b.Fatal(out.Reason)
		}
	}
}

// BenchmarkStateHash hashes a state of 1,000 instances (256 bucket hashes
// into one): replay does it after every entry.
func BenchmarkStateHash(b *testing.B) {
	s, _ := benchState(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Hash()
	}
}

// BenchmarkInstanceHash hashes one instance that has consumed 50
// idempotency keys: Apply does it for the instance it moves.
func BenchmarkInstanceHash(b *testing.B) {
	in := &Instance{ID: "svc-00001", Workflow: "release", Owner: "team", State: "verifying",
		Regions: map[string]string{"tests": "running", "security": "scanning"}, Version: 50, Keys: map[string]string{}}
	for i := 0; i < 50; i++ {
		in.Keys[fmt.Sprintf("k-%016x", i*7919)] = string(StatusApplied)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = in.Hash()
	}
}

// BenchmarkSnapshotRestore writes and restores the snapshot of a state
// with 1,000 instances: what a checkpoint costs to write and to load.
func BenchmarkSnapshotRestore(b *testing.B) {
	s, _ := benchState(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Restore(snap); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalJSON renders a proposal as canonical JSON, as the WAL
// codec and replay do for every entry.
func BenchmarkCanonicalJSON(b *testing.B) {
	p := &schemas.Proposal{Instance: "svc-00001", Workflow: "release", Transition: "ship",
		BaseState: "sha256:" + fmt.Sprintf("%064x", 1), IdemKey: "k-0123456789abcdef",
		Inputs: map[string]any{"change_ticket": "CHG-1", "environment": "staging"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schemas.CanonicalJSON(p); err != nil {
			b.Fatal(err)
		}
	}
}

// replayEntries returns the state after genesis and a replay of instances
// × rounds transitions interleaved round-robin: each instance is created,
// verified, then alternates tests-fail and tests-retry, so its idem-key map
// grows to rounds keys, as in a long WAL.
func replayEntries(tb testing.TB, instances, rounds int) (State, []Entry) {
	tb.Helper()
	b := &builder{}
	start, out := full(NewState(), b.genesis())
	if out.Status != StatusApplied {
		tb.Fatal(out.Reason)
	}
	s := start
	entries := make([]Entry, 0, instances*rounds)
	for r := 0; r < rounds; r++ {
		tr := "tests-fail"
		switch {
		case r == 0:
			tr = "create"
		case r == 1:
			tr = "verify"
		case r%2 == 1:
			tr = "tests-retry"
		}
		for i := 0; i < instances; i++ {
			e := b.transition(s, "agent", fmt.Sprintf("svc-%05d", i), tr)
			next, out := full(s, e)
			if out.Status != StatusApplied {
				tb.Fatalf("%s: %s", e.IdemKey, out.Reason)
			}
			s = next
			entries = append(entries, e)
		}
	}
	return start, entries
}

// BenchmarkApplyReplay replays 2,000 instances × 50 transitions (100,000
// entries), one entry per iteration, starting over when the log ends: the
// fold step of a long replay. Run it with -benchtime=100000x to cover the
// whole log once (later entries carry more keys and cost more).
func BenchmarkApplyReplay(b *testing.B) {
	start, entries := replayEntries(b, 2000, 50)
	s, i := start, 0
	b.ReportAllocs()
	for b.Loop() {
		if i == len(entries) {
			s, i = start, 0
		}
		next, out := full(s, entries[i])
		if out.Status != StatusApplied {
			b.Fatal(out.Reason)
		}
		s = next
		i++
	}
}
