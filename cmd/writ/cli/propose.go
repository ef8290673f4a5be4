package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

func (a *app) proposeCommand() *cobra.Command {
	var (
		req    reconciler.ProposeRequest
		inputs []string
		// evidence, NAME=URI each
		evidence []string
		file     string
		mat      string
		rules    bool
		// recovery from foreign commits
		recovery   bool
		quarantine []string
		// trigger (KIND=REF) and its URL; cost, UNIT=AMOUNT each
		trigger, triggerURL string
		cost                []string
	)
	cmd := &cobra.Command{
		Use:   "propose --as IDENTITY --instance ID --transition NAME [flags]",
		Short: "Open a signed proposal branch for one transition",
		Long: `propose writes proposals/<instance>/<name>.yaml on a new branch
proposals/<instance>/<name> forked from main, in one commit signed with the
proposer's key. base_state defaults to the instance's current hash (or "none"
for a creating transition) and idem_key to a key derived from the request.
The proposal is validated first; a bad one is refused and nothing is written.
Afterwards the gate's verdict is printed.

With --file, the proposal's fields come from a YAML file instead of flags.

With --rules, propose a change to the governed files instead: every file
outside proposals/ and .git (writ.yaml, workflows/, policies/, trust/ and
ordinary files such as README.md, CODEOWNERS, docs/ or .github/workflows/;
not what .gitignore ignores, unless main holds it) as edited in the working
tree of --repo is compared with main (only
regular, non-executable files: a symlink there is refused, never followed),
and the differences go on a branch proposals/rules/<name> with
proposals/rules/<name>.yaml (base_state: the rules hash in force). The change
is judged by the governance policy of the rules in force before it, so
nobody can grant themselves rights in the same change.

With --recover, propose the recovery of commits on main that writ did not
write (reconcile exits 4 naming them): proposals/rules/<name>.yaml with
transition recover and the foreign commits as inputs.quarantine, on a
branch forked from the last verified entry. Once the governance policy is
satisfied, reconcile writes a recover entry on top of the foreign commits
(a fast-forward, no force-push) that restores the last verified tree and
names every quarantined commit; the log then resumes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if recovery {
				return a.proposeRecover(req.As, req.Name, req.Proposal.Justification, quarantine)
			}
			if rules {
				return a.proposeRules(req.As, req.Name, req.Proposal.Justification)
			}
			if file != "" {
				raw, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				p, problems := schemas.LoadProposal(file, raw)
				if len(problems) > 0 {
					return problems
				}
				req.Proposal = *p
			}
			if mat != "" {
				req.Proposal.Materiality = schemas.Materiality(mat)
			}
			for _, kv := range inputs {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("--input %q: want key=value", kv)
				}
				var val any
				if err := yaml.Unmarshal([]byte(v), &val); err != nil {
					val = v
				}
				if req.Proposal.Inputs == nil {
					req.Proposal.Inputs = map[string]any{}
				}
				req.Proposal.Inputs[k] = val
			}
			for _, nu := range evidence {
				name, uri, _ := strings.Cut(nu, "=")
				if name == "" {
					return fmt.Errorf("--evidence %q: want name=uri (the uri may be empty: name=)", nu)
				}
				req.Proposal.Evidence = append(req.Proposal.Evidence, schemas.Evidence{Name: name, URI: uri})
			}
			if tr, err := triggerFlag(trigger, triggerURL); err != nil {
				return err
			} else if tr != nil {
				req.Proposal.Trigger = tr
			}
			if c, err := costFlags(cost); err != nil {
				return err
			} else if c != nil {
				req.Proposal.Cost = append(req.Proposal.Cost, c...)
			}
			if req.As == "" || req.Proposal.Instance == "" || req.Proposal.Transition == "" {
				return fmt.Errorf("--as, --instance and --transition are required (or --file)")
			}
			e, err := a.engine()
			if err != nil {
				return err
			}
			// One load for the default workflow, the proposal and the gate
			// after it: a proposal is a branch, main does not move.
			l, err := e.Load()
			if err != nil {
				if req.Proposal.Workflow == "" {
					return err // as the default workflow's lookup said it
				}
				return fmt.Errorf("load state: %w", err)
			}
			a.noteForeign(l)
			if req.Proposal.Workflow == "" {
				wf, err := a.defaultWorkflow(e, l, req.Proposal.Instance)
				if err != nil {
					return err
				}
				req.Proposal.Workflow = wf
			}
			got, err := e.ProposeWith(l, req)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "proposed %s/%s on %s: branch %s, commit %s signed by %s\n",
				got.Proposal.Instance, got.Proposal.Transition, got.Proposal.Workflow, got.Branch, short(got.Commit.String()), req.As)
			name := strings.TrimPrefix(got.Branch, schemas.ProposalBranchPrefix)
			err = a.gateAfterWrite(e, l, name)
			var ee *exitError
			if errors.As(err, &ee) && ee.code == ExitRefused && core.IsGoalAction(l.Rules, &got.Proposal) {
				// A goal action's gate depends on the lineage as it stands:
				// a confirmation of a block declared in the same batch, or a
				// completion whose block is resolved later, applies then.
				return &exitError{code: ExitRefused, err: fmt.Errorf(
					"proposals/%s is written but the lineage does not allow it now (writ gate %s says why); reconcile judges it again each run and applies it once the lineage does", name, name)}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.As, "as", "", "proposing identity (its key signs the commit)")
	f.StringVar(&req.Proposal.Instance, "instance", "", "instance id")
	f.StringVar(&req.Proposal.Workflow, "workflow", "", "workflow, or the goal of a goal action (default: the instance's, or the only workflow)")
	f.StringVar(&req.Proposal.Transition, "transition", "", "transition name")
	f.StringVar(&req.Proposal.BaseState, "base-state", "", "instance hash the proposal is based on (default: current)")
	f.StringVar(&req.Proposal.IdemKey, "idem-key", "", "idempotency key (default: derived from the request)")
	f.StringVar(&req.Proposal.Owner, "owner", "", "owning team, for a creating transition")
	f.StringVar(&req.Proposal.Justification, "justification", "", "why")
	f.StringVar(&mat, "materiality", "", "raise materiality: low, medium or high")
	f.StringArrayVar(&inputs, "input", nil, "input key=value (value parsed as YAML); repeatable")
	f.StringArrayVar(&evidence, "evidence", nil, "evidence name=uri: what shows the work was done (a goal's complete and refute-block need one); repeatable")
	f.StringVar(&trigger, "trigger", "", "what started the work, KIND=REF (pull_request, issue, incident, schedule or manual), such as incident=INC-7; the instance keeps the first one applied")
	f.StringVar(&triggerURL, "trigger-url", "", "with --trigger: a link to it")
	f.StringArrayVar(&cost, "cost", nil, "what the work cost, UNIT=AMOUNT (an exact decimal, such as USD=12.50 or tokens=3400); summed per unit on the instance; repeatable")
	f.StringVar(&req.Name, "name", "", "proposal name (default <transition>-<key>)")
	f.StringVar(&file, "file", "", "read the proposal from a YAML file")
	f.BoolVar(&rules, "rules", false, "propose the working tree's changes to governed files: the rules (writ.yaml, workflows/, policies/, trust/) and ordinary files outside proposals/")
	f.BoolVar(&recovery, "recover", false, "propose the recovery of the commits on main that writ did not write (judged by the governance policy)")
	f.StringSliceVar(&quarantine, "quarantine", nil, "with --recover: the full hashes of the foreign commits, oldest first (default: every one found)")
	a.signingFlags(cmd)
	return cmd
}

// defaultWorkflow is the instance's workflow, or the only one there is.
func (a *app) defaultWorkflow(e *reconciler.Engine, l *reconciler.Loaded, instance string) (string, error) {
	state, err := e.RestoreLoaded(l, l.State.Missing(instance))
	if err != nil {
		return "", fmt.Errorf("load state: %w", err)
	}
	in, ok, err := state.Instance(instance)
	if err != nil {
		return "", fmt.Errorf("load state: %w", err)
	}
	if ok {
		return in.Workflow, nil
	}
	wfs := l.Rules.Workflows
	if len(wfs) == 1 {
		return wfs[0].Name, nil
	}
	return "", fmt.Errorf("instance %s does not exist yet: say which workflow with --workflow", instance)
}

// proposeRules proposes the working tree's rule changes.
func (a *app) proposeRules(as, name, justification string) error {
	if as == "" {
		return fmt.Errorf("--as is required")
	}
	e, err := a.engine()
	if err != nil {
		return err
	}
	// Every governed path (the rules and ordinary files, all but
	// proposals/, .git and what git ignores), read inside the repository
	// only (os.Root) and only as regular files: a symlink is refused,
	// never followed.
	root, err := os.OpenRoot(e.Store.Dir())
	if err != nil {
		return err
	}
	defer root.Close()
	local, err := e.GovernedInWorktree(root.FS())
	if err != nil {
		return fmt.Errorf("governed files in the working tree: %w", err)
	}
	read := func(p string) ([]byte, error) {
		if b, ok := local[p]; ok {
			return b, nil
		}
		return nil, fs.ErrNotExist
	}
	list := func() ([]string, error) { return slices.Sorted(maps.Keys(local)), nil }
	files, deleted, err := e.RulesChanges(read, list)
	if err != nil {
		return err
	}
	// One load for the proposal and the gate after it.
	l, err := e.Load()
	if err != nil {
		return &exitError{code: ExitRefused, err: fmt.Errorf("load state: %w", err)}
	}
	got, err := e.ProposeRulesWith(l, reconciler.ProposeRulesRequest{As: as, Name: name, Justification: justification, Files: files, Deleted: deleted})
	if err != nil {
		return &exitError{code: ExitRefused, err: err}
	}
	fmt.Fprintf(a.out, "proposed a rule change: branch %s, commit %s signed by %s\n", got.Branch, short(got.Commit.String()), as)
	return a.gateAfterWrite(e, l, strings.TrimPrefix(got.Branch, schemas.ProposalBranchPrefix))
}
