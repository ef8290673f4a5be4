package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateGoals: writ validate reads goals/*.yaml as rules. The goals
// example validates; each mistake in a goal is reported at its
// path:line:col with the field, as for every kind.
func TestValidateGoals(t *testing.T) {
	t.Parallel()
	src := filepath.Join("..", "..", "..", "fixtures", "controlrepos", "goals")
	writWant(t, ExitOK, "--repo", src, "validate")

	tests := []struct {
		name, old, new, want string
	}{
		{"max_depth out of range", "max_depth: 8", "max_depth: 65",
			"goals/patch-cve.yaml:11:12: max_depth: max_depth 65 is out of range: use 1 to 64"},
		{"unknown policy", "policy: goal-oversight", "policy: goal-approval",
			`goals/patch-cve.yaml:26:9: policy: unknown policy "goal-approval" (policies: goal-oversight, governance, release-approval)`},
		{"bad window", "window: 1d", "window: 1 day",
			`goals/patch-cve.yaml:17:11: quorum.window: invalid duration "1 day"`},
		{"min zero", "min: 2", "min: 0",
			"goals/patch-cve.yaml:14:8: quorum.min: min is 0; it must be at least 1"},
		{"quorum out of reach", "min: 2\n  max: 3", "min: 5\n  max: 5",
			"goals/patch-cve.yaml:13:3: quorum: the quorum needs 5 confirmations from distinct identities but only 4 may confirm at trust_level 3 or above (identities: bob, scanner-a, scanner-b, scanner-c)"},
		{"goal named like a workflow", "name: patch-cve-2026-1234", "name: release",
			`goals/patch-cve.yaml:3:7: name: goal name "release" is also the name of a workflow (workflows/release.yaml:`},
		{"min_trust_level out of range", "confirm: 3", "confirm: 0",
			"goals/patch-cve.yaml:30:12: min_trust_level.confirm: trust_level 0 is out of range: use 1 to 10"},
		{"min_trust_level out of reach", "resolve: 7", "resolve: 10",
			"goals/patch-cve.yaml:31:12: min_trust_level.resolve: no identity that may resolve (identities: alice) has trust_level 10 or more"},
		{"min_trust_level shrinks the quorum", "confirm: 3", "confirm: 7",
			"goals/patch-cve.yaml:13:3: quorum: the quorum needs 2 confirmations from distinct identities but only 1 may confirm at trust_level 7 or above (identities: bob)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := copyRepo(t, src)
			file := filepath.Join(repo, "goals", "patch-cve.yaml")
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.old) {
				t.Fatalf("the goals example holds no %q", tt.old)
			}
			if err := os.WriteFile(file, []byte(strings.Replace(string(b), tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			r := writWant(t, ExitFailure, "--repo", repo, "validate")
			if !strings.Contains(r.out, tt.want) {
				t.Errorf("want a line %q, got %s", tt.want, r)
			}
		})
	}
}
