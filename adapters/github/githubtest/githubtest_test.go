package githubtest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github/githubtest"
)

// GitHub's own example responses must satisfy the converted schemas, or
// the schemas (or the conversion in fixtures/github/extract.mjs) are wrong
// and every later check is meaningless.
func TestExamplesMatchSchemas(t *testing.T) {
	ops, err := githubtest.Operations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 15 {
		t.Fatalf("operations.json has %d operations, want 15", len(ops))
	}
	// GitHub's examples are hand-written and a few break their own schema;
	// the fake repairs these (pulls/get, pulls/list and pulls/update: it
	// sends requested_teams: []).
	knownDefects := map[string]string{
		"pulls/get":    "at '/requested_teams/0': missing property 'type'",
		"pulls/list":   "at '/0/requested_teams/0': missing property 'type'",
		"pulls/update": "at '/requested_teams/0': missing property 'type'",
	}
	for id, op := range ops {
		t.Run(id, func(t *testing.T) {
			err := op.Validate(op.Example)
			switch want, known := knownDefects[id]; {
			case known && (err == nil || !strings.Contains(err.Error(), want)):
				t.Fatalf("known defect %q of GitHub's example is gone or changed (%v): update the fake and this test", want, err)
			case !known && err != nil:
				t.Fatal(err)
			}
		})
	}
}

// The schemas do reject what GitHub would never send, so a fake that
// drifts from GitHub's shapes is caught.
func TestSchemasRejectWrongShapes(t *testing.T) {
	ops, err := githubtest.Operations()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, op string
		mutate   func(v any) any
	}{
		{"review without id", "pulls/list-reviews", func(v any) any {
			delete(v.([]any)[0].(map[string]any), "id")
			return v
		}},
		{"pull request number as string", "pulls/get", func(v any) any {
			v.(map[string]any)["number"] = "1"
			return v
		}},
		{"check run without head_sha", "checks/create", func(v any) any {
			delete(v.(map[string]any), "head_sha")
			return v
		}},
		{"comments not a list", "issues/list-comments", func(v any) any {
			return map[string]any{"comments": v}
		}},
		{"member login null", "teams/list-members-in-org", func(v any) any {
			v.([]any)[0].(map[string]any)["login"] = nil
			return v
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := ops[tt.op]
			var v any
			if err := json.Unmarshal(op.Example, &v); err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(tt.mutate(v))
			if err := op.Validate(body); err == nil {
				t.Fatal("schema accepted a wrong shape")
			}
		})
	}
}
