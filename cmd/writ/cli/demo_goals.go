package cli

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
	"github.com/writ-dev/writ/schemas"
)

// The goals demo works one lineage of the goals example (fixtures.Goals):
// three agents attempt the terminal task, each fails in a structured way
// and declares what is missing; two declarations reach their quorum, one
// claim is refuted; the prerequisites complete bottom-up (one through a
// fan-in barrier), a human resolves the blocks, the terminal task
// completes and the lineage ends. Every step is a signed proposal that
// reconcile applies, like any other; replay on a clone gives the same
// state hash.

const (
	demoGoal    = "patch-cve-2026-1234"
	demoLineage = "cve-2026-1234"
)

// demoTask is a task of the demo lineage: its type, payload and id.
type demoTask struct {
	typ     string
	payload map[string]any
	id      string
}

func newDemoTask(typ string, payload map[string]any) (demoTask, error) {
	id, err := core.TaskID(typ, payload, demoLineage)
	return demoTask{typ: typ, payload: payload, id: id}, err
}

// prerequisite is the task as the value of --input prerequisite=… (YAML
// flow style), with a barrier's members.
func (t demoTask) prerequisite(members ...demoTask) string {
	s := "prerequisite={type: " + t.typ + ", payload: " + flowMap(t.payload)
	if len(members) > 0 {
		var ms []string
		for _, m := range members {
			ms = append(ms, "{type: "+m.typ+", payload: "+flowMap(m.payload)+"}")
		}
		s += ", members: [" + strings.Join(ms, ", ") + "]"
	}
	return s + "}"
}

