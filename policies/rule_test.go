package policies

import (
	"reflect"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

func TestRuleCounting(t *testing.T) {
	sre2 := schemas.Rule{Name: "sre-pair", Count: 2, Roles: []string{"sre"}}
	tests := []struct {
		name        string
		rule        schemas.Rule
		author      string
		decisions   []Decision
		status      Status
		needed      int
		counted     []string
		roles       []string
		notCounted  map[string][]string
		blockers    []string
		description string
	}{
		{
			name:        "two sre approvals satisfy",
			rule:        sre2,
			decisions:   []Decision{approve("alice", head, content), approve("bob", head, content)},
			status:      StatusSatisfied,
			counted:     []string{"alice", "bob"},
			roles:       []string{"sre", "sre"},
			notCounted:  map[string][]string{},
			description: "2 of 2 approvals from role sre",
		},
		{
			name:        "one of two is pending",
			rule:        sre2,
			decisions:   []Decision{approve("alice", head, content)},
			status:      StatusPending,
			needed:      1,
			counted:     []string{"alice"},
			roles:       []string{"sre"},
			notCounted:  map[string][]string{},
			description: "1 of 2 approvals from role sre",
		},
		{
			name:        "named identity counts with role identity",
			rule:        schemas.Rule{Name: "r", Count: 2, Roles: []string{"sre"}, Identities: []string{"carol"}},
			decisions:   []Decision{approve("carol", head, content), approve("alice", head, content), approve("dave", head, content)},
			author:      "erin",
			status:      StatusSatisfied,
			counted:     []string{"alice", "carol"},
			roles:       []string{"sre", "identity"},
			notCounted:  map[string][]string{"dave": {"not in role sre and not named by the rule"}},
			description: "2 of 2 approvals from role sre or carol",
		},
		{
			name:       "identities only",
			rule:       schemas.Rule{Name: "r", Count: 1, Identities: []string{"carol", "erin"}},
			decisions:  []Decision{approve("alice", head, content)},
			status:     StatusPending,
			needed:     1,
			notCounted: map[string][]string{"alice": {"not named by the rule"}},
		},
		{
			name:       "several roles joined by or",
			rule:       schemas.Rule{Name: "r", Count: 1, Roles: []string{"sre", "security"}},
			decisions:  []Decision{approve("dave", head, content), approve("carol", head, content)},
			author:     "alice",
			status:     StatusSatisfied,
			counted:    []string{"carol"},
			roles:      []string{"security"},
			notCounted: map[string][]string{"dave": {"not in role sre or security"}},
		},
		{
			name:       "first matching rule role is reported",
			rule:       schemas.Rule{Name: "r", Count: 1, Roles: []string{"security", "sre"}},
			decisions:  []Decision{approve("erin", head, content)},
			status:     StatusSatisfied,
			counted:    []string{"erin"},
			roles:      []string{"security"},
			notCounted: map[string][]string{},
		},
		{
			name:        "no roles or identities means any human",
			rule:        schemas.Rule{Name: "r", Count: 2},
			decisions:   []Decision{approve("carol", head, content), approve("deploy-agent", head, content), approve("dave", head, content), approve("bob", head, content)},
			status:      StatusSatisfied,
			counted:     []string{"bob", "carol"},
			roles:       []string{"human", "human"},
			notCounted:  map[string][]string{"deploy-agent": {ReasonAgent}, "dave": {ReasonAuthor}},
			description: "2 of 2 approvals from any human",
		},
		{
			name:       "self-approval refused even with the role",
			rule:       sre2,
			author:     "alice",
			decisions:  []Decision{approve("alice", head, content), approve("bob", head, content)},
			status:     StatusPending,
			needed:     1,
			counted:    []string{"bob"},
			roles:      []string{"sre"},
			notCounted: map[string][]string{"alice": {ReasonAuthor}},
		},
		{
			name:    "allow_author lets the author count",
			rule:    schemas.Rule{Name: "r", Count: 2, Roles: []string{"sre"}, AllowAuthor: true},
			author:  "alice",
			status:  StatusSatisfied,
			counted: []string{"alice", "bob"}, roles: []string{"sre", "sre"},
			decisions:  []Decision{approve("alice", head, content), approve("bob", head, content)},
			notCounted: map[string][]string{},
		},
		{
			name:       "agent refused even with the role",
			rule:       sre2,
			decisions:  []Decision{approve("deploy-agent", head, content), approve("alice", head, content)},
			status:     StatusPending,
			needed:     1,
			counted:    []string{"alice"},
			roles:      []string{"sre"},
			notCounted: map[string][]string{"deploy-agent": {ReasonAgent}},
		},
		{
			name:       "unknown identity",
			rule:       sre2,
			decisions:  []Decision{approve("mallory", head, content)},
			status:     StatusPending,
			needed:     2,
			notCounted: map[string][]string{"mallory": {ReasonUnknownIdentity}},
		},
		{
			name:       "older commit with different content refused",
			rule:       sre2,
			decisions:  []Decision{approve("alice", old, changed), approve("bob", head, content)},
			status:     StatusPending,
			needed:     1,
			counted:    []string{"bob"},
			roles:      []string{"sre"},
			notCounted: map[string][]string{"alice": {ReasonOlderCommit}},
		},
		{
			name:       "older commit without content hash refused",
			rule:       sre2,
			decisions:  []Decision{approve("alice", old, ""), approve("bob", head, "")},
			status:     StatusPending,
			needed:     1,
			counted:    []string{"bob"},
			roles:      []string{"sre"},
			notCounted: map[string][]string{"alice": {ReasonOlderCommit}},
		},
		{
			name:      "same content on a new commit still counts",
			rule:      sre2,
			decisions: []Decision{approve("alice", rebased, content), approve("bob", head, content)},
			status:    StatusSatisfied,
			counted:   []string{"alice", "bob"}, roles: []string{"sre", "sre"},
			notCounted: map[string][]string{},
		},
		{
			name:       "superseded approval then a fresh one counts once",
			rule:       sre2,
			decisions:  []Decision{approve("alice", head, content), approve("alice", head, content)},
			status:     StatusPending,
			needed:     1,
			counted:    []string{"alice"},
			roles:      []string{"sre"},
			notCounted: map[string][]string{"alice": {ReasonSuperseded}},
		},
		{
			name:       "approval on older commit then on head",
			rule:       sre2,
			decisions:  []Decision{approve("alice", old, changed), approve("bob", head, content), approve("alice", head, content)},
			status:     StatusSatisfied,
			counted:    []string{"alice", "bob"},
			roles:      []string{"sre", "sre"},
			notCounted: map[string][]string{"alice": {ReasonOlderCommit}},
		},
		{
			name:       "approval withdrawn by a later rejection blocks",
			rule:       sre2,
			decisions:  []Decision{approve("alice", head, content), approve("bob", head, content), reject("alice", head, "saw a bug")},
			status:     StatusBlocked,
			needed:     1,
			counted:    []string{"bob"},
			roles:      []string{"sre"},
			notCounted: map[string][]string{"alice": {ReasonSuperseded}},
			blockers:   []string{"alice"},
		},
		{
			name:       "rejection withdrawn by a later approval counts",
			rule:       sre2,
			decisions:  []Decision{reject("alice", old, "no"), approve("alice", head, content), approve("bob", head, content)},
			status:     StatusSatisfied,
			counted:    []string{"alice", "bob"},
			roles:      []string{"sre", "sre"},
			notCounted: map[string][]string{"alice": {ReasonSuperseded}},
		},
		{
			name:        "eligible rejection on an older commit blocks",
			rule:        sre2,
			decisions:   []Decision{approve("alice", head, content), approve("erin", head, content), reject("bob", old, "wrong window")},
			status:      StatusBlocked,
			counted:     []string{"alice", "erin"},
			roles:       []string{"sre", "sre"},
			notCounted:  map[string][]string{},
			blockers:    []string{"bob"},
			description: "rejected by bob (sre)",
		},
		{
			name:       "rejection by a non-eligible human does not block",
			rule:       sre2,
			decisions:  []Decision{reject("carol", head, "no"), approve("alice", head, content), approve("bob", head, content)},
			status:     StatusSatisfied,
			counted:    []string{"alice", "bob"},
			roles:      []string{"sre", "sre"},
			notCounted: map[string][]string{"carol": {"not in role sre"}},
		},
		{
			name:       "author's own rejection does not block",
			rule:       sre2,
			author:     "alice",
			decisions:  []Decision{reject("alice", head, "changed my mind")},
			status:     StatusPending,
			needed:     2,
			notCounted: map[string][]string{"alice": {ReasonAuthor}},
		},
		{
			name:       "agent and unknown rejections do not block",
			rule:       sre2,
			decisions:  []Decision{reject("deploy-agent", head, "x"), reject("mallory", head, "y")},
			status:     StatusPending,
			needed:     2,
			notCounted: map[string][]string{"deploy-agent": {ReasonAgent}, "mallory": {ReasonUnknownIdentity}},
		},
		{
			name:       "unknown verdict neither counts nor supersedes",
			rule:       schemas.Rule{Name: "r", Count: 1, Roles: []string{"sre"}},
			decisions:  []Decision{approve("alice", head, content), {Identity: "alice", Verdict: "lgtm", Commit: head}},
			status:     StatusSatisfied,
			counted:    []string{"alice"},
			roles:      []string{"sre"},
			notCounted: map[string][]string{"alice": {`unknown verdict "lgtm"`}},
		},
		{
			name:       "reason priority: agent before author and role",
			rule:       schemas.Rule{Name: "r", Count: 1, Roles: []string{"security"}},
			author:     "deploy-agent",
			decisions:  []Decision{approve("deploy-agent", old, "")},
			status:     StatusPending,
			needed:     1,
			notCounted: map[string][]string{"deploy-agent": {ReasonAgent}},
		},
		{
			name:       "reason priority: author before role and commit",
			rule:       schemas.Rule{Name: "r", Count: 1, Roles: []string{"security"}},
			decisions:  []Decision{approve("dave", old, "")},
			status:     StatusPending,
			needed:     1,
			notCounted: map[string][]string{"dave": {ReasonAuthor}},
		},
		{
			name:       "reason priority: role before older commit before superseded",
			rule:       schemas.Rule{Name: "r", Count: 1, Roles: []string{"security"}},
			decisions:  []Decision{approve("alice", old, ""), approve("carol", old, ""), approve("carol", head, content)},
			status:     StatusSatisfied,
			counted:    []string{"carol"},
			roles:      []string{"security"},
			notCounted: map[string][]string{"alice": {"not in role security"}, "carol": {ReasonOlderCommit}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts([]schemas.Rule{tt.rule}, tt.decisions...)
			if tt.author != "" {
				f.Author = tt.author
			}
			got := Evaluate(f).Children[0]
			if got.Status != tt.status {
				t.Errorf("status = %s, want %s (%s)", got.Status, tt.status, got.Description)
			}
			if got.Needed != tt.needed {
				t.Errorf("needed = %d, want %d", got.Needed, tt.needed)
			}
			if !reflect.DeepEqual(names(got.Counted), tt.counted) {
				t.Errorf("counted = %v, want %v", names(got.Counted), tt.counted)
			}
			var roles []string
			for _, v := range got.Counted {
				roles = append(roles, v.Role)
			}
			if !reflect.DeepEqual(roles, tt.roles) {
				t.Errorf("roles = %v, want %v", roles, tt.roles)
			}
			if tt.notCounted != nil && !reflect.DeepEqual(reasons(got.NotCounted), tt.notCounted) {
				t.Errorf("not counted = %v, want %v", reasons(got.NotCounted), tt.notCounted)
			}
			if !reflect.DeepEqual(names(got.Blockers), tt.blockers) {
				t.Errorf("blockers = %v, want %v", names(got.Blockers), tt.blockers)
			}
			if tt.description != "" && got.Description != tt.description {
				t.Errorf("description = %q, want %q", got.Description, tt.description)
			}
		})
	}
}

func TestBlockerCarriesJustification(t *testing.T) {
	f := facts([]schemas.Rule{{Name: "sre-pair", Count: 1, Roles: []string{"sre"}}}, reject("bob", old, "outside the change window"))
	got := Evaluate(f)
	if got.Status != StatusBlocked {
		t.Fatalf("policy status = %s, want blocked", got.Status)
	}
	b := got.Children[0].Blockers
	if len(b) != 1 || b[0].Reason != "outside the change window" || b[0].Role != "sre" || b[0].Commit != old {
		t.Fatalf("blockers = %+v", b)
	}
	if want := "rejected by bob (rule sre-pair): outside the change window"; got.Description != want {
		t.Errorf("description = %q, want %q", got.Description, want)
	}
}

func TestDuplicateIdentityIsNotTrusted(t *testing.T) {
	f := facts([]schemas.Rule{{Name: "r", Count: 1, Roles: []string{"sre"}}}, approve("alice", head, content))
	f.Identities = append(f.Identities, human("alice", "dev"))
	got := Evaluate(f).Children[0]
	if got.Status != StatusPending || len(got.NotCounted) != 1 || got.NotCounted[0].Reason != ReasonDuplicateIdentity {
		t.Fatalf("got %s %+v", got.Status, got.NotCounted)
	}
}

// TestApprovalBindsToThePlanShown: an approval or override that records
// the digest of the plan its decider was shown counts only on that plan;
// one that records none binds by commit and content alone, and a
// rejection blocks whatever plan it saw.
func TestApprovalBindsToThePlanShown(t *testing.T) {
	const shown, now = "sha256:aaaa", "sha256:bbbb"
	withPlan := func(d Decision, plan string) Decision { d.Plan = plan; return d }
	one := []schemas.Rule{{Name: "sre", Count: 1, Roles: []string{"sre"}}}
	tests := []struct {
		name     string
		decision Decision
		plan     string
		status   Status
		reason   string
	}{
		{"same plan counts", withPlan(approve("alice", head, content), shown), shown, StatusSatisfied, ""},
		{"another plan does not count", withPlan(approve("alice", head, content), shown), now, StatusPending, ReasonOtherPlan},
		{"no plan recorded binds by content", approve("alice", head, content), now, StatusSatisfied, ""},
		{"a rejection on another plan still blocks", withPlan(reject("alice", head, "no"), shown), now, StatusBlocked, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(one, tt.decision)
			f.Plan = tt.plan
			got := Evaluate(f)
			if got.Status != tt.status {
				t.Fatalf("status = %s, want %s (%s)", got.Status, tt.status, got.Description)
			}
			if tt.reason != "" {
				nc := got.Children[0].NotCounted
				if len(nc) != 1 || nc[0].Reason != tt.reason {
					t.Fatalf("not counted = %+v, want %q", nc, tt.reason)
				}
			}
		})
	}
	t.Run("an override of another plan does not stand", func(t *testing.T) {
		f := facts([]schemas.Rule{{Name: "sre", Count: 2, Roles: []string{"sre"}}},
			withPlan(override("alice", head, "outage"), shown))
		f.Plan, f.Overridable = shown, true
		for i := range f.Identities {
			if f.Identities[i].Name == "alice" {
				f.Identities[i].Capabilities = []string{CapabilityOverride}
			}
		}
		if got := Evaluate(f); got.Override == nil {
			t.Fatalf("control: the override must stand on the plan it saw")
		}
		f.Decisions[0].Plan = shown
		f.Plan = now
		if got := Evaluate(f); got.Override != nil || !hasReason(got.Ignored, ReasonOverrideOtherPlan) {
			t.Fatalf("override = %+v, ignored = %+v", got.Override, got.Ignored)
		}
	})
}

func hasReason(votes []Vote, reason string) bool {
	for _, v := range votes {
		if v.Reason == reason {
			return true
		}
	}
	return false
}
