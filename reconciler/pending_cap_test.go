package reconciler

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// A round reads at most MaxProposals open proposals; the others are listed
// as deferred and are judged first by the next run, so every proposal is
// judged within ceil(open / cap) runs.
func TestProposalCapRotates(t *testing.T) {
	e, _ := newRepo(t)
	var names []string
	for i := 0; i < 5; i++ {
		// carol may approve but not propose: judged REFUSED, never applied.
		_, err := e.Propose(ProposeRequest{As: "carol", Name: "create", Proposal: schemas.Proposal{
			Instance: fmt.Sprintf("web-%d", i), Workflow: "release", Transition: "create", Inputs: map[string]any{"owner": "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, fmt.Sprintf("proposals/web-%d/create", i))
	}
	judged := map[string]int{}
	for run, want := range []struct{ judged, deferred []string }{
		{names[0:2], names[2:5]},
		{names[2:4], []string{names[4], names[0], names[1]}},
		{[]string{names[4], names[0]}, []string{names[1], names[2], names[3]}},
	} {
		rep, err := e.ReconcileWith(t.Context(), ReconcileOptions{MaxProposals: 2})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, g := range rep.Skipped {
			got = append(got, g.Pending.Branch)
			judged[g.Pending.Branch]++
		}
		if !slices.Equal(got, want.judged) || !slices.Equal(rep.Deferred, want.deferred) {
			t.Fatalf("run %d: judged %v, deferred %v; want %v, %v", run+1, got, rep.Deferred, want.judged, want.deferred)
		}
		note := strings.Join(rep.Notes, "\n")
		if !strings.Contains(note, "3 proposal branches not judged this round (at most 2 are read per round)") ||
			!strings.Contains(note, strings.Join(want.deferred, ", ")) {
			t.Fatalf("run %d: the note does not list the deferred branches: %q", run+1, note)
		}
	}
	if len(judged) != len(names) {
		t.Fatalf("after 3 runs, judged %v", judged)
	}
	// Without the cap in the way, a round reads them all and clears the
	// cursor: the next starts from the first name again.
	for range 2 {
		rep, err := e.ReconcileWith(t.Context(), ReconcileOptions{MaxProposals: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Skipped) != 5 || rep.Skipped[0].Pending.Branch != names[0] || rep.Deferred != nil {
			t.Fatalf("uncapped: %d judged from %s, deferred %v", len(rep.Skipped), rep.Skipped[0].Pending.Branch, rep.Deferred)
		}
	}
}
