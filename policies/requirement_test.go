package policies

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// shape prints a tree as kind[name]=status(children...), for compact
// assertions.
func shape(r Result) string {
	s := string(r.Kind)
	if r.Name != "" && r.Kind != KindPolicy {
		s += " " + r.Name
	}
	s += "=" + string(r.Status)
	if len(r.Children) > 0 {
		var kids []string
		for _, c := range r.Children {
			kids = append(kids, shape(c))
		}
		s += "(" + strings.Join(kids, ", ") + ")"
	}
	return s
}

func rule(name string) schemas.Requirement { return schemas.Requirement{Rule: name} }
func all(rs ...schemas.Requirement) schemas.Requirement {
	return schemas.Requirement{All: append([]schemas.Requirement{}, rs...)}
}
func anyOf(rs ...schemas.Requirement) schemas.Requirement {
	return schemas.Requirement{Any: append([]schemas.Requirement{}, rs...)}
}

func TestRequirements(t *testing.T) {
	rules := []schemas.Rule{
		{Name: "sre", Count: 1, Roles: []string{"sre"}},
		{Name: "sec", Count: 1, Roles: []string{"security"}},
		{Name: "sec2", Count: 2, Roles: []string{"security"}},
		{Name: "prod", Count: 1, Roles: []string{"sre"}, If: &schemas.Predicate{Inputs: []schemas.Condition{{Input: "environment", Equals: "production"}}}},
		{Name: "high", Count: 1, Roles: []string{"security"}, If: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityHigh}},
	}
	sreOK := approve("alice", head, content)
	secOK := approve("carol", head, content)
	secNo := reject("carol", head, "not reviewed")
	tests := []struct {
		name      string
		require   *schemas.Requirement
		rules     []schemas.Rule
		decisions []Decision
		shape     string
		needed    int
		desc      string
	}{
		{
			name:      "nil require means every rule in order",
			rules:     rules[:2],
			decisions: []Decision{sreOK},
			shape:     "policy=pending(rule sre=satisfied, rule sec=pending)",
			needed:    1,
			desc:      "needs 1 more approval from role security (rule sec)",
		},
		{
			name:      "nil require with all satisfied",
			rules:     rules[:2],
			decisions: []Decision{secOK, sreOK},
			shape:     "policy=satisfied(rule sre=satisfied, rule sec=satisfied)",
			desc:      "approved by alice, carol",
		},
		{
			name:      "all with skipped children is satisfied",
			require:   &schemas.Requirement{All: []schemas.Requirement{rule("sre"), rule("prod"), rule("high")}},
			decisions: []Decision{sreOK},
			shape:     "policy=satisfied(all=satisfied(rule sre=satisfied, rule prod=skipped, rule high=skipped))",
			desc:      "approved by alice",
		},
		{
			name:      "any with one satisfied child",
			require:   ptr(anyOf(rule("sre"), rule("sec"))),
			decisions: []Decision{secOK},
			shape:     "policy=satisfied(any=satisfied(rule sre=pending, rule sec=satisfied))",
			desc:      "approved by carol",
		},
		{
			name:    "any pending needs the cheapest child",
			require: ptr(anyOf(rule("sec2"), rule("sre"))),
			shape:   "policy=pending(any=pending(rule sec2=pending, rule sre=pending))",
			needed:  1,
			desc:    "needs 2 more approvals from role security (rule sec2) or 1 more approval from role sre (rule sre)",
		},
		{
			name:    "skipped child does not satisfy an any",
			require: ptr(anyOf(rule("prod"), rule("sec"))),
			shape:   "policy=pending(any=pending(rule prod=skipped, rule sec=pending))",
			needed:  1,
			desc:    "needs 1 more approval from role security (rule sec)",
		},
		{
			name:    "any of only skipped children is skipped and passes the policy",
			require: ptr(anyOf(rule("prod"), rule("high"))),
			shape:   "policy=satisfied(any=skipped(rule prod=skipped, rule high=skipped))",
			desc:    "no approval required",
		},
		{
			name:    "single rule requirement",
			require: ptr(rule("sec2")),
			shape:   "policy=pending(rule sec2=pending)",
			needed:  2,
			desc:    "needs 2 more approvals from role security (rule sec2)",
		},
		{
			name:    "nested all of any gets parentheses",
			require: ptr(all(rule("sre"), anyOf(rule("sec"), rule("sec2")))),
			shape:   "policy=pending(all=pending(rule sre=pending, any=pending(rule sec=pending, rule sec2=pending)))",
			needed:  2,
			desc:    "needs 1 more approval from role sre (rule sre) and (1 more approval from role security (rule sec) or 2 more approvals from role security (rule sec2))",
		},
		{
			name:      "nested any of all",
			require:   ptr(anyOf(all(rule("sre"), rule("sec")), rule("sec2"))),
			decisions: []Decision{sreOK},
			shape:     "policy=pending(any=pending(all=pending(rule sre=satisfied, rule sec=pending), rule sec2=pending))",
			needed:    1,
			desc:      "needs 1 more approval from role security (rule sec) or 2 more approvals from role security (rule sec2)",
		},
		{
			name:      "nested satisfied through an inner all",
			require:   ptr(anyOf(rule("sec2"), all(rule("sre"), rule("sec"), rule("prod")))),
			decisions: []Decision{sreOK, secOK},
			shape:     "policy=satisfied(any=satisfied(rule sec2=pending, all=satisfied(rule sre=satisfied, rule sec=satisfied, rule prod=skipped)))",
			desc:      "approved by alice, carol",
		},
		{
			name:      "blocked child blocks an any that is otherwise satisfied",
			require:   ptr(anyOf(rule("sre"), rule("sec"))),
			decisions: []Decision{sreOK, secNo},
			shape:     "policy=blocked(any=blocked(rule sre=satisfied, rule sec=blocked))",
			needed:    1,
			desc:      "rejected by carol (rule sec): not reviewed",
		},
		{
			name:      "blocked deep inside blocks the policy",
			require:   ptr(all(rule("sre"), anyOf(rule("prod"), all(rule("sec2"))))),
			decisions: []Decision{sreOK, secNo},
			shape:     "policy=blocked(all=blocked(rule sre=satisfied, any=blocked(rule prod=skipped, all=blocked(rule sec2=blocked))))",
			needed:    2,
			desc:      "rejected by carol (rule sec2): not reviewed",
		},
		{
			name:      "rule named twice is judged once and reported once",
			require:   ptr(all(rule("sec"), anyOf(rule("sec"), rule("sre")))),
			decisions: []Decision{secNo},
			shape:     "policy=blocked(all=blocked(rule sec=blocked, any=blocked(rule sec=blocked, rule sre=pending)))",
			desc:      "rejected by carol (rule sec): not reviewed",
			needed:    2,
		},
		{
			name:      "unknown rule fails closed",
			require:   ptr(all(rule("sre"), rule("missing"))),
			decisions: []Decision{sreOK},
			shape:     "policy=blocked(all=blocked(rule sre=satisfied, rule missing=blocked))",
			desc:      `policy names unknown rule "missing"`,
		},
		{
			name:    "requirement setting nothing fails closed",
			require: ptr(all(schemas.Requirement{})),
			shape:   "policy=blocked(all=blocked(rule=blocked))",
			desc:    "requirement must set exactly one of rule, all, any",
		},
		{
			name:    "empty all is satisfied, empty any is skipped",
			require: ptr(all(all(), anyOf())),
			shape:   "policy=satisfied(all=satisfied(all=satisfied, any=skipped))",
			desc:    "no approval required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := tt.rules
			if rs == nil {
				rs = rules
			}
			f := facts(rs, tt.decisions...)
			f.Inputs = map[string]any{"environment": "staging"}
			f.Materiality = schemas.MaterialityMedium
			f.Policy.Require = tt.require
			got := Evaluate(f)
			if s := shape(got); s != tt.shape {
				t.Errorf("shape\n got %s\nwant %s", s, tt.shape)
			}
			if got.Needed != tt.needed {
				t.Errorf("needed = %d, want %d", got.Needed, tt.needed)
			}
			if got.Description != tt.desc {
				t.Errorf("description\n got %q\nwant %q", got.Description, tt.desc)
			}
		})
	}
}

func TestRequirementDepthIsCapped(t *testing.T) {
	// A Go value can be cyclic even though YAML cannot express one.
	cyc := make([]schemas.Requirement, 1)
	cyc[0].All = cyc
	f := facts([]schemas.Rule{{Name: "sre", Count: 1}})
	f.Policy.Require = &schemas.Requirement{All: cyc}
	got := Evaluate(f)
	if got.Status != StatusBlocked || !strings.Contains(got.Description, "nest deeper") {
		t.Fatalf("got %s %q", got.Status, got.Description)
	}
}

func TestRequirementSizeIsCapped(t *testing.T) {
	cyc := make([]schemas.Requirement, 3)
	for i := range cyc {
		cyc[i].Any = cyc
	}
	f := facts([]schemas.Rule{{Name: "sre", Count: 1}})
	f.Policy.Require = &schemas.Requirement{All: cyc}
	got := Evaluate(f)
	if got.Status != StatusBlocked || !strings.Contains(got.Description, "more than 4096 nodes") {
		t.Fatalf("got %s %q", got.Status, got.Description)
	}
}

func ptr(r schemas.Requirement) *schemas.Requirement { return &r }
