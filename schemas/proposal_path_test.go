package schemas

import (
	"strings"
	"testing"
)

func TestParseProposalPath(t *testing.T) {
	for _, tt := range []struct {
		path           string
		instance, name string
		rules, sharded bool
		err            string // non-empty: the error contains it
	}{
		{path: "proposals/web-1/ship.yaml", instance: "web-1", name: "ship"},
		{path: "proposals/web-1/ship.v2.yaml", instance: "web-1", name: "ship.v2"},
		{path: "proposals/rules/change-1.yaml", instance: "rules", name: "change-1", rules: true},
		{path: "proposals/rulesx/a.yaml", instance: "rulesx", name: "a"},
		{path: "", err: "is not at proposals/<instance>/<name>.yaml"},
		{path: "proposals", err: "is not at"},
		{path: "proposals/web-1", err: "is not at"},
		{path: "proposals/web-1/", err: "does not end in .yaml"},
		{path: "proposals/web-1/a/b.yaml", err: `shard "a" is not the name's: the file of goal action "b" is proposals/web-1/` + ProposalShard("b") + "/b.yaml"},
		{path: "proposals/l-1/" + ProposalShard("declare-1") + "/declare-1.yaml", instance: "l-1", name: "declare-1", sharded: true},
		{path: "proposals/l-1/" + ProposalShard("a.b") + "/a.b.yaml", instance: "l-1", name: "a.b", sharded: true},
		{path: "proposals/l-1/00/x.yaml", err: "is proposals/l-1/" + ProposalShard("x") + "/x.yaml"},
		{path: "proposals/l-1//x.yaml", err: `shard "" is not the name's`},
		{path: "proposals/l-1/" + ProposalShard("") + "/.yaml", err: `name "" is empty`},
		{path: "proposals/rules/" + ProposalShard("b") + "/b.yaml", err: "a rule change is not sharded: it lives at proposals/rules/b.yaml"},
		{path: "proposals/l-1/ab/cd/x.yaml", err: "is not at"},
		{path: "/proposals/web-1/a.yaml", err: "is not at"},
		{path: "proposals//a.yaml", err: `instance "" is empty`},
		{path: "proposals/web-1/.yaml", err: `name "" is empty`},
		{path: "proposals/../a.yaml", err: `instance ".."`},
		{path: "proposals/./a.yaml", err: `instance "."`},
		{path: "proposals/web-1/...yaml", err: `name ".."`},
		{path: "proposals/web-1/ship.yml", err: "does not end in .yaml"},
		{path: "proposals/web-1/ship", err: "does not end in .yaml"},
		{path: "workflows/web-1/ship.yaml", err: "is not at"},
		{path: "Proposals/web-1/ship.yaml", err: "is not at"},
	} {
		instance, name, rules, err := ParseProposalPath(tt.path)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), `"`+tt.path+`"`) {
				t.Errorf("ParseProposalPath(%q) = %q, %q, %v, %v; want an error naming the path with %q", tt.path, instance, name, rules, err, tt.err)
			}
			if IsRulesProposal(tt.path) {
				t.Errorf("IsRulesProposal(%q) = true for a bad path", tt.path)
			}
			continue
		}
		if err != nil || instance != tt.instance || name != tt.name || rules != tt.rules {
			t.Errorf("ParseProposalPath(%q) = %q, %q, %v, %v; want %q, %q, %v", tt.path, instance, name, rules, err, tt.instance, tt.name, tt.rules)
		}
		if got := ProposalPathFor(instance, name, tt.sharded); got != tt.path {
			t.Errorf("ProposalPathFor(%q, %q, %v) = %q, want %q", instance, name, tt.sharded, got, tt.path)
		}
		if got, err := ProposalPathOfBranch(ProposalBranchFor(instance, name, tt.sharded)); err != nil || got != tt.path {
			t.Errorf("ProposalPathOfBranch(ProposalBranchFor(%q, %q, %v)) = %q, %v; want %q", instance, name, tt.sharded, got, err, tt.path)
		}
		if IsGoalProposalPath(tt.path) != tt.sharded {
			t.Errorf("IsGoalProposalPath(%q) = %v, want %v", tt.path, !tt.sharded, tt.sharded)
		}
		if IsRulesProposal(tt.path) != tt.rules {
			t.Errorf("IsRulesProposal(%q) = %v, want %v", tt.path, !tt.rules, tt.rules)
		}
	}
}

