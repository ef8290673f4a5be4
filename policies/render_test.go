package policies

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestRender(t *testing.T) {
	pending := facts([]schemas.Rule{
		{Name: "sre-pair", Count: 2, Roles: []string{"sre"}},
		{Name: "security-signoff", Count: 1, Roles: []string{"security"}, If: &schemas.Predicate{
			Inputs: []schemas.Condition{{Input: "environment", Equals: "production"}},
		}},
	}, approve("alice", head, content), approve("deploy-agent", head, content))
	pending.Policy.Name = "release-approval"
	pending.Inputs = map[string]any{"environment": "staging"}

	stale := pending
	stale.Decisions = []Decision{approve("alice", old, changed), approve("bob", head, content)}

	blocked := releaseFacts()
	blocked.Decisions = append(blocked.Decisions, reject("erin", old, "change freeze until Monday"), reject("carol", head, ""))

	senior := withTrustLevels(facts([]schemas.Rule{
		{Name: "senior-sre", Roles: []string{"sre"}, Quorum: &schemas.Quorum{Mode: schemas.QuorumAny, TrustLevel: 8}},
	}, approve("alice", head, content), approve("erin", head, content)))
	senior.Policy.Name = "release-approval"

	tests := []struct {
		name  string
		facts Facts
	}{
		{name: "quorum_any", facts: senior},
		{name: "pending", facts: pending},
		{name: "stale", facts: stale},
		{name: "satisfied", facts: releaseFacts()},
		{name: "blocked", facts: blocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			Evaluate(tt.facts).Render(&b)
			path := filepath.Join("testdata", "render_"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("render mismatch\n got:\n%s\nwant:\n%s", b.String(), want)
			}
		})
	}
}
