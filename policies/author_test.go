package policies

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestAuthorRule: the author and every co-author (a pull request's opener)
// count only under a rule that sets allow_author; agents never count, even
// there; overrides by an author never stand, allow_author or not.
func TestAuthorRule(t *testing.T) {
	sre1 := schemas.Rule{Name: "sre", Count: 1, Roles: []string{"sre"}}
	sre1Self := schemas.Rule{Name: "sre", Count: 1, Roles: []string{"sre"}, AllowAuthor: true}
	tests := []struct {
		name       string
		rule       schemas.Rule
		author     string
		coAuthors  []string
		decisions  []Decision
		status     Status
		counted    []string
		notCounted map[string][]string
	}{
		{"author without allow_author", sre1, "alice", nil,
			[]Decision{approve("alice", head, content)}, StatusPending, nil,
			map[string][]string{"alice": {ReasonAuthor}}},
		{"author with allow_author", sre1Self, "alice", nil,
			[]Decision{approve("alice", head, content)}, StatusSatisfied, []string{"alice"}, map[string][]string{}},
		{"co-author without allow_author", sre1, "deploy-agent", []string{"alice"},
			[]Decision{approve("alice", head, content)}, StatusPending, nil,
			map[string][]string{"alice": {ReasonAuthor}}},
		{"co-author with allow_author", sre1Self, "deploy-agent", []string{"alice"},
			[]Decision{approve("alice", head, content)}, StatusSatisfied, []string{"alice"}, map[string][]string{}},
		{"co-author's rejection does not block without allow_author", sre1, "deploy-agent", []string{"bob"},
			[]Decision{reject("bob", head, "no"), approve("alice", head, content)}, StatusSatisfied, []string{"alice"},
			map[string][]string{"bob": {ReasonAuthor}}},
		{"an agent author never counts, allow_author or not", sre1Self, "deploy-agent", nil,
			[]Decision{approve("deploy-agent", head, content)}, StatusPending, nil,
			map[string][]string{"deploy-agent": {ReasonAgent}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts([]schemas.Rule{tt.rule}, tt.decisions...)
			f.Author, f.CoAuthors = tt.author, tt.coAuthors
			got := Evaluate(f).Children[0]
			if got.Status != tt.status {
				t.Errorf("status = %s, want %s (%s)", got.Status, tt.status, got.Description)
			}
			if g := names(got.Counted); strings.Join(g, ",") != strings.Join(tt.counted, ",") {
				t.Errorf("counted = %v, want %v", g, tt.counted)
			}
			if g := reasons(got.NotCounted); len(g) != len(tt.notCounted) || strings.Join(g["alice"], ",")+strings.Join(g["bob"], ",")+strings.Join(g["deploy-agent"], ",") !=
				strings.Join(tt.notCounted["alice"], ",")+strings.Join(tt.notCounted["bob"], ",")+strings.Join(tt.notCounted["deploy-agent"], ",") {
				t.Errorf("not counted = %v, want %v", g, tt.notCounted)
			}
		})
	}
	if !strings.Contains(ReasonAuthor, "allow_author") {
		t.Errorf("ReasonAuthor %q does not say what would let the author count", ReasonAuthor)
	}
}

// TestCoAuthorCannotOverride: a co-author's override never stands.
func TestCoAuthorCannotOverride(t *testing.T) {
	f := facts([]schemas.Rule{{Name: "sre", Count: 1, Roles: []string{"sre"}, AllowAuthor: true}},
		Decision{Identity: "alice", Verdict: VerdictOverride, Commit: head, Ref: "o", Justification: "outage"})
	f.Identities[0].Capabilities = []string{CapabilityOverride}
	f.Overridable, f.CoAuthors = true, []string{"alice"}
	got := Evaluate(f)
	if got.Override != nil || len(got.Ignored) != 1 || got.Ignored[0].Reason != ReasonOverrideAuthor {
		t.Fatalf("override %+v, ignored %+v; want alice's override ignored: %s", got.Override, got.Ignored, ReasonOverrideAuthor)
	}
}

// TestExcluded: what no rule of the policy would count, whoever decides
// besides, in the evaluator's words; "" leaves the rest to Evaluate.
func TestExcluded(t *testing.T) {
	plain := []schemas.Rule{{Name: "sre", Count: 1, Roles: []string{"sre"}}}
	self := []schemas.Rule{{Name: "sre", Count: 1, Roles: []string{"sre"}}, {Name: "own", Count: 1, AllowAuthor: true}}
	tests := []struct {
		name     string
		rules    []schemas.Rule
		author   string
		co       []string
		identity string
		verdict  Verdict
		want     []string // reasons, in order; none: ""
	}{
		{"another human", plain, "dave", nil, "alice", VerdictApprove, nil},
		{"a human outside the rule's roles is left to Evaluate", plain, "dave", nil, "carol", VerdictApprove, nil},
		{"the author, no rule allows authors", plain, "alice", nil, "alice", VerdictApprove, []string{ReasonAuthor}},
		{"the author's rejection", plain, "alice", nil, "alice", VerdictReject, []string{ReasonAuthor}},
		{"a co-author", plain, "dave", []string{"alice"}, "alice", VerdictApprove, []string{ReasonAuthor}},
		{"the author, one rule allows authors", self, "alice", nil, "alice", VerdictApprove, nil},
		{"an agent that is the author", self, "deploy-agent", nil, "deploy-agent", VerdictApprove, []string{ReasonAgent}},
		{"an agent that is the author, no rule allows authors", plain, "deploy-agent", nil, "deploy-agent", VerdictApprove,
			[]string{ReasonAgent, ReasonAuthor}},
		{"unknown", plain, "dave", nil, "mallory", VerdictApprove, []string{ReasonUnknownIdentity}},
		{"the author's override, even where authors may approve", self, "alice", nil, "alice", VerdictOverride,
			[]string{ReasonOverrideAuthor}},
		{"an agent's override", self, "dave", nil, "deploy-agent", VerdictOverride, []string{ReasonOverrideAgent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(tt.rules)
			f.Author, f.CoAuthors = tt.author, tt.co
			got := Excluded(&f, tt.identity, tt.verdict)
			if want := strings.Join(tt.want, "; "); got != want {
				t.Errorf("Excluded = %q, want %q", got, want)
			}
		})
	}
}
