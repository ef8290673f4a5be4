package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestDemoGoals runs `writ demo --goals` and checks the story it tells
// happened: quorum on two declarations, one refuted claim, a fan-in
// barrier, bottom-up completion, the lineage ending, and replay on a clone
// agreeing. Then it reads the finished lineage back as JSON.
func TestDemoGoals(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "control")
	r := runWrit("demo", "--goals", "--dir", dir)
	if r.code != ExitOK {
		t.Fatalf("writ demo --goals: %s", r)
	}
	out := r.out
	// A goal action's branch is sharded; the lineage and name still name it.
	branch := func(name string) string { return schemas.GoalProposalBranch("cve-2026-1234", name) }
	steps := []string{
		"--transition start",
		"branch " + branch("needs-reboot") + ",",
		"$ writ gate cve-2026-1234/needs-reboot",
		"gate " + branch("needs-reboot") + ": WAITING",
		"needs 1 more approval from role sre",
		"$ writ approve cve-2026-1234/needs-reboot --as alice",
		"applied " + branch("needs-reboot") + ":",
		"block confirmed",
		"refute-block: block",
		"block dismissed",
		"depth 0 · blocked",
		"lineage does not allow it now",
		"applied " + branch("web-2-done") + ":",
		"refused " + branch("too-early") + ": task",
		"both complete and blocked",
		"$ writ approve cve-2026-1234/resolve-fleet --as bob",
		"applied " + branch("too-early") + ":",
		"lineage cve-2026-1234 ends",
		"done, 5/6 tasks complete",
		"barrier 2/2 members done",
		"nothing found in 1 lineage",
		"same state on both",
		"demo finished",
	}
	inOrder(t, out, steps)
	// Goal entries read back in every JSON form their schemas describe.
	validateOutput(t, "show", writWant(t, ExitOK, "--repo", dir, "show", "--json", "main").out)
	validateOutput(t, "log", writWant(t, ExitOK, "--repo", dir, "log", "--json").out)
	validateOutput(t, "state", writWant(t, ExitOK, "--repo", dir, "state", "--json").out)
	g := runWrit("--repo", dir, "goals", "--json")
	if g.code != ExitOK {
		t.Fatalf("writ goals --json: %s", g)
	}
	var doc struct {
		Lineages []struct {
			ID    string `json:"id"`
			Done  bool   `json:"done"`
			Tasks []struct {
				Type   string `json:"type"`
				Status string `json:"status"`
			} `json:"tasks"`
			Blocks []struct {
				Status     string   `json:"status"`
				DeclaredBy []string `json:"declared_by"`
			} `json:"blocks"`
		} `json:"lineages"`
	}
	if err := json.Unmarshal([]byte(g.out), &doc); err != nil {
		t.Fatalf("goals --json: %v\n%s", err, g.out)
	}
	if len(doc.Lineages) != 1 || !doc.Lineages[0].Done || len(doc.Lineages[0].Tasks) != 6 || len(doc.Lineages[0].Blocks) != 3 {
		t.Fatalf("finished lineage: %+v", doc)
	}
	statuses := map[string]int{}
	for _, b := range doc.Lineages[0].Blocks {
		statuses[b.Status]++
	}
	if statuses["resolved"] != 2 || statuses["dismissed"] != 1 {
		t.Fatalf("block statuses %v, want 2 resolved and 1 dismissed", statuses)
	}
}
