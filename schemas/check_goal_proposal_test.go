package schemas

import (
	"strings"
	"testing"
)

// goalTask and goalBlock are well-formed task and block ids.
const (
	goalTask  = "sha256:" + sixtyFourHex
	goalBlock = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

// goalAction is a goal action proposal on goal patch-cve, lineage l-1: the
// transition, base_state and the lines that follow idem_key.
func goalAction(transition, base, rest string) string {
	return "instance: l-1\nworkflow: patch-cve\ntransition: " + transition + "\nbase_state: " + base + "\nidem_key: k\n" + rest
}

// checkGoalAction decodes src as goalActionFile and checks it against
// goalRepo's bundle (goal patch-cve and workflow deploy).
func checkGoalAction(t *testing.T, src string) Problems {
	t.Helper()
	b, ps := LoadBundle(repo(goalRepo(goalYAML)))
	if len(ps) > 0 {
		t.Fatalf("the goal repo does not load: %s", ps)
	}
	var p Proposal
	pos, ps := Decode(KindProposal, goalActionFile, []byte(src), &p)
	if len(ps) > 0 {
		t.Fatalf("decode: %s\n%s", ps, src)
	}
	return CheckProposal(b, goalActionFile, &p, pos)
}

// goalActionFile is where a goal action named a on lineage l-1 lives.
var goalActionFile = GoalProposalFile("l-1", "a")

func TestGoalActionsValid(t *testing.T) {
	base := "sha256:" + sixtyFourHex
	evidence := "evidence:\n  - name: ci\n    uri: https://ci.example/1\n"
	tests := []struct{ name, src string }{
		{"start", goalAction("start", "none", "")},
		{"start with justification", goalAction("start", "none", "justification: the CVE is out\n")},
		{"complete", goalAction("complete", base, "inputs:\n  task: "+goalTask+"\n"+evidence)},
		{"declare-block", goalAction("declare-block", base, "inputs:\n  task: "+goalTask+"\n  prerequisite:\n    type: upgrade-openssl\n    payload: {version: 3.0.14, hosts: [a, b]}\n")},
		{"declare-block without payload", goalAction("declare-block", base, "inputs:\n  task: "+goalTask+"\n  prerequisite: {type: reboot}\n")},
		{"declare-block fan-in", goalAction("declare-block", base, "inputs:\n  task: "+goalTask+"\n  prerequisite:\n    type: patch-fleet\n    members:\n      - {type: patch-host, payload: {host: a}}\n      - {type: patch-host}\n")},
		{"confirm-block", goalAction("confirm-block", base, "inputs:\n  block: "+goalBlock+"\n")},
		{"refute-block", goalAction("refute-block", base, "inputs:\n  block: "+goalBlock+"\n"+evidence)},
		{"resolve-block", goalAction("resolve-block", base, "inputs:\n  block: "+goalBlock+"\n")},
		{"a thousand members", goalAction("declare-block", base, "inputs:\n  task: "+goalTask+"\n  prerequisite:\n    type: patch-fleet\n    members: ["+strings.Repeat("{type: patch-host}, ", 999)+"{type: patch-host}]\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ps := checkGoalAction(t, tt.src); len(ps) > 0 {
				t.Fatalf("want no problems, got:\n%s", ps)
			}
		})
	}
}

