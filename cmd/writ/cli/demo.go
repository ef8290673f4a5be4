package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) demoCommand() *cobra.Command {
	var dir string
	var goals bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole flow on a fresh local control repo",
		Long: `demo builds a fresh control repo (in a temporary directory, or in --dir,
which it leaves behind) and runs writ's main job on it, printing every
command and its output: an agent creates a release instance (low
materiality: applies without a human) and walks it through verification,
then proposes shipping it (high materiality: two approvals from role sre).
The gate shows it waiting; alice approves; the author's own approval is
refused; bob approves; reconcile applies it; replay verifies the log; log
prints the audit trail. No network, no server.

With --goals, demo runs goal regression instead: three agents attempt a
terminal task (patch a CVE on the web fleet), each declares what blocks it;
two declarations reach their quorum, one claim is refuted; the
prerequisites complete bottom-up (one through a fan-in barrier), a human
resolves the blocks, the terminal task completes, writ goals shows the
finished tree, and replay on a clone gives the same state hash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			keep := dir != ""
			if !keep {
				tmp, err := os.MkdirTemp("", "writ-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				dir = filepath.Join(tmp, "control")
			}
			run := a.runDemo
			if goals {
				run = a.runGoalsDemo
			}
			if err := run(dir); err != nil {
				return err
			}
			if keep {
				fmt.Fprintf(a.out, "\nThe control repo is in %s: try `git -C %s log --show-signature --first-parent main`.\n", dir, dir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "build the control repo here and keep it")
	cmd.Flags().BoolVar(&goals, "goals", false, "run the goals demo: agents, blocks, a quorum, a fan-in barrier")
	return cmd
}

// demoStep is one command of the demo and the exit code it must give.
type demoStep struct {
	say  string
	args []string
	want int
}

func (a *app) runDemo(dir string) error {
	const ship = "web-1/ship"
	walk := func(tr string) []demoStep {
		return []demoStep{
			{"", []string{"propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", tr}, ExitOK},
			{"", []string{"reconcile", "-q"}, ExitOK},
		}
	}
	steps := []demoStep{
		{"Create a control repo: writ.yaml, the release workflow, policies, fresh SSH keys, a signed genesis entry.",
			[]string{"init", dir}, ExitOK},
		{"The deploy agent proposes a new release instance. Creating one is low materiality: no human needed.",
			[]string{"propose", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create",
				"--owner", "web-team", "--input", "version=2026.11.0", "--justification", "weekly release"}, ExitOK},
		{"The reconciler applies it as a signed merge commit on main.", []string{"reconcile"}, ExitOK},
	}
	steps = append(steps, demoStep{say: "The agent walks the release through verification (tests and security scan run as parallel regions; the join needs both ready)."})
	for _, tr := range []string{"verify", "tests-pass", "security-clear", "approve-release"} {
		steps = append(steps, walk(tr)...)
	}
	steps = append(steps,
		demoStep{"Shipping is high materiality: the release-approval policy needs two approvals from role sre.",
			[]string{"propose", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship", "--name", "ship",
				"--input", "change_ticket=CHG-1042", "--input", "environment=staging", "--justification", "all checks green"}, ExitOK},
		demoStep{"The gate explains what is missing (exit code 2: waiting).", []string{"gate", ship}, ExitWaiting},
		demoStep{"alice (sre) approves: a signed decision commit on the proposal branch.",
			[]string{"approve", ship, "--as", "alice", "--justification", "change ticket reviewed"}, ExitOK},
		demoStep{"The agent tries to approve its own proposal: refused, nothing written.",
			[]string{"approve", ship, "--as", "deploy-agent"}, ExitRefused},
		demoStep{"bob (sre) approves.", []string{"approve", ship, "--as", "bob"}, ExitOK},
		demoStep{"Now the gate is satisfied (exit code 0: ready).", []string{"gate", ship}, ExitOK},
		demoStep{"The reconciler applies it, recording both approvals in the entry's trailers.", []string{"reconcile"}, ExitOK},
		demoStep{"Anyone can re-verify the whole log from the first commit.", []string{"replay"}, ExitOK},
		demoStep{"The instances and their states.", []string{"state"}, ExitOK},
		demoStep{"The audit trail: who proposed, who approved on which commit, guards, state hashes.", []string{"log"}, ExitOK},
	)
	if err := a.runDemoSteps(dir, steps); err != nil {
		return err
	}
	fmt.Fprintln(a.out, "\ndemo finished: every step behaved as expected")
	return nil
}

// runDemoSteps runs steps in order against the control repo in dir,
// printing each command and its output; a step whose exit code is not the
// one it wants stops the demo.
func (a *app) runDemoSteps(dir string, steps []demoStep) error {
	for _, st := range steps {
		if st.say != "" {
			fmt.Fprintf(a.out, "\n# %s\n", st.say)
		}
		if st.args == nil {
			continue
		}
		args := st.args
		if st.args[0] != "init" {
			args = append([]string{"--repo", dir}, args...)
		}
		if a.keys != "" && slices.Contains(commandGlobals[st.args[0]], "keys") {
			args = append([]string{"--keys", a.keys}, args...)
		}
		fmt.Fprintf(a.out, "$ writ %s\n", strings.Join(quoteArgs(st.args), " "))
		if code := Main(args, a.out, a.out); code != st.want {
			return fmt.Errorf("demo step `writ %s` exited %d, want %d", strings.Join(st.args, " "), code, st.want)
		}
	}
	return nil
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, s := range args {
		if strings.ContainsAny(s, " \"'") {
			s = fmt.Sprintf("%q", s)
		}
		out[i] = s
	}
	return out
}
