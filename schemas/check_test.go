package schemas

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// wf builds a workflow file from states and transitions YAML.
func wf(name, states, transitions string) string {
	return "name: " + name + "\nstates:\n" + states + "transitions:\n" + transitions
}

const (
	twoStates = "  - name: pending\n  - name: done\n    terminal: true\n"
	twoSteps  = "  - name: open\n    to: pending\n  - name: finish\n    from: [pending]\n    to: done\n"
	wfFile    = "workflows/deploy.yaml"
	polFile   = "policies/governance.yaml"
)

func TestSemanticChecks(t *testing.T) {
	cfg := miniRepo["writ.yaml"]
	tests := []struct {
		name  string
		files map[string]string
		want  want
	}{
		// writ.yaml
		{"duplicate role", map[string]string{"writ.yaml": strings.Replace(cfg, "roles: [sre]\nidentities", "roles: [sre, sre]\nidentities", 1)},
			want{"writ.yaml", 7, 14, "roles[1]", `duplicate role "sre" (first at line 7)`}},
		{"duplicate identity", map[string]string{"writ.yaml": strings.Replace(cfg, "name: bob", "name: alice", 1)},
			want{"writ.yaml", 14, 11, "identities[1].name", `duplicate identity "alice" (first at line 9)`}},
		{"unknown role in identity", map[string]string{"writ.yaml": strings.Replace(cfg, "    roles: [sre]\n    signers:\n      - ssh: "+keyBob, "    roles: [dba]\n    signers:\n      - ssh: "+keyBob, 1)},
			want{"writ.yaml", 16, 13, "identities[1].roles[0]", `unknown role "dba" (roles: sre)`}},
		{"unknown reconciler", map[string]string{"writ.yaml": strings.Replace(cfg, "identity: bot", "identity: robot", 1)},
			want{"writ.yaml", 4, 13, "reconciler.identity", `unknown identity "robot"`}},
		{"unknown governance policy", map[string]string{"writ.yaml": strings.Replace(cfg, "policy: governance", "policy: gov", 1)},
			want{"writ.yaml", 6, 11, "governance.policy", `unknown policy "gov" (policies: governance)`}},
		{"bad ssh key", map[string]string{"writ.yaml": strings.Replace(cfg, keyBob, "ssh-ed25519 AAAA", 1)},
			want{"writ.yaml", 18, 14, "identities[1].signers[0].ssh", "signer 0: invalid SSH public key"}},
		{"two keys in one signer", map[string]string{"writ.yaml": strings.Replace(cfg, keyBob, `"`+keyBob+`\n`+keyBot+`"`, 1)},
			want{"writ.yaml", 18, 14, "identities[1].signers[0].ssh", "more than one SSH key"}},
		{"shared ssh key", map[string]string{"writ.yaml": strings.Replace(cfg, keyBob, keyAlice, 1)},
			want{"writ.yaml", 18, 14, "identities[1].signers[0].ssh", `SSH key already belongs to identity "alice"`}},
		{"identity without signers", map[string]string{"writ.yaml": strings.Replace(cfg, "    signers:\n      - ssh: "+keyBob, "    signers: []", 1)},
			want{"writ.yaml", 17, 14, "identities[1].signers", "at least one item"}},

		// workflows
		{"duplicate workflow across files", map[string]string{"workflows/again.yml": miniRepo[wfFile]},
			want{wfFile, 1, 7, "name", `duplicate workflow name "deploy" (first in workflows/again.yml:1:7)`}},
		{"duplicate state", map[string]string{wfFile: wf("deploy", twoStates+"  - name: pending\n", twoSteps)},
			want{wfFile, 6, 11, "states[2].name", `duplicate state "pending" (first at line 3)`}},
		{"duplicate transition", map[string]string{wfFile: wf("deploy", twoStates, twoSteps+"  - name: open\n    to: done\n")},
			want{wfFile, 12, 11, "transitions[2].name", `duplicate transition "open"`}},
		{"unknown from", map[string]string{wfFile: wf("deploy", twoStates, strings.Replace(twoSteps, "[pending]", "[pendin]", 1))},
			want{wfFile, 10, 12, "transitions[1].from[0]", `unknown state "pendin" (states: pending, done)`}},
		{"unknown to", map[string]string{wfFile: wf("deploy", twoStates, strings.Replace(twoSteps, "to: done", "to: dne", 1))},
			want{wfFile, 11, 9, "transitions[1].to", `unknown state "dne"`}},
		{"transition out of terminal", map[string]string{wfFile: wf("deploy", twoStates, twoSteps+"  - name: reopen\n    from: [done]\n    to: pending\n")},
			want{wfFile, 13, 12, "transitions[2].from[0]", `leaves terminal state "done"`}},
		{"no creating transition", map[string]string{wfFile: wf("deploy", twoStates, "  - name: finish\n    from: [pending]\n    to: done\n")},
			want{wfFile, 7, 3, "transitions", "no transition creates an instance"}},
		{"unreachable state", map[string]string{wfFile: wf("deploy", twoStates+"  - name: limbo\n", twoSteps)},
			want{wfFile, 6, 11, "states[2].name", `state "limbo" is unreachable`}},
		{"reserved state", map[string]string{wfFile: wf("deploy", twoStates+"  - name: quarantined\n", twoSteps)},
			want{wfFile, 6, 11, "states[2].name", `"quarantined" is reserved`}},
		{"reserved transition", map[string]string{wfFile: wf("deploy", twoStates, twoSteps+"  - name: quarantine\n    from: [pending]\n    to: done\n")},
			want{wfFile, 12, 11, "transitions[2].name", `"quarantine" is reserved`}},
		{"unknown transition policy", map[string]string{wfFile: wf("deploy", twoStates, twoSteps+"    policy: ship-it\n")},
			want{wfFile, 12, 13, "transitions[1].policy", `unknown policy "ship-it" (policies: governance)`}},
		{"unknown quarantine policy", map[string]string{wfFile: wf("deploy", twoStates, twoSteps) + "quarantine:\n  policy: governance\n  release_policy: nope\n"},
			want{wfFile, 14, 19, "quarantine.release_policy", `unknown policy "nope"`}},
		{"duplicate region", map[string]string{wfFile: wf("deploy", parallel("t", "t"), parallelSteps)},
			want{wfFile, 10, 15, "states[1].regions[1].name", `duplicate region "t"`}},
		{"duplicate region state", map[string]string{wfFile: wf("deploy", strings.Replace(parallel("t", "u"), "[a, b]", "[a, b, a]", 1), parallelSteps)},
			want{wfFile, 7, 24, "states[1].regions[0].states[2]", `duplicate region state "a"`}},
		{"region initial not a state", map[string]string{wfFile: wf("deploy", strings.Replace(parallel("t", "u"), "initial: a", "initial: z", 1), parallelSteps)},
			want{wfFile, 8, 18, "states[1].regions[0].initial", `initial state "z" is not one of region "t"'s states: a, b`}},
		{"unknown region", map[string]string{wfFile: wf("deploy", parallel("t", "u"), parallelSteps+"  - name: go\n    region: v\n    from: [a]\n    to: b\n")},
			want{wfFile, 35, 13, "transitions[5].region", `unknown region "v" (regions: t, u)`}},
		{"unknown region state", map[string]string{wfFile: wf("deploy", parallel("t", "u"), parallelSteps+"  - name: go\n    region: t\n    from: [a]\n    to: c\n")},
			want{wfFile, 37, 9, "transitions[5].to", `unknown state "c" in region "t" (states: a, b)`}},
		{"join from a plain state", map[string]string{wfFile: wf("deploy", parallel("t", "u"), strings.Replace(parallelSteps, "from: [p]\n    to: q", "from: [p]\n    to: q\n    join: true", 1))},
			want{wfFile, 20, 12, "transitions[1].from[0]", `join: true needs every from state to be parallel, but "p" has no regions`}},
		{"unreachable region state", map[string]string{wfFile: wf("deploy", parallel("t", "u"), strings.Replace(parallelSteps, "  - name: t-done\n    region: t\n    from: [a]\n    to: b\n", "", 1))},
			want{wfFile, 7, 21, "states[1].regions[0].states[1]", `state "b" of region "t" is unreachable from its initial state "a"`}},
		{"on_reject to an unknown state", map[string]string{wfFile: wf("deploy", twoStates, twoSteps+"    policy: governance\n    on_reject: limbo\n")},
			want{wfFile, 13, 16, "transitions[1].on_reject", `unknown state "limbo" (states: pending, done)`}},
		{"on_reject without a policy", map[string]string{wfFile: wf("deploy", twoStates, twoSteps+"    on_reject: pending\n")},
			want{wfFile, 12, 16, "transitions[1].on_reject", "on_reject needs policy"}},
		{"on_reject on a region transition", map[string]string{wfFile: wf("deploy", parallel("t", "u"), strings.Replace(parallelSteps, "    region: t\n    from: [a]\n    to: b\n", "    region: t\n    from: [a]\n    to: b\n    on_reject: a\n", 1))},
			want{wfFile, 26, 16, "transitions[2].on_reject", "on_reject applies to transitions between top-level states"}},
		{"invalid guard regexp", map[string]string{wfFile: wf("deploy", twoStates, twoSteps+"    guards:\n      - input: ref\n        matches: \"(\"\n")},
			want{wfFile, 14, 18, "transitions[1].guards[0].matches", "invalid regular expression"}},

		// policies
		{"duplicate policy across files", map[string]string{"policies/other.yaml": miniRepo[polFile]},
			want{"policies/other.yaml", 1, 7, "name", `duplicate policy name "governance" (first in policies/governance.yaml:1:7)`}},
		{"duplicate rule", map[string]string{polFile: miniRepo[polFile] + "  - name: two-sre\n    count: 1\n"},
			want{polFile, 6, 11, "rules[1].name", `duplicate rule "two-sre"`}},
		{"unknown role in rule", map[string]string{polFile: strings.Replace(miniRepo[polFile], "[sre]", "[sre, ops]", 1)},
			want{polFile, 5, 18, "rules[0].roles[1]", `unknown role "ops" (roles: sre)`}},
		{"unknown identity in rule", map[string]string{polFile: miniRepo[polFile] + "    identities: [mallory]\n"},
			want{polFile, 6, 18, "rules[0].identities[0]", `unknown identity "mallory"`}},
		{"unknown rule in require", map[string]string{polFile: miniRepo[polFile] + "require:\n  any: [two-sre, three-sre]\n"},
			want{polFile, 7, 18, "require.any[1]", `unknown rule "three-sre" (rules: two-sre)`}},
		{"unknown rule object", map[string]string{polFile: miniRepo[polFile] + "require:\n  all:\n    - rule: two-sre\n    - rule: nope\n"},
			want{polFile, 9, 13, "require.all[1].rule", `unknown rule "nope"`}},
		{"unsatisfiable count", map[string]string{polFile: strings.Replace(miniRepo[polFile], "count: 2", "count: 3", 1)},
			want{polFile, 4, 12, "rules[0].count", "can never be satisfied: it needs 3 approvals but only 2 human identities are eligible (alice, bob)"}},
		{"a minimum trust level nobody reaches", map[string]string{polFile: miniRepo[polFile] + "    min_trust_level: 7\n"},
			want{polFile, 4, 12, "rules[0].count", "can never be satisfied: no human identity is eligible to approve at trust_level 7 or above"}},
		{"a minimum trust level out of range", map[string]string{polFile: miniRepo[polFile] + "    min_trust_level: 11\n"},
			want{polFile, 6, 22, "rules[0].min_trust_level", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(tt.files))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
}

// parallel is a state list with a plain state p, a parallel state q with
// regions r1 and r2 (sub-states a, b), and a terminal state r.
func parallel(r1, r2 string) string {
	return "  - name: p\n  - name: q\n    regions:\n" +
		"      - name: " + r1 + "\n        states: [a, b]\n        initial: a\n        ready: b\n" +
		"      - name: " + r2 + "\n        states: [a, b]\n        initial: a\n        ready: b\n" +
		"  - name: r\n    terminal: true\n"
}

const parallelSteps = "  - name: open\n    to: p\n  - name: start\n    from: [p]\n    to: q\n" +
	"  - name: t-done\n    region: t\n    from: [a]\n    to: b\n" +
	"  - name: u-done\n    region: u\n    from: [a]\n    to: b\n" +
	"  - name: join\n    from: [q]\n    to: r\n    join: true\n"

func TestParallelFixtureIsValid(t *testing.T) {
	// The helpers above must build a valid workflow, or the region cases
	// would pass for the wrong reason.
	ps := ValidateRepo(repo(map[string]string{wfFile: wf("deploy", parallel("t", "u"), parallelSteps)}))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
}

func TestLoadWorkflowRunsLocalChecks(t *testing.T) {
	w, ps := LoadWorkflow(wfFile, []byte(wf("deploy", twoStates+"  - name: limbo\n", twoSteps)))
	if w != nil {
		t.Error("LoadWorkflow returned a workflow with problems")
	}
	expectProblem(t, ps, want{wfFile, 6, 11, "states[2].name", "unreachable"})
	if w, ps := LoadWorkflow(wfFile, []byte(miniRepo[wfFile])); w == nil || len(ps) > 0 {
		t.Fatal(ps)
	}
	if c, ps := LoadConfig("writ.yaml", []byte(miniRepo["writ.yaml"])); c == nil || len(ps) > 0 {
		t.Fatal(ps)
	}
	if p, ps := LoadPolicy(polFile, []byte(miniRepo[polFile])); p == nil || len(ps) > 0 {
		t.Fatal(ps)
	}
}

func TestAnyFreshKeysLoad(t *testing.T) {
	// writ init writes freshly generated keys of any type ssh supports.
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, pub := range []crypto.PublicKey{edPriv.Public(), ecPriv.Public()} {
		k, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))))
	}
	cfg := strings.NewReplacer(keyAlice, keys[0], keyBob, keys[1]).Replace(miniRepo["writ.yaml"])
	if ps := ValidateRepo(repo(map[string]string{"writ.yaml": cfg})); len(ps) > 0 {
		t.Fatal(ps)
	}
}

