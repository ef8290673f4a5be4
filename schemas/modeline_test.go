package schemas

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestModeline: the yaml-language-server line names the schema file of
// each kind in writ's repository; WithModeline adds it to rule and
// proposal files only, once; a proposal file with it still loads as the
// same proposal and ProposalIsYAML still vouches for it (replay's fast
// path), while a line that is not exactly a modeline is not skipped.
func TestModeline(t *testing.T) {
	if got := Modeline(KindWorkflow, "v1.2.0"); got != "# yaml-language-server: $schema=https://raw.githubusercontent.com/writ-dev/writ/v1.2.0/schemas/workflow.schema.json\n" {
		t.Errorf("Modeline = %q", got)
	}
	for _, tt := range []struct {
		path string
		kind Kind
		ok   bool
	}{
		{"writ.yaml", KindConfig, true}, {"workflows/a.yaml", KindWorkflow, true}, {"policies/b.yml", KindPolicy, true},
		{"proposals/web-1/ship.yaml", KindProposal, true}, {"proposals/rules/x.yaml", KindProposal, true},
		{"proposals/l-1/ab/x.yaml", KindProposal, true}, {"proposals/l-1/ab/cd/x.yaml", "", false},
		{"goals/patch.yaml", KindGoal, true}, {"goals/sub/patch.yaml", "", false},
		{"README.md", "", false}, {"docs/writ.yaml", "", false}, {"workflows/sub/a.yaml", "", false}, {".github/workflows/x.yml", "", false},
	} {
		k, ok := KindOfPath(tt.path)
		if k != tt.kind || ok != tt.ok {
			t.Errorf("KindOfPath(%s) = %q, %v; want %q, %v", tt.path, k, ok, tt.kind, tt.ok)
		}
		out := WithModeline(tt.path, []byte("a: 1\n"), "")
		if got := strings.HasPrefix(string(out), ModelinePrefix); got != tt.ok {
			t.Errorf("WithModeline(%s) added the line: %v, want %v", tt.path, got, tt.ok)
		}
		if again := WithModeline(tt.path, out, ""); string(again) != string(out) {
			t.Errorf("WithModeline(%s) twice: %q", tt.path, again)
		}
	}

	p := simpleProposal()
	body, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(Modeline(KindProposal, "") + string(body))
	if !checkProposalIsYAML(t, data, p) {
		t.Errorf("ProposalIsYAML does not vouch for a proposal file with the modeline:\n%s", data)
	}
	for _, bad := range []string{"# yaml-language-server: $schema=a b\n", "# other comment\n", "# yaml-language-server: $schema=x"} {
		if ProposalIsYAML([]byte(bad+string(body)), p) {
			t.Errorf("ProposalIsYAML vouched with a first line %q", bad)
		}
	}
}
