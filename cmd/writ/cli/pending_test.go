package cli

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// pendingJSON is the part of `writ pending --json` the tests read.
type pendingJSON struct {
	Branch     string `json:"branch"`
	Verdict    string `json:"verdict"`
	Instance   string `json:"instance"`
	Transition string `json:"transition"`
	Proposer   string `json:"proposer"`
	AgeSeconds int64  `json:"age_seconds"`
	Needs      []struct {
		Rule   string   `json:"rule"`
		Needed int      `json:"needed"`
		From   []string `json:"from"`
	} `json:"needs"`
}

func pendingList(t *testing.T, repo string) []pendingJSON {
	t.Helper()
	r := writWant(t, ExitOK, "--repo", repo, "pending", "--json")
	var out []pendingJSON
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("pending --json: %v\n%s", err, r.out)
	}
	return out
}

// TestPendingListsWhatWaitsAndForWhom: pending lists the open proposals
// with what each rule still needs and whose approval would count; a
// reconcile prunes the closed branches and says so.
func TestPendingListsWhatWaitsAndForWhom(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	if got := pendingList(t, repo); len(got) != 0 {
		t.Fatalf("pending on a fresh repo: %+v", got)
	}
	walkToApproved(t, repo, "web-1")
	// Every branch the walk applied was pruned.
	if left := proposalBranches(t, newGit(t), repo, "web-1"); len(left) != 0 {
		t.Fatalf("applied proposal branches left after reconcile: %v", left)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1", "--input", "environment=production")
	got := pendingList(t, repo)
	if len(got) != 1 || got[0].Branch != "proposals/web-1/ship" || got[0].Verdict != "waiting" || got[0].Proposer != "deploy-agent" || got[0].AgeSeconds < 0 {
		t.Fatalf("pending: %+v", got)
	}
	needs := map[string][]string{}
	for _, n := range got[0].Needs {
		needs[n.Rule] = n.From
	}
	want := map[string][]string{"sre-pair": {"alice", "bob"}, "security-signoff": {"carol"}}
	if !reflect.DeepEqual(needs, want) {
		t.Fatalf("needs %+v, want %v", got[0].Needs, want)
	}
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "alice", "web-1/ship")
	got = pendingList(t, repo)
	for _, n := range got[0].Needs {
		if n.Rule == "sre-pair" && (n.Needed != 1 || !reflect.DeepEqual(n.From, []string{"bob"})) {
			t.Fatalf("after alice approved, sre-pair needs %d from %v; want 1 from bob", n.Needed, n.From)
		}
	}
	r := writWant(t, ExitOK, "--repo", repo, "pending")
	if !strings.Contains(r.out, "waiting proposals/web-1/ship: release/ship on web-1 by deploy-agent") ||
		!strings.Contains(r.out, "needs 1 more from rule sre-pair of policy release-approval: bob") {
		t.Fatalf("pending text:\n%s", r)
	}
	// A rejection closes it: reconcile records it and prunes the branch.
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "carol", "--reject", "--justification", "not in the freeze", "web-1/ship")
	r = writWant(t, ExitOK, "--repo", repo, "reconcile")
	if !strings.Contains(r.out, "pruned proposals/web-1/ship") || !strings.Contains(r.out, "rejected by entry") {
		t.Fatalf("reconcile does not say what it pruned:\n%s", r)
	}
	if got := pendingList(t, repo); len(got) != 0 {
		t.Fatalf("pending after the rejection: %+v", got)
	}
}
