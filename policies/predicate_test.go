package policies

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

func TestPredicates(t *testing.T) {
	tests := []struct {
		name        string
		pred        *schemas.Predicate
		materiality schemas.Materiality
		inputs      map[string]any
		files       []string
		status      Status
		why         string // exact skip reason, or substring of an applying rule's description
	}{
		{name: "no predicate applies", status: StatusPending},
		{name: "materiality equal applies", pred: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityHigh}, materiality: schemas.MaterialityHigh, status: StatusPending},
		{name: "materiality above applies", pred: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityMedium}, materiality: schemas.MaterialityHigh, status: StatusPending},
		{name: "materiality below skips", pred: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityHigh}, materiality: schemas.MaterialityLow, status: StatusSkipped, why: "materiality low is below high"},
		{name: "empty materiality ranks low", pred: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityMedium}, status: StatusSkipped, why: "materiality low is below medium"},
		{
			name:   "input equals skips with reason",
			pred:   &schemas.Predicate{Inputs: []schemas.Condition{{Input: "environment", Equals: "production"}}},
			inputs: map[string]any{"environment": "staging"},
			status: StatusSkipped, why: `input environment is "staging", rule needs "production"`,
		},
		{
			name:   "int input vs float64 policy value applies",
			pred:   &schemas.Predicate{Inputs: []schemas.Condition{{Input: "replicas", In: []any{3.0, 5.0}}}},
			inputs: map[string]any{"replicas": 3},
			status: StatusPending,
		},
		{
			name:   "every input condition must hold",
			pred:   &schemas.Predicate{Inputs: []schemas.Condition{{Input: "environment", Equals: "production"}, {Input: "ticket", Exists: boolp(true)}}},
			inputs: map[string]any{"environment": "production"},
			status: StatusSkipped, why: "input ticket is not set, rule needs it set",
		},
		{
			name:        "all failing parts are listed",
			pred:        &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityHigh, Inputs: []schemas.Condition{{Input: "environment", Matches: "prod.*"}}},
			materiality: schemas.MaterialityMedium,
			inputs:      map[string]any{"environment": "staging"},
			status:      StatusSkipped, why: `materiality medium is below high; input environment is "staging", rule needs a match for prod.*`,
		},
		{name: "changed file matches glob", pred: &schemas.Predicate{ChangedFiles: []string{"deploy/*.yaml"}}, files: []string{"README.md", "deploy/prod.yaml"}, status: StatusPending},
		{name: "star does not cross slash", pred: &schemas.Predicate{ChangedFiles: []string{"deploy/*.yaml"}}, files: []string{"deploy/eu/prod.yaml"}, status: StatusSkipped, why: "no changed file matches deploy/*.yaml"},
		{name: "double star crosses directories", pred: &schemas.Predicate{ChangedFiles: []string{"deploy/**/*.yaml"}}, files: []string{"deploy/eu/west/prod.yaml"}, status: StatusPending},
		{name: "double star matches zero directories", pred: &schemas.Predicate{ChangedFiles: []string{"deploy/**/*.yaml"}}, files: []string{"deploy/prod.yaml"}, status: StatusPending},
		{name: "trailing double star", pred: &schemas.Predicate{ChangedFiles: []string{"secrets/**"}}, files: []string{"secrets/a/b"}, status: StatusPending},
		{name: "leading double star", pred: &schemas.Predicate{ChangedFiles: []string{"**/Dockerfile"}}, files: []string{"svc/api/Dockerfile"}, status: StatusPending},
		{name: "double star respects the rest", pred: &schemas.Predicate{ChangedFiles: []string{"deploy/**/*.yaml"}}, files: []string{"docs/deploy/x.yaml", "deploy/x.json"}, status: StatusSkipped, why: "no changed file matches deploy/**/*.yaml"},
		{name: "no changed files", pred: &schemas.Predicate{ChangedFiles: []string{"a/*", "b/*"}}, status: StatusSkipped, why: "no files changed, rule needs a change to a/* or b/*"},
		{name: "invalid regexp fails closed", pred: &schemas.Predicate{Inputs: []schemas.Condition{{Input: "environment", Matches: "("}}}, inputs: map[string]any{"environment": "x"}, status: StatusPending, why: "applies because its condition cannot be evaluated"},
		{name: "invalid glob fails closed", pred: &schemas.Predicate{ChangedFiles: []string{"[a"}}, files: []string{"b"}, status: StatusPending, why: `changed_files pattern "[a" is invalid`},
		{name: "a definite failure still skips beside an invalid part", pred: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityHigh, ChangedFiles: []string{"[a"}}, materiality: schemas.MaterialityLow, status: StatusSkipped, why: "materiality low is below high"},
		{name: "a valid glob match wins over an invalid one", pred: &schemas.Predicate{ChangedFiles: []string{"[a", "b"}}, files: []string{"b"}, status: StatusPending, why: "0 of 1 approval from role sre"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts([]schemas.Rule{{Name: "r", Count: 1, Roles: []string{"sre"}, If: tt.pred}})
			f.Materiality, f.Inputs, f.ChangedFiles = tt.materiality, tt.inputs, tt.files
			got := Evaluate(f).Children[0]
			if got.Status != tt.status {
				t.Fatalf("status = %s, want %s (%s)", got.Status, tt.status, got.Description)
			}
			switch {
			case tt.status == StatusSkipped && got.Description != tt.why:
				t.Errorf("description = %q, want %q", got.Description, tt.why)
			case tt.status != StatusSkipped && !strings.Contains(got.Description, tt.why):
				t.Errorf("description = %q, want it to contain %q", got.Description, tt.why)
			}
		})
	}
}

func TestSkippedRuleIgnoresRejections(t *testing.T) {
	f := facts([]schemas.Rule{
		{Name: "prod", Count: 1, Roles: []string{"sre"}, If: &schemas.Predicate{Inputs: []schemas.Condition{{Input: "environment", Equals: "production"}}}},
	}, reject("alice", head, "no"))
	f.Inputs = map[string]any{"environment": "staging"}
	got := Evaluate(f)
	if got.Status != StatusSatisfied || got.Children[0].Status != StatusSkipped || got.Children[0].Blockers != nil {
		t.Fatalf("got %s / %+v", got.Status, got.Children[0])
	}
}
