package schemas

import (
	"strings"
	"testing"
)

func TestParseProposalPath(t *testing.T) {
	for _, tt := range []struct {
		path           string
		instance, name string
		rules          bool
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
		{path: "proposals/web-1/a/b.yaml", err: "is not at"},
		{path: "proposals/rules/a/b.yaml", err: "is not at"},
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
		if got := ProposalFile(instance, name); got != tt.path {
			t.Errorf("ProposalFile(%q, %q) = %q, want %q", instance, name, got, tt.path)
		}
		if got, err := ProposalPathOfBranch(ProposalBranch(instance, name)); err != nil || got != tt.path {
			t.Errorf("ProposalPathOfBranch(ProposalBranch(%q, %q)) = %q, %v; want %q", instance, name, got, err, tt.path)
		}
		if IsRulesProposal(tt.path) != tt.rules {
			t.Errorf("IsRulesProposal(%q) = %v, want %v", tt.path, !tt.rules, tt.rules)
		}
	}
}

func TestProposalPathOfBranch(t *testing.T) {
	for _, tt := range []struct{ branch, want string }{
		{"proposals/web-1/ship", "proposals/web-1/ship.yaml"},
		{"proposals/rules/change-1", "proposals/rules/change-1.yaml"},
		{"web-1/ship", ""},
		{"refs/heads/proposals/web-1/ship", ""},
		{"proposals/web-1", ""},
		{"proposals/web-1/", ""},
		{"proposals//ship", ""},
		{"proposals/web-1/a/b", ""},
		{"proposals/../ship", ""},
		{"proposals/web-1/..", ""},
	} {
		got, err := ProposalPathOfBranch(tt.branch)
		if tt.want == "" {
			want := `branch "` + tt.branch + `": want proposals/<instance>/<name>`
			if err == nil || err.Error() != want {
				t.Errorf("ProposalPathOfBranch(%q) = %q, %v; want error %q", tt.branch, got, err, want)
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
	for _, file := range []string{"proposals/web-1/ship.yml", "proposals/web-1/a/ship.yaml", "proposals/ship.yaml"} {
		ps := ValidateRepo(repo(map[string]string{file: prop}))
		expectProblem(t, ps, want{file: file, field: "(file)", message: "misplaced proposal: proposals live at proposals/<instance>/<name>.yaml"})
	}
	if ps := ValidateRepo(repo(map[string]string{"proposals/web-1/ship.yaml": prop})); len(ps) > 0 {
		t.Errorf("a well-placed proposal: %v", ps)
	}
}
