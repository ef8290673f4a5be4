package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// warnForeign tells, on stderr, that main holds commits writ did not
// write and that what is shown is the last verified entry's.
func (a *app) warnForeign(err error) {
	fmt.Fprintln(a.err, "writ: warning:", err)
}

// noteForeign says on stderr, when main holds foreign commits, that the
// command works against the last verified entry.
func (a *app) noteForeign(l *reconciler.Loaded) {
	if l.Foreign != nil && !a.quiet {
		fmt.Fprintf(a.err, "writ: note: main holds %d commit(s) that writ did not write after %s; working against that last verified entry (nothing applies until their recovery: writ propose --recover)\n",
			len(l.Foreign.Commits), short(l.Head.String()))
	}
}

// proposeRecover proposes the recovery of the foreign commits on main
// (`writ propose --recover`): a signed proposal on a branch forked from
// the last verified entry, naming every foreign commit, judged by the
// governance policy. quarantine, when not empty, must be exactly those
// commits (a check of what the proposer expects).
func (a *app) proposeRecover(as, name, justification string, quarantine []string) error {
	if as == "" {
		return fmt.Errorf("--as is required")
	}
	e, err := a.engine()
	if err != nil {
		return err
	}
	l, err := e.Load()
	if err != nil {
		return fmt.Errorf("load state: %w", err)
	}
	got, err := e.ProposeRecover(l, reconciler.ProposeRecoverRequest{As: as, Name: name, Justification: justification, Quarantine: quarantine})
	if err != nil {
		if errors.Is(err, reconciler.ErrRefused) {
			return &exitError{code: ExitRefused, err: err}
		}
		return err
	}
	fmt.Fprintf(a.out, "proposed a recovery quarantining %d commit(s) after %s: branch %s, commit %s signed by %s\n",
		len(l.Foreign.Commits), short(l.Head.String()), got.Branch, short(got.Commit.String()), as)
	for _, f := range l.Foreign.Commits {
		fmt.Fprintf(a.out, "  quarantines %s\n", f)
	}
	fmt.Fprintf(a.out, "it needs the approvals of the governance policy %s (writ approve %s), then writ reconcile\n",
		l.Rules.Config.Governance.Policy, strings.TrimPrefix(got.Branch, schemas.ProposalBranchPrefix))
	return a.gateAfterWrite(e, l, strings.TrimPrefix(got.Branch, schemas.ProposalBranchPrefix))
}
