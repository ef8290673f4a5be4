package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestQuorumAnyExplainsTrustShortfall: after a rules change makes the
// release policy's sre rule `quorum: {mode: any, trust_level: 8}`, an
// approval by an SRE at trust level 3 does not count: gate says why, in
// the rule's tree and in its one-line reason, pending names only the SRE
// at level 8 or above, and that SRE's approval makes the proposal ready.
func TestQuorumAnyExplainsTrustShortfall(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	edit := func(file string, pairs ...string) {
		t.Helper()
		path := filepath.Join(repo, file)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("%s has no %q", file, pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("writ.yaml",
		"- name: alice\n      kind: human\n", "- name: alice\n      kind: human\n      trust_level: 3\n",
		"- name: bob\n      kind: human\n", "- name: bob\n      kind: human\n      trust_level: 9\n")
	edit("policies/release-approval.yaml",
		"    count: 2\n    roles: [sre]\n", "    quorum: {mode: any, trust_level: 8}\n    roles: [sre]\n")
	writWant(t, ExitOK, "--repo", repo, "validate")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "senior-sre",
		"--justification", "one senior SRE is enough")
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/senior-sre", "--as", who)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := g.run(repo, "show", "main:policies/release-approval.yaml"); !strings.Contains(got, "quorum: {mode: any, trust_level: 8}") {
		t.Fatalf("the rules change did not land; main's policy:\n%s", got)
	}

	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1", "--input", "environment=staging")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "alice", "web-1/ship")
	r := writWant(t, ExitWaiting, "--repo", repo, "gate", "web-1/ship")
	for _, want := range []string{
		"✗ rule sre-pair: pending — 0 of 1 approval from role sre at trust level 8 or above",
		"not counted: alice — trust level 3 is below the quorum's 8",
		"needs 1 more approval from role sre at trust level 8 or above (rule sre-pair); alice's approval did not count: trust level 3 is below the quorum's 8",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("gate does not say %q:\n%s", want, r.out)
		}
	}
	got := pendingList(t, repo)
	if len(got) != 1 || len(got[0].Needs) != 1 || got[0].Needs[0].Rule != "sre-pair" || got[0].Needs[0].Needed != 1 ||
		!reflect.DeepEqual(got[0].Needs[0].From, []string{"bob"}) {
		t.Fatalf("pending: %+v; want sre-pair needing 1 from bob only", got)
	}
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "bob", "web-1/ship")
	writWant(t, ExitOK, "--repo", repo, "gate", "web-1/ship")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if s := instanceState(t, repo, "web-1"); s != "released" {
		t.Fatalf("web-1 in %q after bob's approval, want released", s)
	}
	writWant(t, ExitOK, "--repo", repo, "replay")
}