func TestDuplicateGitHubLogin(t *testing.T) {
	cfg := `version: 1
repository: r
reconciler: {identity: bot}
governance: {policy: g}
roles: [sre]
identities:
  - name: alice
    kind: human
    github: Alice
    signers: [{ssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHaABqDMoC3kd7gdheVLB2wVOuyXZ3/DA9ZJ1K6vvXxW a"}]
  - name: bot
    kind: agent
    github: alice
    signers: [{ssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDIOyhhv1TVX3uHDvCe5aA+y89jMNdnZjZ4i46d7Zpue b"}]
`
	_, problems := LoadConfig("writ.yaml", []byte(cfg))
	if len(problems) != 1 || problems[0].Line != 13 || problems[0].Field != "identities[1].github" ||
		!strings.Contains(problems[0].Message, `already identity "alice"'s`) {
		t.Fatalf("problems = %v", problems)
	}
}

func TestGitHubRoleTeamsNeedKnownRoles(t *testing.T) {
	cfg := `version: 1
repository: r
reconciler: {identity: bot}
governance: {policy: g}
roles: [sre]
github:
  token_env: GITHUB_TOKEN
  role_teams:
    sre: [acme/sre]
    secruity: [acme/security]
identities:
  - name: bot
    kind: agent
    signers: [{ssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDIOyhhv1TVX3uHDvCe5aA+y89jMNdnZjZ4i46d7Zpue b"}]
`
	_, problems := LoadConfig("writ.yaml", []byte(cfg))
	if len(problems) != 1 || problems[0].Field != `github.role_teams.secruity` || !strings.Contains(problems[0].Message, `unknown role "secruity"`) {
		t.Fatalf("problems = %v", problems)
	}
}
