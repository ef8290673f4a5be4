package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/intake"
)

// Exit codes: one table for every command (the README's "Exit codes").
//
//	0 ExitOK       done; for gate: ready to apply
//	1 ExitFailure  an error: bad usage, no such repo or proposal, I/O, a
//	               remote that fails, an invalid control repo (validate),
//	               a WAL that does not verify or a rewritten history
//	2 ExitWaiting  a human still has to decide (gate), or look at what
//	               scan found (a stall, a conflict, an ambiguity)
//	3 ExitRefused  refused or not applicable: writ judged the request and
//	               says no (an invalid, unsigned, unauthorized, stale,
//	               duplicate, rejected or applied proposal; a decision no
//	               rule would count; a proposal name in use). propose and
//	               approve exit 3 when the gate they print refuses what they
//	               wrote.
//	4 ExitForeign  main holds commits writ did not write after its last
//	               verified entry (recover them: writ propose --recover)
//	86 ExitCrash   a crash injected by $WRIT_CRASH_AT (tests only)
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitWaiting = 2
	ExitRefused = 3
	// ExitForeign: main holds commits writ did not write after its last
	// verified entry (reconcile applies nothing but their recovery; replay
	// and log name them). See the README's "Recovery from a foreign commit".
	ExitForeign = 4
)

// exitError carries a specific exit code out of a command; an empty err
// prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// exitCode is the exit code of a command that returned err (non-nil): the
// code an exitError carries, else ExitForeign for foreign commits on main,
// ExitRefused for a refused request, ExitFailure for anything else.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, reconciler.ErrForeign):
		return ExitForeign
	case errors.Is(err, reconciler.ErrRefused):
		return ExitRefused
	}
	return ExitFailure
}

// verdictCode is the exit code of a gate verdict: 0 ready, 2 waiting, 3
// anything else (refused, rejected, stale, duplicate, merged).
func verdictCode(v intake.Verdict) int {
	switch v {
	case intake.VerdictReady:
		return ExitOK
	case intake.VerdictWaiting:
		return ExitWaiting
	}
	return ExitRefused
}

// gateAfterWrite judges, after propose or approve wrote to a proposal
// branch, the proposal as gate would, printing the verdict unless quiet.
// Ready and waiting are success (the write did what was asked); a gate
// that refuses is ExitRefused, naming the branch that stays behind.
func (a *app) gateAfterWrite(e *reconciler.Engine, l *reconciler.Loaded, name string) error {
	quiet := *a
	if a.quiet {
		quiet.out = io.Discard
	}
	err := quiet.printGate(e, l, name, true, false)
	var ee *exitError
	if !errors.As(err, &ee) {
		return err
	}
	switch ee.code {
	case ExitWaiting:
		return nil
	case ExitRefused:
		return &exitError{code: ExitRefused, err: fmt.Errorf(
			"proposals/%s is written but its gate refuses it, so it will never apply as it is (writ gate %s says why)", name, name)}
	}
	return err
}
