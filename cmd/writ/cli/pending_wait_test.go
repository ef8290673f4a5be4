package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestPendingShowsRecordedWait: reconcile records a proposal that needs a
// human as waiting (its --json lists the wait entry under waited); pending
// and show then say since when (the entry's clock) and for which rules,
// in text and in JSON that matches their schemas; log renders the wait
// entry; the approved proposal applies, nothing waits any more, and
// replay and verify accept the log.
func TestPendingShowsRecordedWait(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1", "--input", "environment=staging")
	if r := writWant(t, ExitOK, "--repo", repo, "pending"); !strings.Contains(r.out, "not recorded as waiting yet") {
		t.Fatalf("pending before a reconcile:\n%s", r)
	}

	r := writWant(t, ExitOK, "--repo", repo, "reconcile", "--json")
	var rec struct {
		Waited []struct{ Entry, Proposal, Reason string } `json:"waited"`
	}
	validateOutput(t, "reconcile", r.out)
	if err := json.Unmarshal([]byte(r.out), &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Waited) != 1 || rec.Waited[0].Proposal != "proposals/web-1/ship" || !strings.Contains(rec.Waited[0].Reason, "waits for a human since") {
		t.Fatalf("reconcile --json waited: %+v", rec.Waited)
	}
	if r := writWant(t, ExitOK, "--repo", repo, "reconcile"); strings.Contains(r.out, "recorded") {
		t.Fatalf("a second reconcile recorded the wait again:\n%s", r)
	}

	r = writWant(t, ExitOK, "--repo", repo, "pending", "--json")
	validateOutput(t, "pending", r.out)
	var list []struct {
		Since string `json:"since"`
		Wait  *struct {
			Since  string   `json:"since"`
			HLC    string   `json:"hlc"`
			Policy string   `json:"policy"`
			Rules  []string `json:"rules"`
		} `json:"wait"`
	}
	if err := json.Unmarshal([]byte(r.out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Wait == nil || list[0].Wait.Policy != "release-approval" ||
		strings.Join(list[0].Wait.Rules, ",") != "sre-pair needs 2" || list[0].Since != list[0].Wait.Since {
		t.Fatalf("pending --json: %s", r.out)
	}
	since, err := time.Parse(time.RFC3339, list[0].Wait.Since)
	if err != nil {
		t.Fatal(err)
	}
	text := "waiting since " + since.Format(time.RFC3339)
	if r := writWant(t, ExitOK, "--repo", repo, "pending"); !strings.Contains(r.out, text) || !strings.Contains(r.out, "for policy release-approval: sre-pair needs 2") {
		t.Fatalf("pending does not say %q:\n%s", text, r)
	}
	if r := writWant(t, ExitOK, "--repo", repo, "show", "proposals/web-1/ship"); !strings.Contains(r.out, text) {
		t.Fatalf("show does not say %q:\n%s", text, r)
	}
	r = writWant(t, ExitOK, "--repo", repo, "show", "proposals/web-1/ship", "--json")
	if v, ok := validateOutput(t, "show", r.out).(map[string]any); !ok || v["waiting"] == nil {
		t.Fatalf("show --json has no waiting:\n%s", r.out)
	}
	if r := writWant(t, ExitOK, "--repo", repo, "log"); !strings.Contains(r.out, "wait: ship on web-1 waits for a human since") {
		t.Fatalf("log does not render the wait entry:\n%s", r)
	}

	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "alice", "web-1/ship")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "bob", "web-1/ship")
	if r := writWant(t, ExitOK, "--repo", repo, "reconcile"); !strings.Contains(r.out, "applied proposals/web-1/ship") {
		t.Fatalf("reconcile after the approvals:\n%s", r)
	}
	if got := pendingList(t, repo); len(got) != 0 {
		t.Fatalf("pending after the apply: %+v", got)
	}
	writWant(t, ExitOK, "--repo", repo, "replay")
	writWant(t, ExitOK, "--repo", repo, "verify")
}
