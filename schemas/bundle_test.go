package schemas

import (
	"os"
	"slices"
	"testing"
)

const releaseRepo = "../fixtures/controlrepos/release"

func TestReleaseFixtureIsValid(t *testing.T) {
	if ps := ValidateRepo(os.DirFS(releaseRepo)); len(ps) > 0 {
		t.Fatalf("release fixture has problems:\n%s", ps)
	}
	b, ps := LoadBundle(os.DirFS(releaseRepo))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	w, ok := b.Workflow("release")
	if !ok {
		t.Fatal("no release workflow")
	}
	ship, ok := w.Transition("ship")
	if !ok || ship.Policy != "release-approval" || ship.Materiality != MaterialityHigh ||
		len(ship.Guards) != 1 || ship.Guards[0].Exists == nil || !*ship.Guards[0].Exists {
		t.Errorf("ship transition: %+v", ship)
	}
	verifying, _ := w.State("verifying")
	if tests, ok := verifying.Region("tests"); !ok || tests.Initial != "running" || tests.Ready != "passed" {
		t.Errorf("tests region: %+v", tests)
	}
	p, ok := b.Policy("release-approval")
	if !ok || p.Require == nil || !slices.Equal(p.Require.Rules(), []string{"sre-pair", "security-signoff"}) {
		t.Errorf("release-approval policy: %+v", p)
	}
	if names := []string{b.Policies[0].Name, b.Policies[1].Name}; !slices.IsSorted(names) {
		t.Errorf("policies not sorted: %v", names)
	}
	if id, ok := b.Identity("deploy-agent"); !ok || id.Kind != IdentityAgent || !id.HasCapability("propose:release") {
		t.Errorf("deploy-agent: %+v", id)
	}
}

func TestBadProposalDoesNotStopOthers(t *testing.T) {
	fsys := repo(map[string]string{
		"proposals/a-1/open.yaml":   "instance: a-1\nworkflow: deploy\ntransition: open\nbase_state: none\nidem_key: [oops\n",
		"proposals/b-1/open.yaml":   "instance: b-1\nworkflow: deploy\ntransition: nope\nbase_state: none\nidem_key: b\n",
		"proposals/c-1/open.yaml":   "instance: c-1\nworkflow: deploy\ntransition: open\nbase_state: none\nidem_key: c\n",
		"proposals/d-1/finish.yaml": "instance: d-9\nworkflow: deploy\ntransition: finish\nbase_state: none\nidem_key: d\n",
		"proposals/e-1/q.yaml":      "instance: e-1\nworkflow: deploy\ntransition: quarantine\nbase_state: sha256:" + sixtyFourHex + "\nidem_key: e\n",
		"proposals/README.md":       "not yaml, ignored",
	})
	ps := ValidateRepo(fsys)
	checkInvariants(t, ps)
	expectProblem(t, ps, want{"proposals/a-1/open.yaml", 5, 1, FieldFile, "invalid YAML"})
	expectProblem(t, ps, want{"proposals/b-1/open.yaml", 3, 13, "transition", `unknown transition "nope"`})
	expectProblem(t, ps, want{"proposals/d-1/finish.yaml", 1, 11, "instance", `instance "d-9" does not match the directory`})
	expectProblem(t, ps, want{"proposals/d-1/finish.yaml", 4, 13, "base_state", `transition "finish" needs an existing instance`})
	for _, p := range ps {
		switch p.File {
		case "proposals/c-1/open.yaml", "proposals/d-1/open.yaml", "proposals/e-1/q.yaml":
			t.Errorf("valid proposal reported: %s", p)
		}
	}
	if len(ps) != 4 {
		t.Errorf("want 4 problems, got:\n%s", ps)
	}
}

const sixtyFourHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestCheckProposal(t *testing.T) {
	b, ps := LoadBundle(repo(nil))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	p := &Proposal{Instance: "x", Workflow: "deploy", Transition: "open", BaseState: "sha256:" + sixtyFourHex, IdemKey: "k"}
	// Without positions problems still name file and field.
	got := CheckProposal(b, "proposals/y/open.yaml", p, nil)
	expectProblem(t, got, want{"proposals/y/open.yaml", 0, 0, "instance", `instance "x" does not match`})
	expectProblem(t, got, want{"proposals/y/open.yaml", 0, 0, "base_state", `creates the instance, so base_state must be "none"`})
	// Outside proposals/ the directory is not checked.
	p.BaseState = BaseStateNone
	if got := CheckProposal(b, "inbox/open.yaml", p, nil); len(got) > 0 {
		t.Errorf("unexpected problems: %s", got)
	}
	p.Workflow = "nope"
	expectProblem(t, CheckProposal(b, "p.yaml", p, nil), want{"p.yaml", 0, 0, "workflow", `unknown workflow "nope" (workflows: deploy)`})
	// Positions from Decode keep the lines.
	data := []byte("instance: x\nworkflow: deploy\ntransition: release\nbase_state: none\nidem_key: k\n")
	var q Proposal
	pos, ps := Decode(KindProposal, "proposals/x/r.yaml", data, &q)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	expectProblem(t, CheckProposal(b, "proposals/x/r.yaml", &q, pos),
		want{"proposals/x/r.yaml", 4, 13, "base_state", `transition "release" needs an existing instance`})
}

func TestLoadBundleKeepsGoing(t *testing.T) {
	fsys := repo(map[string]string{
		"workflows/a.yml":          wf("alpha", twoStates, twoSteps),
		"workflows/b.yaml":         "name: [broken\n",
		"workflows/notes.txt":      "ignored",
		"policies/gate.yaml":       "name: gate\nrules:\n  - name: one\n    count: 1\n    roles: [nobody]\n",
		"policies/governance.yaml": "name: governance\nrules: oops\n",
		"writ.yaml":                "",
	})
	b, ps := LoadBundle(fsys)
	checkInvariants(t, ps)
	expectProblem(t, ps, want{"writ.yaml", 0, 0, FieldFile, "file is missing"})
	expectProblem(t, ps, want{"workflows/b.yaml", 1, 1, FieldFile, "invalid YAML"})
	expectProblem(t, ps, want{"policies/governance.yaml", 2, 8, "rules", "expected list, got string"})
	if len(b.Workflows) != 2 || b.Workflows[0].Name != "alpha" || b.Workflows[1].Name != "deploy" {
		t.Errorf("workflows: %+v", b.Workflows)
	}
	if len(b.Policies) != 1 || b.Policies[0].Name != "gate" {
		t.Errorf("policies: %+v", b.Policies)
	}
	// With writ.yaml missing, roles cannot be checked, so none are reported.
	for _, p := range ps {
		if p.File == "policies/gate.yaml" {
			t.Errorf("unexpected %s", p)
		}
	}
}

func TestBrokenPolicyReportedOnce(t *testing.T) {
	// A governance policy that does not parse must not also be reported as
	// unknown wherever it is named.
	ps := ValidateRepo(repo(map[string]string{polFile: "name: [\n"}))
	if len(ps) != 1 || ps[0].File != polFile {
		t.Errorf("want one problem in %s, got:\n%s", polFile, ps)
	}
}
