package schemas

import (
	"bytes"
	"strings"
	"testing"
)

// ruleWith is the mini repo's governance policy with its rule's count
// replaced by body (indented as the rule's fields, from line 4 on).
func ruleWith(body string) map[string]string {
	return map[string]string{polFile: "name: governance\nrules:\n  - name: two-sre\n    roles: [sre]\n" + body}
}

// withLevels is the mini repo's writ.yaml with alice at trust level 9.
func withLevels() string {
	return strings.Replace(miniRepo["writ.yaml"], "  - name: alice\n    kind: human\n", "  - name: alice\n    kind: human\n    trust_level: 9\n", 1)
}

// TestPolicyQuorumChecks: a rule says count or quorum, exactly one; a
// quorum uses the goal vocabulary, refuses what has no meaning for
// approvals (max, window, on_short, refutations) and says why, and the
// can-never-be-satisfied check reads the quorum.
func TestPolicyQuorumChecks(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  want
	}{
		{"count and quorum", ruleWith("    count: 1\n    quorum: {mode: single}\n"),
			want{polFile, 3, 5, "rules[0]", "set exactly one of count, quorum (found count and quorum)"}},
		{"neither count nor quorum", ruleWith(""),
			want{polFile, 3, 5, "rules[0]", "set exactly one of count, quorum"}},
		{"an unknown mode", ruleWith("    quorum:\n      mode: most\n"),
			want{polFile, 6, 13, "rules[0].quorum.mode", "invalid value \"most\" (allowed: single, multi, any)"}},
		{"max", ruleWith("    quorum:\n      mode: multi\n      min: 2\n      max: 3\n"),
			want{polFile, 8, 12, "rules[0].quorum.max", "max is meaningless for approvals: every approval from a distinct eligible human counts and more never undo a quorum; remove max"}},
		{"window", ruleWith("    quorum:\n      mode: multi\n      window: 1d\n"),
			want{polFile, 7, 15, "rules[0].quorum.window", "time limits on approvals are not supported yet: remove window; the rule waits for its approvals"}},
		{"on_short", ruleWith("    quorum:\n      mode: multi\n      on_short: fail\n"),
			want{polFile, 7, 17, "rules[0].quorum.on_short", "time limits on approvals are not supported yet: remove on_short; the rule waits for its approvals"}},
		{"refutations", ruleWith("    quorum:\n      mode: single\n      refutations: 1\n"),
			want{polFile, 7, 20, "rules[0].quorum.refutations", "refutations is for goal quorums: in a policy one rejection by an eligible human blocks the rule; remove refutations"}},
		{"any without trust_level", ruleWith("    quorum:\n      mode: any\n"),
			want{polFile, 6, 7, "rules[0].quorum", "mode any needs trust_level: the lowest trust level (1 to 10) whose approval alone satisfies the rule"}},
		{"trust_level outside any", ruleWith("    quorum:\n      mode: multi\n      trust_level: 5\n"),
			want{polFile, 7, 20, "rules[0].quorum.trust_level", "trust_level is only for mode any; this quorum's mode is multi (use min_trust_level to count only humans at a level)"}},
		{"min outside multi", ruleWith("    quorum:\n      mode: single\n      min: 2\n"),
			want{polFile, 7, 12, "rules[0].quorum.min", "min is only for mode multi; this quorum's mode is single"}},
		{"min below 1", ruleWith("    quorum:\n      min: 0\n"),
			want{polFile, 6, 12, "rules[0].quorum.min", "must be at least 1, got 0"}},
		{"trust_level out of range", ruleWith("    quorum:\n      mode: any\n      trust_level: 11\n"),
			want{polFile, 7, 20, "rules[0].quorum.trust_level", "must be at most 10, got 11"}},
		{"a multi quorum more than the eligible humans", ruleWith("    quorum:\n      min: 3\n"),
			want{polFile, 6, 7, "rules[0].quorum", "rule \"two-sre\" can never be satisfied: it needs 3 approvals but only 2 human identities are eligible (alice, bob)"}},
		{"the default min of a multi quorum", map[string]string{"writ.yaml": withLevels(), polFile: ruleWith("    quorum: {}\n    min_trust_level: 9\n")[polFile]},
			want{polFile, 5, 13, "rules[0].quorum", "it needs 2 approvals but only 1 human identities are eligible (alice) at trust_level 9 or above"}},
		{"an any quorum nobody reaches", ruleWith("    quorum:\n      mode: any\n      trust_level: 9\n"),
			want{polFile, 6, 7, "rules[0].quorum", "rule \"two-sre\" can never be satisfied: no human identity is eligible to approve at trust_level 9 or above"}},
		{"an any quorum above everyone's level", map[string]string{"writ.yaml": withLevels(), polFile: ruleWith("    quorum:\n      mode: any\n      trust_level: 10\n")[polFile]},
			want{polFile, 6, 7, "rules[0].quorum", "no human identity is eligible to approve at trust_level 10 or above"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(tt.files))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
}

// TestPolicyQuorumValid: quorums that make sense for approvals load.
func TestPolicyQuorumValid(t *testing.T) {
	tests := []struct {
		name, cfg, body string
		want            Quorum
	}{
		{"single", "", "    quorum: {mode: single}\n", Quorum{Mode: QuorumSingle}},
		{"multi", "", "    quorum: {mode: multi, min: 2}\n", Quorum{Mode: QuorumMulti, Min: 2}},
		{"multi by default", "", "    quorum: {}\n", Quorum{}},
		{"any reached by alice", withLevels(), "    quorum: {mode: any, trust_level: 9}\n", Quorum{Mode: QuorumAny, TrustLevel: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := ruleWith(tt.body)
			if tt.cfg != "" {
				files["writ.yaml"] = tt.cfg
			}
			if ps := ValidateRepo(repo(files)); len(ps) > 0 {
				t.Fatal(ps)
			}
			p, ps := LoadPolicy(polFile, []byte(files[polFile]))
			if len(ps) > 0 {
				t.Fatal(ps)
			}
			if q := p.Rules[0].Quorum; q == nil || *q != tt.want || p.Rules[0].Count != 0 {
				t.Fatalf("rule %+v, want quorum %+v", p.Rules[0], tt.want)
			}
		})
	}
}

// TestRuleApprovalsAndAdmits: how many approvals a rule needs, and whose
// approval it may count, with count or with each quorum mode.
func TestRuleApprovalsAndAdmits(t *testing.T) {
	alice := Identity{Name: "alice", Kind: IdentityHuman, Roles: []string{"sre"}, TrustLevel: 3}
	bob := Identity{Name: "bob", Kind: IdentityHuman, Roles: []string{"sre"}, TrustLevel: 9}
	agent := Identity{Name: "bot", Kind: IdentityAgent, Roles: []string{"sre"}, TrustLevel: 10}
	rule := func(count int, q *Quorum, minLevel int) Rule {
		return Rule{Name: "r", Count: count, Quorum: q, Roles: []string{"sre"}, MinTrustLevel: minLevel}
	}
	tests := []struct {
		name      string
		rule      Rule
		approvals int
		level     int
		admits    []bool // alice, bob, agent
	}{
		{"count", rule(3, nil, 0), 3, 0, []bool{true, true, false}},
		{"count with a minimum level", rule(1, nil, 5), 1, 5, []bool{false, true, false}},
		{"single", rule(0, &Quorum{Mode: QuorumSingle}, 0), 1, 0, []bool{true, true, false}},
		{"multi", rule(0, &Quorum{Mode: QuorumMulti, Min: 4}, 0), 4, 0, []bool{true, true, false}},
		{"multi by default", rule(0, &Quorum{}, 0), DefaultQuorumMin, 0, []bool{true, true, false}},
		{"any", rule(0, &Quorum{Mode: QuorumAny, TrustLevel: 8}, 0), 1, 8, []bool{false, true, false}},
		{"any below the minimum level", rule(0, &Quorum{Mode: QuorumAny, TrustLevel: 2}, 5), 1, 5, []bool{false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rule.Approvals(); got != tt.approvals {
				t.Errorf("Approvals() = %d, want %d", got, tt.approvals)
			}
			if got := tt.rule.ApprovalTrustLevel(); got != tt.level {
				t.Errorf("ApprovalTrustLevel() = %d, want %d", got, tt.level)
			}
			for i, id := range []Identity{alice, bob, agent} {
				if got := tt.rule.Admits(id); got != tt.admits[i] {
					t.Errorf("Admits(%s) = %v, want %v", id.Name, got, tt.admits[i])
				}
			}
		})
	}
}

// TestRuleQuorumCanonicalJSON: a count rule's canonical JSON has no quorum
// (so the rules hash of every existing bundle stands), and a quorum is
// part of a policy's canonical JSON (so a policy's version, and every plan
// digest over it, changes with it).
func TestRuleQuorumCanonicalJSON(t *testing.T) {
	count := Policy{Name: "p", Rules: []Rule{{Name: "r", Count: 1, Roles: []string{"sre"}}}}
	b, err := CanonicalJSON(count)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"p","rules":[{"count":1,"name":"r","roles":["sre"]}]}`; string(b) != want {
		t.Fatalf("canonical JSON of a count rule:\n%s\nwant\n%s", b, want)
	}
	var versions [][]byte
	for _, q := range []*Quorum{{Mode: QuorumSingle}, {Mode: QuorumAny, TrustLevel: 8}, {Mode: QuorumAny, TrustLevel: 9}} {
		p := Policy{Name: "p", Rules: []Rule{{Name: "r", Quorum: q, Roles: []string{"sre"}}}}
		b, err := CanonicalJSON(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range versions {
			if bytes.Equal(v, b) {
				t.Fatalf("two quorums give the same canonical JSON %s", b)
			}
		}
		versions = append(versions, b)
	}
}