func TestProposalPathOfBranch(t *testing.T) {
	generic := func(b string) string {
		return `branch "` + b + `": want proposals/<instance>/<name> (a goal action: proposals/<lineage>/<shard>/<name>)`
	}
	for _, tt := range []struct{ branch, want, err string }{
		{branch: "proposals/web-1/ship", want: "proposals/web-1/ship.yaml"},
		{branch: "proposals/rules/change-1", want: "proposals/rules/change-1.yaml"},
		{branch: "proposals/l-1/" + ProposalShard("ship") + "/ship", want: "proposals/l-1/" + ProposalShard("ship") + "/ship.yaml"},
		{branch: "proposals/l-1/00/x", err: `branch "proposals/l-1/00/x": "proposals/l-1/00/x.yaml": shard "00" is not the name's: the file of goal action "x" is proposals/l-1/` + ProposalShard("x") + "/x.yaml"},
		{branch: "proposals/rules/" + ProposalShard("x") + "/x", err: "a rule change is not sharded: it lives at proposals/rules/x.yaml"},
		{branch: "web-1/ship", err: generic("web-1/ship")},
		{branch: "refs/heads/proposals/web-1/ship", err: generic("refs/heads/proposals/web-1/ship")},
		{branch: "proposals/web-1", err: generic("proposals/web-1")},
		{branch: "proposals/web-1/", err: generic("proposals/web-1/")},
		{branch: "proposals//ship", err: generic("proposals//ship")},
		{branch: "proposals/web-1/a/b/c", err: generic("proposals/web-1/a/b/c")},
		{branch: "proposals/../ship", err: generic("proposals/../ship")},
		{branch: "proposals/web-1/..", err: generic("proposals/web-1/..")},
	} {
		got, err := ProposalPathOfBranch(tt.branch)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ProposalPathOfBranch(%q) = %q, %v; want error %q", tt.branch, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ProposalPathOfBranch(%q) = %q, %v; want %q", tt.branch, got, err, tt.want)
		}
	}
}

// ValidateRepo reads proposals where the reconciler does, through
// ParseProposalPath: a proposal named .yml (which no proposal branch can
// add) is misplaced, not validated as if it could count.
func TestValidateRepoMisplacedProposals(t *testing.T) {
	prop := "instance: web-1\nworkflow: deploy\ntransition: open\nbase_state: none\nidem_key: k-1\n"
	for _, tt := range []struct{ file, message string }{
		{"proposals/web-1/ship.yml", `misplaced proposal: "proposals/web-1/ship.yml" does not end in .yaml`},
		{"proposals/web-1/a/ship.yaml", `misplaced proposal: "proposals/web-1/a/ship.yaml": shard "a" is not the name's: the file of goal action "ship" is ` + GoalProposalFile("web-1", "ship")},
		{"proposals/web-1/a/b/ship.yaml", `misplaced proposal: "proposals/web-1/a/b/ship.yaml" is not at proposals/<instance>/<name>.yaml (a goal action: proposals/<lineage>/<shard>/<name>.yaml)`},
		{"proposals/ship.yaml", `misplaced proposal: "proposals/ship.yaml" is not at proposals/<instance>/<name>.yaml`},
	} {
		ps := ValidateRepo(repo(map[string]string{tt.file: prop}))
		expectProblem(t, ps, want{file: tt.file, field: "(file)", message: tt.message})
	}
	if ps := ValidateRepo(repo(map[string]string{"proposals/web-1/ship.yaml": prop})); len(ps) > 0 {
		t.Errorf("a well-placed proposal: %v", ps)
	}
}
