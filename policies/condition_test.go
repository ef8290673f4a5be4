package policies

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

func TestEvalCondition(t *testing.T) {
	inputs := map[string]any{
		"environment": "staging",
		"replicas":    3,          // int, as YAML decodes it
		"ratio":       float64(2), // float64, as JSON decodes it
		"limit":       1.5,
		"canary":      true,
		"ticket":      nil,
		"regions":     []any{"eu", 1},
		"owner":       map[string]any{"team": "payments", "size": 4},
		"version":     "v1.2.3",
		"weird":       map[any]any{1: 2},
	}
	tests := []struct {
		name string
		cond schemas.Condition
		ok   bool
		why  string // exact when set
		has  string // substring when set
	}{
		{name: "equals string holds", cond: schemas.Condition{Input: "environment", Equals: "staging"}, ok: true, why: `input environment is "staging"`},
		{name: "equals string fails", cond: schemas.Condition{Input: "environment", Equals: "production"}, why: `input environment is "staging", rule needs "production"`},
		{name: "equals missing input", cond: schemas.Condition{Input: "nope", Equals: "x"}, why: `input nope is not set, rule needs "x"`},
		{name: "equals null input is not set", cond: schemas.Condition{Input: "ticket", Equals: "x"}, why: `input ticket is not set, rule needs "x"`},
		{name: "int input equals float64 want", cond: schemas.Condition{Input: "replicas", Equals: float64(3)}, ok: true},
		{name: "float64 input equals int want", cond: schemas.Condition{Input: "ratio", Equals: 2}, ok: true},
		{name: "int64 equals uint8", cond: schemas.Condition{Input: "replicas", Equals: uint8(3)}, ok: true},
		{name: "number is not its string", cond: schemas.Condition{Input: "replicas", Equals: "3"}, why: `input replicas is 3, rule needs "3"`},
		{name: "fraction differs", cond: schemas.Condition{Input: "limit", Equals: 1}, why: "input limit is 1.5, rule needs 1"},
		{name: "bool equals", cond: schemas.Condition{Input: "canary", Equals: true}, ok: true},
		{name: "false equals is a test", cond: schemas.Condition{Input: "canary", Equals: false}, why: "input canary is true, rule needs false"},
		{name: "list equals with mixed numbers", cond: schemas.Condition{Input: "regions", Equals: []any{"eu", 1.0}}, ok: true},
		{name: "object equals regardless of key order and number type", cond: schemas.Condition{Input: "owner", Equals: map[string]any{"size": 4.0, "team": "payments"}}, ok: true},
		{name: "in holds", cond: schemas.Condition{Input: "environment", In: []any{"production", "staging"}}, ok: true, why: `input environment is "staging"`},
		{name: "in fails", cond: schemas.Condition{Input: "environment", In: []any{"production", "dr"}}, why: `input environment is "staging", rule needs one of "production", "dr"`},
		{name: "in with int vs float", cond: schemas.Condition{Input: "replicas", In: []any{1.0, 3.0}}, ok: true},
		{name: "in missing", cond: schemas.Condition{Input: "nope", In: []any{1}}, why: "input nope is not set, rule needs one of 1"},
		{name: "matches is anchored", cond: schemas.Condition{Input: "version", Matches: `v1\.2`}, why: `input version is "v1.2.3", rule needs a match for v1\.2`},
		{name: "matches whole value", cond: schemas.Condition{Input: "version", Matches: `v[0-9]+(\.[0-9]+)*`}, ok: true},
		{name: "matches alternation stays anchored", cond: schemas.Condition{Input: "environment", Matches: `prod|stag`}, why: `input environment is "staging", rule needs a match for prod|stag`},
		{name: "matches a number's text", cond: schemas.Condition{Input: "replicas", Matches: `[1-3]`}, ok: true},
		{name: "matches refuses a list", cond: schemas.Condition{Input: "regions", Matches: `.*`}, why: `input regions is ["eu",1], rule needs a string matching .*`},
		{name: "matches invalid pattern", cond: schemas.Condition{Input: "version", Matches: `(`}, has: `input version: invalid pattern "("`},
		{name: "matches missing", cond: schemas.Condition{Input: "nope", Matches: `x`}, why: "input nope is not set, rule needs a match for x"},
		{name: "exists true holds", cond: schemas.Condition{Input: "environment", Exists: boolp(true)}, ok: true, why: "input environment is set"},
		{name: "exists true fails on null", cond: schemas.Condition{Input: "ticket", Exists: boolp(true)}, why: "input ticket is not set, rule needs it set"},
		{name: "exists false holds", cond: schemas.Condition{Input: "nope", Exists: boolp(false)}, ok: true, why: "input nope is not set"},
		{name: "exists false fails", cond: schemas.Condition{Input: "canary", Exists: boolp(false)}, why: "input canary is set, rule needs it unset"},
		{name: "no test set", cond: schemas.Condition{Input: "canary"}, has: "sets none of"},
		{name: "two tests set", cond: schemas.Condition{Input: "canary", Equals: true, Exists: boolp(true)}, has: "more than one"},
		{name: "unencodable input", cond: schemas.Condition{Input: "weird", Equals: 1}, has: "input weird: canonical json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := EvalCondition(tt.cond, inputs)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v (why %q)", ok, tt.ok, why)
			}
			if tt.why != "" && why != tt.why {
				t.Errorf("why = %q, want %q", why, tt.why)
			}
			if tt.has != "" && !strings.Contains(why, tt.has) {
				t.Errorf("why = %q, want it to contain %q", why, tt.has)
			}
			if why == "" {
				t.Error("why is empty")
			}
		})
	}
}

func TestEvalConditionNilInputs(t *testing.T) {
	ok, why := EvalCondition(schemas.Condition{Input: "x", Exists: boolp(false)}, nil)
	if !ok || why != "input x is not set" {
		t.Fatalf("got %v %q", ok, why)
	}
}
