package schemas

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const goalFile = "goals/patch-cve.yaml"

// goalYAML is a valid goal using every field; tests edit one line of it.
const goalYAML = `name: patch-cve
owner: platform
terminal:
  type: patch-cve
  payload:
    cve: CVE-2026-1234
max_depth: 8
quorum:
  mode: multi
  min: 2
  max: 3
  on_short: proceed-degraded
  window: 30m
  refutations: 1
stall_after: 3d
capabilities:
  attempt: [attempt-goal]
  declare: [declare-block]
  confirm: [confirm-block]
  refute: [refute-block]
  resolve: [resolve-block]
policy: governance
min_trust_level:
  confirm: 3
  resolve: 7
`

// goalCfg is miniRepo's writ.yaml with the goal capabilities and trust
// levels: alice (7) may do everything, bob (3) may confirm and refute.
var goalCfg = strings.NewReplacer(
	"    kind: human\n    roles: [sre]\n    signers:\n      - ssh: "+keyAlice,
	"    kind: human\n    roles: [sre]\n    capabilities: [attempt-goal, declare-block, confirm-block, refute-block, resolve-block]\n    trust_level: 7\n    signers:\n      - ssh: "+keyAlice,
	"    kind: human\n    roles: [sre]\n    signers:\n      - ssh: "+keyBob,
	"    kind: human\n    roles: [sre]\n    capabilities: [confirm-block, refute-block]\n    trust_level: 3\n    signers:\n      - ssh: "+keyBob,
).Replace(miniRepo["writ.yaml"])

// goalRepo is miniRepo with goalCfg and the goal file replaced by goal.
func goalRepo(goal string) map[string]string {
	return map[string]string{"writ.yaml": goalCfg, goalFile: goal}
}

// edit replaces old with new in goalYAML, failing loudly when old is not there.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	out := goalYAML
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(out, pairs[i]) {
			t.Fatalf("goalYAML holds no %q", pairs[i])
		}
		out = strings.Replace(out, pairs[i], pairs[i+1], 1)
	}
	return out
}

func TestGoodGoalsLoad(t *testing.T) {
	tests := []struct {
		name string
		goal string
	}{
		{"every field", goalYAML},
		{"only what is required", "name: g\nowner: o\nterminal:\n  type: t\ncapabilities:\n  attempt: [attempt-goal]\n  declare: [declare-block]\n  confirm: [confirm-block]\n  refute: [refute-block]\n  resolve: [resolve-block]\n"},
		{"single", strings.Replace(goalYAML, "  mode: multi\n  min: 2\n  max: 3\n  on_short: proceed-degraded\n", "  mode: single\n", 1)},
		{"any", strings.Replace(goalYAML, "  mode: multi\n  min: 2\n  max: 3\n  on_short: proceed-degraded\n", "  mode: any\n  trust_level: 7\n", 1)},
		{"multi wait", strings.Replace(goalYAML, "on_short: proceed-degraded", "on_short: wait", 1)},
		{"multi fail", strings.Replace(goalYAML, "on_short: proceed-degraded", "on_short: fail", 1)},
		{"depth limits", strings.Replace(goalYAML, "max_depth: 8", "max_depth: 64", 1)},
		{"compound durations", strings.Replace(strings.Replace(goalYAML, "window: 30m", "window: 1d12h30m", 1), "stall_after: 3d", "stall_after: 2w", 1)},
		{"scoped capability", strings.NewReplacer("confirm: [confirm-block]", "confirm: [confirm-block, confirm-block:cve]", "capabilities: [confirm-block, refute-block]", "capabilities: [confirm-block, confirm-block:cve, refute-block]").Replace(goalYAML)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := goalRepo(tt.goal)
			if strings.Contains(tt.goal, "confirm-block:cve") {
				files["writ.yaml"] = strings.Replace(goalCfg, "capabilities: [confirm-block, refute-block]", "capabilities: [confirm-block, confirm-block:cve, refute-block]", 1)
			}
			if ps := ValidateRepo(repo(files)); len(ps) > 0 {
				t.Fatalf("want no problems, got:\n%s", ps.Error())
			}
			b, ps := LoadBundle(repo(files))
			if len(ps) > 0 || len(b.Goals) != 1 {
				t.Fatalf("LoadBundle: %d goals, problems:\n%v", len(b.Goals), ps)
			}
		})
	}
}