func TestGoalActionsRefused(t *testing.T) {
	base := "sha256:" + sixtyFourHex
	evidence := "evidence:\n  - name: ci\n"
	task := "inputs:\n  task: " + goalTask + "\n"
	block := "inputs:\n  block: " + goalBlock + "\n"
	f := goalActionFile
	tests := []struct {
		name, src string
		want      want
	}{
		{"unknown action", goalAction("finish", base, ""),
			want{f, 3, 13, "transition", `unknown transition "finish" for goal "patch-cve" (goal actions: start, complete, declare-block, confirm-block, refute-block, resolve-block)`}},
		{"quarantine is no goal action", goalAction("quarantine", base, ""),
			want{f, 3, 13, "transition", `unknown transition "quarantine" for goal "patch-cve"`}},
		{"start on an existing lineage", goalAction("start", base, ""),
			want{f, 4, 13, "base_state", `transition "start" begins a lineage, so base_state must be "none"`}},
		{"complete without a lineage", goalAction("complete", "none", task+evidence),
			want{f, 4, 13, "base_state", `transition "complete" needs an existing lineage: set base_state to the lineage hash you saw (sha256:...)`}},
		{"start with a task", goalAction("start", "none", task),
			want{f, 7, 3, "inputs.task", `unknown input "task" for goal action start, which takes no inputs: its first task is the goal's terminal task; remove it`}},
		{"complete without task", goalAction("complete", base, evidence),
			want{f, 0, 0, "inputs.task", "complete needs inputs.task: the id (sha256:...) of the task it acts on"}},
		{"complete with a malformed task", goalAction("complete", base, "inputs:\n  task: abc\n"+evidence),
			want{f, 7, 9, "inputs.task", `inputs.task "abc" is not a task id: write "sha256:" and 64 lowercase hex digits`}},
		{"complete with a numeric task", goalAction("complete", base, "inputs:\n  task: 12\n"+evidence),
			want{f, 7, 9, "inputs.task", `inputs.task must be a string, the task id (sha256:...)`}},
		{"complete without evidence", goalAction("complete", base, task),
			want{f, 0, 0, "evidence", "complete needs evidence: at least one entry saying where the work can be checked"}},
		{"complete with an extra input", goalAction("complete", base, task+"  note: done\n"+evidence),
			want{f, 8, 3, "inputs.note", `unknown input "note" for goal action complete (inputs: task)`}},
		{"complete with a block", goalAction("complete", base, task+"  block: "+goalBlock+"\n"+evidence),
			want{f, 8, 3, "inputs.block", `unknown input "block" for goal action complete (inputs: task)`}},
		{"declare-block without prerequisite", goalAction("declare-block", base, task),
			want{f, 7, 3, "inputs.prerequisite", "declare-block needs inputs.prerequisite: the missing task, {type, payload} or {type, members}"}},
		{"declare-block without task", goalAction("declare-block", base, "inputs:\n  prerequisite: {type: t}\n"),
			want{f, 7, 3, "inputs.task", "declare-block needs inputs.task"}},
		{"prerequisite not an object", goalAction("declare-block", base, task+"  prerequisite: reboot\n"),
			want{f, 8, 17, "inputs.prerequisite", "inputs.prerequisite must be an object {type, payload, members}"}},
		{"prerequisite without type", goalAction("declare-block", base, task+"  prerequisite: {payload: {a: 1}}\n"),
			want{f, 8, 17, "inputs.prerequisite.type", "inputs.prerequisite needs a type: a non-empty string naming the kind of task"}},
		{"prerequisite with an empty type", goalAction("declare-block", base, task+"  prerequisite: {type: ''}\n"),
			want{f, 8, 24, "inputs.prerequisite.type", "inputs.prerequisite needs a type: a non-empty string"}},
		{"prerequisite with a numeric type", goalAction("declare-block", base, task+"  prerequisite: {type: 3}\n"),
			want{f, 8, 24, "inputs.prerequisite.type", "inputs.prerequisite needs a type: a non-empty string"}},
		{"prerequisite payload not an object", goalAction("declare-block", base, task+"  prerequisite: {type: t, payload: [1]}\n"),
			want{f, 8, 36, "inputs.prerequisite.payload", "inputs.prerequisite.payload must be an object of free-form values"}},
		{"prerequisite with an unknown field", goalAction("declare-block", base, task+"  prerequisite: {type: t, member: []}\n"),
			want{f, 8, 27, "inputs.prerequisite.member", `unknown field "member" in inputs.prerequisite (fields: type, payload, members)`}},
		{"members not a list", goalAction("declare-block", base, task+"  prerequisite: {type: t, members: {type: m}}\n"),
			want{f, 8, 36, "inputs.prerequisite.members", "inputs.prerequisite.members must be a list of tasks {type, payload}"}},
		{"members empty", goalAction("declare-block", base, task+"  prerequisite: {type: t, members: []}\n"),
			want{f, 8, 36, "inputs.prerequisite.members", "inputs.prerequisite.members is empty: list at least one member task, or leave members out"}},
		{"member not an object", goalAction("declare-block", base, task+"  prerequisite: {type: t, members: [{type: m}, m]}\n"),
			want{f, 8, 48, "inputs.prerequisite.members[1]", "inputs.prerequisite.members[1] must be an object {type, payload}"}},
		{"member without type", goalAction("declare-block", base, task+"  prerequisite: {type: t, members: [{payload: {}}]}\n"),
			want{f, 8, 37, "inputs.prerequisite.members[0].type", "inputs.prerequisite.members[0] needs a type: a non-empty string"}},
		{"member payload not an object", goalAction("declare-block", base, task+"  prerequisite: {type: t, members: [{type: m, payload: x}]}\n"),
			want{f, 8, 56, "inputs.prerequisite.members[0].payload", "inputs.prerequisite.members[0].payload must be an object"}},
		{"member with members", goalAction("declare-block", base, task+"  prerequisite: {type: t, members: [{type: m, members: []}]}\n"),
			want{f, 8, 47, "inputs.prerequisite.members[0].members", `unknown field "members" in inputs.prerequisite.members[0] (fields: type, payload)`}},
		{"too many members", goalAction("declare-block", base, task+"  prerequisite:\n    type: t\n    members: ["+strings.Repeat("{type: m}, ", 1000)+"{type: m}]\n"),
			want{f, 10, 14, "inputs.prerequisite.members", "inputs.prerequisite.members lists 1001 tasks; at most 1000 may wait in one barrier"}},
		{"confirm-block without block", goalAction("confirm-block", base, ""),
			want{f, 0, 0, "inputs.block", "confirm-block needs inputs.block: the id (sha256:...) of the block it acts on"}},
		{"confirm-block with a task", goalAction("confirm-block", base, task),
			want{f, 7, 3, "inputs.task", `unknown input "task" for goal action confirm-block (inputs: block)`}},
		{"resolve-block with a malformed block", goalAction("resolve-block", base, "inputs:\n  block: sha256:ABC\n"),
			want{f, 7, 10, "inputs.block", `inputs.block "sha256:ABC" is not a block id: write "sha256:" and 64 lowercase hex digits`}},
		{"refute-block without evidence", goalAction("refute-block", base, block),
			want{f, 0, 0, "evidence", "refute-block needs evidence: at least one entry saying where the work can be checked"}},
		{"refute-block without block", goalAction("refute-block", base, evidence),
			want{f, 0, 0, "inputs.block", "refute-block needs inputs.block"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := checkGoalAction(t, tt.src)
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
}

// TestGoalActionBundleChoice: a workflow name still means the workflow,
// an unknown name lists both workflows and goals.
func TestGoalActionBundleChoice(t *testing.T) {
	b, ps := LoadBundle(repo(goalRepo(goalYAML)))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	p := &Proposal{Instance: "d-1", Workflow: "deploy", Transition: "start", BaseState: BaseStateNone, IdemKey: "k"}
	expectProblem(t, CheckProposal(b, "proposals/d-1/a.yaml", p, nil),
		want{"proposals/d-1/a.yaml", 0, 0, "transition", `unknown transition "start" in workflow "deploy"`})
	p.Workflow = "patch"
	expectProblem(t, CheckProposal(b, "proposals/d-1/a.yaml", p, nil),
		want{"proposals/d-1/a.yaml", 0, 0, "workflow", `unknown workflow "patch" (workflows: deploy; goals: patch-cve)`})
}

// TestValidateRepoGoalActions: writ validate checks goal action files in
// proposals/ like any proposal, and a proposal on a goal whose file is
// broken is not also reported as naming an unknown workflow.
func TestValidateRepoGoalActions(t *testing.T) {
	files := goalRepo(goalYAML)
	files[GoalProposalFile("l-1", "start")] = goalAction("start", "none", "")
	files[GoalProposalFile("l-1", "done")] = goalAction("complete", "sha256:"+sixtyFourHex, "inputs:\n  task: "+goalTask+"\n")
	ps := ValidateRepo(repo(files))
	checkInvariants(t, ps)
	expectProblem(t, ps, want{GoalProposalFile("l-1", "done"), 0, 0, "evidence", "complete needs evidence"})
	if len(ps) != 1 {
		t.Errorf("want only the missing evidence, got:\n%s", ps)
	}

	files[goalFile] = edit(t, "max_depth: 8", "max_depth: deep")
	ps = ValidateRepo(repo(files))
	expectProblem(t, ps, want{goalFile, 7, 12, "max_depth", "integer"})
	for _, p := range ps {
		if strings.HasPrefix(p.File, "proposals/") && p.Field == "workflow" {
			t.Errorf("a proposal on a broken goal is reported as unknown: %s", p)
		}
	}
}

// TestProposalLayout: against the rules, a goal action's file is sharded
// and every other proposal's flat; the wrong shape is refused with the
// file and the path it should be.
func TestProposalLayout(t *testing.T) {
	b, ps := LoadBundle(repo(goalRepo(goalYAML)))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	start := &Proposal{Instance: "l-1", Workflow: "patch-cve", Transition: GoalStart, BaseState: BaseStateNone, IdemKey: "k"}
	open := &Proposal{Instance: "d-1", Workflow: "deploy", Transition: "open", BaseState: BaseStateNone, IdemKey: "k"}
	rules := &Proposal{Instance: RulesInstance, Workflow: RulesInstance, Transition: RulesTransition, BaseState: "sha256:" + sixtyFourHex, IdemKey: "k"}
	unknown := &Proposal{Instance: "x-1", Workflow: "nope", Transition: "open", BaseState: BaseStateNone, IdemKey: "k"}
	for _, tt := range []struct {
		name, file string
		p          *Proposal
		err        string // "": no layout problem
	}{
		{"goal action sharded", GoalProposalFile("l-1", "go"), start, ""},
		{"goal action flat", "proposals/l-1/go.yaml", start,
			"a goal action's file is sharded by its name: move it to " + GoalProposalFile("l-1", "go") + " (on branch " + GoalProposalBranch("l-1", "go") + ")"},
		{"transition flat", "proposals/d-1/go.yaml", open, ""},
		{"transition sharded", GoalProposalFile("d-1", "go"), open,
			"only a goal action's file is sharded: move it to proposals/d-1/go.yaml (on branch proposals/d-1/go)"},
		{"rule change flat", "proposals/rules/go.yaml", rules, ""},
		{"unknown workflow: no layout judged", GoalProposalFile("x-1", "go"), unknown, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var layout []string
			for _, p := range CheckProposal(b, tt.file, tt.p, nil) {
				if strings.Contains(p.Message, "misplaced proposal") {
					if p.File != tt.file || p.Field != FieldFile {
						t.Errorf("problem at %s %s, want %s %s", p.File, p.Field, tt.file, FieldFile)
					}
					layout = append(layout, p.Message)
				}
			}
			switch {
			case tt.err == "" && len(layout) > 0:
				t.Errorf("CheckProposal(%s): %v, want no layout problem", tt.file, layout)
			case tt.err != "" && (len(layout) != 1 || !strings.Contains(layout[0], tt.err)):
				t.Errorf("CheckProposal(%s): %v, want one problem with %q", tt.file, layout, tt.err)
			}
		})
	}
}