func flowMap(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %v", k, m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// goalsDemoSteps returns the demo's commands.
func goalsDemoSteps(dir string) ([]demoStep, error) {
	var ts []demoTask
	for _, t := range []struct {
		typ     string
		payload map[string]any
	}{
		{"patch-cve", map[string]any{"cve": "CVE-2026-1234", "fleet": "web"}},
		{"reboot-window", map[string]any{"fleet": "web"}},
		{"patch-fleet", map[string]any{"fleet": "web"}},
		{"patch-node", map[string]any{"node": "web-1"}},
		{"patch-node", map[string]any{"node": "web-2"}},
		{"disable-ssh", map[string]any{"fleet": "web"}},
	} {
		task, err := newDemoTask(t.typ, t.payload)
		if err != nil {
			return nil, err
		}
		ts = append(ts, task)
	}
	terminal, reboot, fleet, node1, node2, ssh := ts[0], ts[1], ts[2], ts[3], ts[4], ts[5]
	rebootBlock, fleetBlock, sshBlock := core.BlockID(terminal.id, reboot.id), core.BlockID(terminal.id, fleet.id), core.BlockID(terminal.id, ssh.id)
	act := func(who, name, transition string, args ...string) []string {
		return append([]string{"propose", "-q", "--as", who, "--workflow", demoGoal, "--instance", demoLineage,
			"--transition", transition, "--name", name}, args...)
	}
	task := func(t demoTask) string { return "task=" + t.id }
	block := func(id string) string { return "block=" + id }
	reconcile := demoStep{"", []string{"reconcile", "-q"}, ExitOK}
	return []demoStep{
		{"Create a control repo from the goals example: the release workflow plus goals/patch-cve-2026-1234.yaml, three scanner agents and humans with trust levels, fresh keys.",
			[]string{"init", dir, "--example", "goals"}, ExitOK},
		{"scanner-a starts a lineage of the goal. Its first task is the terminal task, patch-cve (id " + goalview.ShortID(terminal.id) + ": the SHA-256 of its type, payload and lineage).",
			act("scanner-a", "start", schemas.GoalStart, "--justification", "CVE-2026-1234 is exploitable on the web fleet"), ExitOK},
		reconcile,
		{"Three agents attempt it; each fails in a structured way and names what is missing (declare-block).",
			act("scanner-a", "needs-reboot", schemas.GoalDeclareBlock, "--input", task(terminal), "--input", reboot.prerequisite(),
				"--justification", "the kernel patch needs a reboot window"), ExitOK},
		{"", act("scanner-b", "needs-fleet", schemas.GoalDeclareBlock, "--input", task(terminal), "--input", fleet.prerequisite(node1, node2),
			"--justification", "every node must be patched first: a fan-in barrier over the nodes"), ExitOK},
		{"", act("scanner-c", "needs-ssh-off", schemas.GoalDeclareBlock, "--input", task(terminal), "--input", ssh.prerequisite(),
			"--justification", "the exploit path is ssh: disable it first"), ExitOK},
		{"The goal's policy (goal-oversight) has an SRE approve what an agent claims blocks the goal: the gate waits for one.",
			[]string{"gate", demoLineage + "/needs-reboot"}, ExitWaiting},
		{"alice (sre) approves the three declarations: signed decision commits, as for any proposal.",
			[]string{"approve", demoLineage + "/needs-reboot", "--as", "alice", "--justification", "kernel patches need a reboot"}, ExitOK},
		{"", []string{"approve", demoLineage + "/needs-fleet", "--as", "alice"}, ExitOK},
		{"", []string{"approve", demoLineage + "/needs-ssh-off", "--as", "alice"}, ExitOK},
		reconcile,
		{"A claim blocks only once a quorum of other identities confirms it (multi, min 2; a declarer's own vote never counts).",
			act("scanner-b", "confirm-reboot-b", schemas.GoalConfirmBlock, "--input", block(rebootBlock)), ExitOK},
		{"", act("bob", "confirm-reboot-bob", schemas.GoalConfirmBlock, "--input", block(rebootBlock)), ExitOK},
		{"", act("scanner-a", "confirm-fleet-a", schemas.GoalConfirmBlock, "--input", block(fleetBlock)), ExitOK},
		{"", act("scanner-c", "confirm-fleet-c", schemas.GoalConfirmBlock, "--input", block(fleetBlock)), ExitOK},
		{"scanner-a refutes the ssh claim: it patched web-3 with ssh still on (one refutation dismisses a claim, for good).",
			act("scanner-a", "refute-ssh", schemas.GoalRefuteBlock, "--input", block(sshBlock),
				"--evidence", "patched-web-3=https://ci.example/runs/4411"), ExitOK},
		reconcile,
		{"The lineage now: the terminal task waits on two confirmed blocks; their prerequisites are actionable; the ssh claim is dismissed.",
			[]string{"goals"}, ExitOK},
		{"An early attempt at the terminal task: its gate refuses it while it is blocked, and the branch stays open.",
			act("scanner-a", "too-early", schemas.GoalComplete, "--input", task(terminal), "--evidence", "attempt=https://ci.example/runs/4412"), ExitRefused},
		{"The prerequisites complete bottom-up: the reboot window, then each node of the barrier.",
			act("scanner-c", "reboot-done", schemas.GoalComplete, "--input", task(reboot), "--evidence", "change=https://ci.example/changes/88"), ExitOK},
		{"", act("scanner-a", "web-1-done", schemas.GoalComplete, "--input", task(node1), "--evidence", "run=https://ci.example/runs/4420"), ExitOK},
		{"", act("scanner-b", "web-2-done", schemas.GoalComplete, "--input", task(node2), "--evidence", "run=https://ci.example/runs/4421"), ExitOK},
		reconcile,
		{"The barrier completed with its last member (2/2). alice proposes to lift both blocks (resolve-block needs trust level 7).",
			act("alice", "resolve-reboot", schemas.GoalResolveBlock, "--input", block(rebootBlock)), ExitOK},
		{"", act("alice", "resolve-fleet", schemas.GoalResolveBlock, "--input", block(fleetBlock)), ExitOK},
		{"Lifting a block needs an SRE's approval too; alice may not approve her own, so bob does.",
			[]string{"approve", demoLineage + "/resolve-reboot", "--as", "bob"}, ExitOK},
		{"", []string{"approve", demoLineage + "/resolve-fleet", "--as", "bob"}, ExitOK},
		{"The next reconcile applies both resolutions; then nothing blocks the terminal task, so the waiting attempt applies and the lineage ends.",
			[]string{"reconcile"}, ExitOK},
		{"The finished tree: who declared, confirmed and refuted each block, and who completed each task.", []string{"goals"}, ExitOK},
		{"writ scan finds nothing to report: no stall, no conflict, no block left open.", []string{"scan"}, ExitOK},
	}, nil
}

// runGoalsDemo runs the goals demo in dir, then replays the repository and
// a clone of it and checks they agree.
func (a *app) runGoalsDemo(dir string) error {
	steps, err := goalsDemoSteps(dir)
	if err != nil {
		return err
	}
	if err := a.runDemoSteps(dir, steps); err != nil {
		return err
	}
	clone := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-clone")
	fmt.Fprintf(a.out, "\n# Anyone can check the log: replay here and on a clone gives the same state hash.\n$ git clone %s %s\n", dir, clone)
	if out, err := exec.Command("git", "clone", "-q", dir, clone).CombinedOutput(); err != nil {
		return fmt.Errorf("demo: git clone: %w: %s", err, out)
	}
	var hashes []string
	for _, repo := range []string{dir, clone} {
		var out bytes.Buffer
		fmt.Fprintf(a.out, "$ writ --repo %s replay\n", repo)
		if code := Main([]string{"--repo", repo, "replay"}, &out, &out); code != ExitOK {
			a.out.Write(out.Bytes())
			return fmt.Errorf("demo: replay of %s exited %d", repo, code)
		}
		a.out.Write(out.Bytes())
		m := stateLineRE.FindStringSubmatch(out.String())
		if m == nil {
			return fmt.Errorf("demo: replay of %s printed no state hash", repo)
		}
		hashes = append(hashes, m[1])
	}
	if hashes[0] != hashes[1] {
		return fmt.Errorf("demo: replay gives %s here and %s on the clone", hashes[0], hashes[1])
	}
	fmt.Fprintf(a.out, "\nsame state on both: %s\n", hashes[0])
	fmt.Fprintln(a.out, "\ndemo finished: every step behaved as expected")
	return nil
}

var stateLineRE = regexp.MustCompile(`(?m)^state (sha256:[0-9a-f]{64})`)