func TestGoalSemanticChecks(t *testing.T) {
	multi := "  mode: multi\n  min: 2\n  max: 3\n  on_short: proceed-degraded\n"
	tests := []struct {
		name  string
		files map[string]string
		want  want
	}{
		{"max_depth zero", goalRepo(edit(t, "max_depth: 8", "max_depth: 0")),
			want{goalFile, 7, 12, "max_depth", "max_depth 0 is out of range: use 1 to 64 (default 16)"}},
		{"max_depth too deep", goalRepo(edit(t, "max_depth: 8", "max_depth: 65")),
			want{goalFile, 7, 12, "max_depth", "max_depth 65 is out of range"}},
		{"min zero", goalRepo(edit(t, "min: 2", "min: 0")),
			want{goalFile, 10, 8, "quorum.min", "min is 0; it must be at least 1"}},
		{"refutations zero", goalRepo(edit(t, "refutations: 1", "refutations: 0")),
			want{goalFile, 14, 16, "quorum.refutations", "refutations is 0; it must be at least 1"}},
		{"max below min", goalRepo(edit(t, "max: 3", "max: 1")),
			want{goalFile, 11, 8, "quorum.max", "max 1 is below min 2"}},
		{"max below default min", goalRepo(edit(t, "  min: 2\n", "", "max: 3", "max: 1")),
			want{goalFile, 10, 8, "quorum.max", "max 1 is below min 2"}},
		{"bad window", goalRepo(edit(t, "window: 30m", "window: 30 minutes")),
			want{goalFile, 13, 11, "quorum.window", `invalid duration "30 minutes": write whole numbers with units w, d, h, m or s`}},
		{"zero window", goalRepo(edit(t, "window: 30m", "window: 0s")),
			want{goalFile, 13, 11, "quorum.window", "longer than zero"}},
		{"units out of order", goalRepo(edit(t, "stall_after: 3d", "stall_after: 3h1d")),
			want{goalFile, 15, 14, "stall_after", `invalid duration "3h1d"`}},
		{"window too long", goalRepo(edit(t, "window: 30m", "window: 99999999999d")),
			want{goalFile, 13, 11, "quorum.window", "longer than the limit of 3650d"}},
		{"on_short without window", goalRepo(edit(t, "  window: 30m\n", "")),
			want{goalFile, 12, 13, "quorum.on_short", "on_short needs a window"}},
		{"min in single", goalRepo(edit(t, "mode: multi", "mode: single")),
			want{goalFile, 10, 8, "quorum.min", "min is only for mode multi; this quorum's mode is single"}},
		{"on_short in any", goalRepo(edit(t, multi, "  mode: any\n  trust_level: 5\n  on_short: wait\n")),
			want{goalFile, 11, 13, "quorum.on_short", "on_short is only for mode multi; this quorum's mode is any"}},
		{"trust_level in multi", goalRepo(edit(t, "  refutations: 1\n", "  refutations: 1\n  trust_level: 4\n")),
			want{goalFile, 15, 16, "quorum.trust_level", "trust_level is only for mode any; this quorum's mode is multi"}},
		{"any without trust_level", goalRepo(edit(t, multi, "  mode: any\n")),
			want{goalFile, 9, 3, "quorum", "mode any needs trust_level"}},
		{"any trust_level out of range", goalRepo(edit(t, multi, "  mode: any\n  trust_level: 11\n")),
			want{goalFile, 10, 16, "quorum.trust_level", "trust_level 11 is out of range: use 1 to 10"}},
		{"malformed capability", goalRepo(edit(t, "refute: [refute-block]", "refute: [Refute_Block]")),
			want{goalFile, 20, 12, "capabilities.refute[0]", `capability "Refute_Block" is not well formed`}},
		{"duplicate capability", goalRepo(edit(t, "attempt: [attempt-goal]", "attempt: [attempt-goal, attempt-goal]")),
			want{goalFile, 17, 27, "capabilities.attempt[1]", `duplicate capability "attempt-goal"`}},
		{"unknown policy", goalRepo(edit(t, "policy: governance", "policy: goal-approvers")),
			want{goalFile, 22, 9, "policy", `unknown policy "goal-approvers" (policies: governance)`}},
		{"capability nobody carries", goalRepo(edit(t, "resolve: [resolve-block]", "resolve: [resolve-blocks]")),
			want{goalFile, 21, 13, "capabilities.resolve[0]", `no identity in writ.yaml carries capability "resolve-blocks", so it lets nobody resolve`}},
		{"multi quorum out of reach", goalRepo(edit(t, "min: 2", "min: 3", "max: 3", "max: 4", "on_short: proceed-degraded", "on_short: wait")),
			want{goalFile, 9, 3, "quorum", "the quorum needs 3 confirmations from distinct identities but only 2 may confirm at trust_level 3 or above (identities: alice, bob)"}},
		{"default quorum out of reach", map[string]string{"writ.yaml": strings.Replace(goalCfg, "capabilities: [confirm-block, refute-block]", "capabilities: [refute-block]", 1),
			goalFile: "name: g\nowner: o\nterminal:\n  type: t\ncapabilities:\n  attempt: [attempt-goal]\n  declare: [declare-block]\n  confirm: [confirm-block]\n  refute: [refute-block]\n  resolve: [resolve-block]\n"},
			want{goalFile, 1, 7, "name", "needs 2 confirmations from distinct identities but only 1 may confirm"}},
		{"any quorum out of reach", goalRepo(edit(t, multi, "  mode: any\n  trust_level: 8\n")),
			want{goalFile, 9, 3, "quorum", "no identity that may confirm (identities: alice, bob) has trust_level 8 or more"}},
		{"duplicate goal across files", map[string]string{"writ.yaml": goalCfg, goalFile: goalYAML, "goals/again.yml": goalYAML},
			want{goalFile, 1, 7, "name", `duplicate goal name "patch-cve" (first in goals/again.yml:1:7)`}},
		{"unknown field", goalRepo(edit(t, "stall_after: 3d", "stall_afer: 3d")),
			want{goalFile, 15, 1, "stall_afer", `unknown field "stall_afer" (did you mean "stall_after"?)`}},
		{"bad mode", goalRepo(edit(t, "mode: multi", "mode: majority")),
			want{goalFile, 9, 9, "quorum.mode", "single"}},
		{"missing terminal", goalRepo(edit(t, "terminal:\n  type: patch-cve\n  payload:\n    cve: CVE-2026-1234\n", "")),
			want{goalFile, 1, 1, "(root)", `missing required field "terminal"`}},
		{"min_trust_level zero", goalRepo(edit(t, "confirm: 3", "confirm: 0")),
			want{goalFile, 24, 12, "min_trust_level.confirm", "trust_level 0 is out of range: use 1 to 10"}},
		{"min_trust_level too high", goalRepo(edit(t, "resolve: 7", "resolve: 11")),
			want{goalFile, 25, 12, "min_trust_level.resolve", "trust_level 11 is out of range: use 1 to 10"}},
		{"min_trust_level unknown action", goalRepo(edit(t, "  confirm: 3\n", "  confrim: 3\n")),
			want{goalFile, 24, 3, "min_trust_level.confrim", `unknown field "confrim" (did you mean "confirm"?)`}},
		{"min_trust_level not a number", goalRepo(edit(t, "resolve: 7", "resolve: high")),
			want{goalFile, 25, 12, "min_trust_level.resolve", "integer"}},
		{"min_trust_level out of reach", goalRepo(edit(t, "resolve: 7", "resolve: 8")),
			want{goalFile, 25, 12, "min_trust_level.resolve", "no identity that may resolve (identities: alice) has trust_level 8 or more: nobody could ever resolve"}},
		{"min_trust_level leaves the quorum out of reach", goalRepo(edit(t, "on_short: proceed-degraded", "on_short: wait", "confirm: 3", "confirm: 5")),
			want{goalFile, 9, 3, "quorum", "the quorum needs 2 confirmations from distinct identities but only 1 may confirm at trust_level 5 or above (identities: alice)"}},
		{"goal named like a workflow", goalRepo(edit(t, "name: patch-cve", "name: deploy")),
			want{goalFile, 1, 7, "name", `goal name "deploy" is also the name of a workflow (workflows/deploy.yaml:1:7): names of goals and workflows share one namespace, since a proposal's workflow field names either; rename the goal or the workflow`}},
		{"goal named rules", goalRepo(edit(t, "name: patch-cve", "name: rules")),
			want{goalFile, 1, 7, "name", `goal name "rules" is reserved for rule changes; rename the goal`}},
		{"trust_level out of range in writ.yaml", map[string]string{"writ.yaml": strings.Replace(goalCfg, "trust_level: 3", "trust_level: 0", 1), goalFile: goalYAML},
			want{"writ.yaml", 20, 18, "identities[1].trust_level", "trust_level 0 is out of range: use 1 to 10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(tt.files))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
}

// TestGoalRoundTrip: a loaded goal encodes to JSON that the goal schema
// accepts and that decodes to the same goal, and its defaults are those the
// file left out.
func TestGoalRoundTrip(t *testing.T) {
	for _, src := range []string{goalYAML, "name: g\nowner: o\nterminal:\n  type: t\ncapabilities:\n  attempt: [a]\n  declare: [d]\n  confirm: [c]\n  refute: [r]\n  resolve: [s]\n"} {
		g, ps := LoadGoal(goalFile, []byte(src))
		if len(ps) > 0 {
			t.Fatalf("LoadGoal: %v", ps)
		}
		canon, err := CanonicalJSON(g)
		if err != nil {
			t.Fatal(err)
		}
		again, ps := LoadGoal("goals/again.yaml", canon) // JSON is YAML
		if len(ps) > 0 {
			t.Fatalf("canonical JSON does not load back: %v\n%s", ps, canon)
		}
		if !reflect.DeepEqual(g, again) {
			t.Errorf("round trip changed the goal:\n%#v\n%#v", g, again)
		}
		canon2, _ := CanonicalJSON(again)
		if string(canon) != string(canon2) {
			t.Errorf("canonical JSON differs after a round trip:\n%s\n%s", canon, canon2)
		}
	}
	g, _ := LoadGoal(goalFile, []byte(goalYAML))
	if g.Terminal.Payload["cve"] != "CVE-2026-1234" || g.Depth() != 8 || g.Policy != "governance" {
		t.Errorf("loaded goal lost fields: %+v", g)
	}
	for a, want := range map[GoalAction]int{ActionAttempt: 0, ActionDeclare: 0, ActionConfirm: 3, ActionRefute: 0, ActionResolve: 7} {
		if got := g.MinTrust(a); got != want {
			t.Errorf("MinTrust(%s) = %d, want %d", a, got, want)
		}
		if got := (&Goal{}).MinTrust(a); got != 0 {
			t.Errorf("a goal without min_trust_level: MinTrust(%s) = %d, want 0", a, got)
		}
	}
	if q := g.QuorumOrDefault(); q != (Quorum{Mode: QuorumMulti, Min: 2, Max: 3, OnShort: OnShortProceedDegraded, Window: "30m", Refutations: 1}) {
		t.Errorf("quorum = %+v", q)
	}
	bare := &Goal{}
	if bare.Depth() != 16 {
		t.Errorf("default max_depth = %d, want 16", bare.Depth())
	}
	if q := bare.QuorumOrDefault(); q != (Quorum{Mode: QuorumMulti, Min: 2, OnShort: OnShortWait, Refutations: 1}) {
		t.Errorf("default quorum = %+v", q)
	}
	if q := (&Goal{Quorum: &Quorum{Mode: QuorumAny, TrustLevel: 5}}).QuorumOrDefault(); q != (Quorum{Mode: QuorumAny, TrustLevel: 5, Refutations: 1}) {
		t.Errorf("any quorum defaults = %+v", q)
	}
	raw, _ := json.Marshal(bare)
	if strings.Contains(string(raw), "max_depth") || strings.Contains(string(raw), "quorum") {
		t.Errorf("unset fields are encoded: %s", raw)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"30m", 30 * time.Minute, ""},
		{"3d", 72 * time.Hour, ""},
		{"1w", 7 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"90s", 90 * time.Second, ""},
		{"3650d", MaxDuration, ""},
		{"3651d", 0, "limit"},
		{"0m", 0, "longer than zero"},
		{"", 0, "units"},
		{"30", 0, "units"},
		{"m", 0, "units"},
		{"1h1h", 0, "units"},
		{"1m1h", 0, "units"},
		{"1.5h", 0, "units"},
		{"-1h", 0, "units"},
		{"1y", 0, "units"},
		{"99999999999999999999999s", 0, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseDuration(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestGoalsAreRules: goals/ is a rules directory, its files are goals for
// editors and tools, and writ schema lists the goal kind.
func TestGoalsAreRules(t *testing.T) {
	if !IsRulesPath("goals/patch-cve.yaml") || !IsGovernedPath("goals/patch-cve.yaml") {
		t.Error("goals/*.yaml is not a rules path")
	}
	if k, ok := KindOfPath("goals/patch-cve.yaml"); !ok || k != KindGoal {
		t.Errorf("KindOfPath(goals/patch-cve.yaml) = %q, %v", k, ok)
	}
	if _, ok := KindOfPath("goals/sub/x.yaml"); ok {
		t.Error("a goal in a subdirectory has a kind")
	}
	if doc, ok := SchemaDoc("goal"); !ok || !strings.Contains(string(doc), `"goal.schema.json"`) && !strings.Contains(string(doc), "goal.schema.json") {
		t.Error("no embedded goal schema")
	}
	files, err := ReadRules(repo(goalRepo(goalYAML)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files[goalFile]; !ok {
		t.Errorf("ReadRules does not read %s", goalFile)
	}
}
