package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

func (a *app) approveCommand() *cobra.Command {
	var req reconciler.ApproveRequest
	var push bool
	var remote string
	cmd := &cobra.Command{
		Use:   "approve PROPOSAL --as IDENTITY [--reject --justification TEXT] [--push [--remote NAME]]",
		Short: "Record a signed approval (or rejection) on a proposal",
		Long: `approve appends a decision commit, signed with the decider's key, to the
proposal branch proposals/<PROPOSAL>. The decision names the exact proposal
commit and content it covers: if the proposal changes later, the approval no
longer counts. A decision no rule of the policy in force could ever count is
refused and nothing is written, with the policy's reason: agents never count;
the proposal's author counts only under a rule that sets allow_author (and
never overrides). A rejection needs --justification.
--override is break-glass: a human with the override capability lets the
transition apply although its policy is not satisfied (guards still apply);
it needs --justification and the WAL entry flags it (Writ-Override).
The decision also records the digest of the plan it decides on (what
` + "`writ show`" + ` prints: the proposal, the state it moves from, the workflow
and policy versions); an approval counts only while that is still the plan.
--plan DIGEST, copied from ` + "`writ show`" + `, refuses to record anything if the
plan changed since you looked.
Afterwards the gate's verdict is printed.
The decision is recorded in the local repository, on the branch and under
refs/writ/decisions/<PROPOSAL> (which keeps it when the proposer rebases the
branch). In a shared control repo, --push publishes it: it checks that the
remote's branch is the one you decide on (else nothing is written), then
pushes the branch and the decision ref together by compare-and-swap, so a
reconciler working against the remote (writ reconcile --remote) counts it.
Without --push, when the repository has a remote, approve prints the git push
that publishes the decision.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.As == "" {
				return fmt.Errorf("--as is required")
			}
			req.Proposal = args[0]
			e, err := a.engine()
			if err != nil {
				return err
			}
			// One load for the decision and the gate after it: a decision
			// moves the proposal branch, not main.
			l, err := e.Load()
			if err != nil {
				return fmt.Errorf("load state: %w", err)
			}
			a.noteForeign(l)
			// In a clone the proposal may be only the remote's branch: the
			// decision then sets up the local branch from it.
			tracked, _ := e.ProposalRef(req.Proposal)
			var commit plumbing.Hash
			if push {
				if remote, err = a.decisionRemote(e, remote); err != nil {
					return err
				}
				commit, err = e.ApproveAndPush(cmd.Context(), l, req, remote)
			} else {
				commit, err = e.ApproveWith(l, req)
			}
			if err != nil {
				return err // ExitRefused when refused, ExitFailure else (a missing proposal, as in gate; not pushed)
			}
			verb := "approved"
			switch {
			case req.Reject:
				verb = "rejected"
			case req.Override:
				verb = "OVERRIDE recorded on"
			}
			if tracked.Tracking != "" {
				fmt.Fprintf(a.out, "set up branch %s from %s (there was no local branch)\n", tracked.Branch, strings.TrimPrefix(tracked.Tracking, "refs/remotes/"))
			}
			fmt.Fprintf(a.out, "%s %s as %s: decision commit %s\n", verb, req.Proposal, req.As, short(commit.String()))
			if d, ok := e.DecisionAt(commit); ok && d.Plan != "" {
				fmt.Fprintf(a.out, "  on plan %s (what `writ show %s` showed; the entry on main records it)\n", d.Plan, req.Proposal)
			}
			// The branch decided on: a goal action named <lineage>/<name>
			// is on its sharded branch.
			branch := tracked.Branch
			if branch == "" {
				branch = req.Proposal
			}
			a.printPublished(e, branch, push, remote)
			if req.Reject {
				// The verdict is now "rejected", as the decider wanted.
				if a.quiet {
					return nil
				}
				return a.printGate(e, l, strings.TrimPrefix(branch, schemas.ProposalBranchPrefix), false, false)
			}
			return a.gateAfterWrite(e, l, strings.TrimPrefix(branch, schemas.ProposalBranchPrefix))
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.As, "as", "", "deciding identity (its key signs the decision)")
	f.BoolVar(&req.Reject, "reject", false, "reject instead of approve")
	f.BoolVar(&req.Override, "override", false, "break-glass: apply without the policy being satisfied (needs the override capability and --justification; flagged in the audit trail)")
	f.StringVar(&req.Justification, "justification", "", "why (required with --reject)")
	f.StringVar(&req.Plan, "plan", "", "digest of the plan you were shown (`writ show` prints it): refuse unless it is still the plan")
	f.BoolVar(&push, "push", false, "publish the decision: push the proposal branch and its decision ref to the remote by compare-and-swap")
	f.StringVar(&remote, "remote", "", "the remote --push publishes to (default: origin, or the only remote)")
	a.signingFlags(cmd)
	return cmd
}

// decisionRemote is the remote approve --push publishes to: the one named,
// else origin, else the repository's only remote.
func (a *app) decisionRemote(e *reconciler.Engine, named string) (string, error) {
	names, err := e.Store.RemoteNames()
	if err != nil {
		return "", err
	}
	switch {
	case named != "" && slices.Contains(names, named):
		return named, nil
	case named != "":
		return "", fmt.Errorf("--remote %s: no such remote (git remote -v lists them: %v)", named, names)
	case slices.Contains(names, "origin"):
		return "origin", nil
	case len(names) == 1:
		return names[0], nil
	case len(names) == 0:
		return "", fmt.Errorf("--push: the repository has no remote to publish to (git remote add NAME URL)")
	}
	return "", fmt.Errorf("--push: the repository has several remotes %v and none is origin: choose one with --remote NAME", names)
}

// printPublished says where the decision on proposal (its branch, or
// the name given when it was not found) went: pushed to
// remote, or, when the repository has a remote, the git push that
// publishes it (a reconciler working against the remote counts only what
// was pushed there).
func (a *app) printPublished(e *reconciler.Engine, proposal string, pushed bool, remote string) {
	if a.quiet {
		return
	}
	branch := "proposals/" + strings.TrimPrefix(proposal, "proposals/")
	refs := reconciler.DecisionRefs(branch)
	if pushed {
		fmt.Fprintf(a.out, "pushed %s and %s to %s\n", refs[0], refs[1], remote)
		return
	}
	remote, err := a.decisionRemote(e, "")
	if err != nil {
		return // no remote, or no obvious one: nothing to publish to
	}
	fmt.Fprintf(a.out, "recorded locally; to publish it to %s (where a reconciler counts it): %s, or approve with --push\n",
		remote, reconciler.PushDecisionHint(remote, branch))
}
