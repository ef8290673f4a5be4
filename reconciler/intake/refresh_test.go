package intake

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestRefreshHint: a stale proposal's reason names the exact command that
// proposes it again on the current state.
func TestRefreshHint(t *testing.T) {
	tests := []struct {
		name string
		p    Pending
		want string
	}{
		{"transition", Pending{Path: "proposals/web-1/ship.yaml", Proposer: "deploy-agent", Proposal: &schemas.Proposal{
			Instance: "web-1", Workflow: "release", Transition: "ship", Inputs: map[string]any{"ticket": "CHG-1", "env": "prod"}}},
			"writ propose --as deploy-agent --instance web-1 --workflow release --transition ship --name ship-2 --input env=prod --input ticket=CHG-1"},
		{"rules", Pending{Path: "proposals/rules/add-bob.yaml", Proposer: "alice", Proposal: &schemas.Proposal{}, Rules: &schemas.Bundle{}},
			"writ propose --rules --as alice --name add-bob-2"},
		{"nothing read", Pending{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RefreshHint(tt.p)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("RefreshHint = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
