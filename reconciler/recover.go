package reconciler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// Recovery from a foreign commit.
//
// A commit on main that writ did not write stops the log: replay keeps the
// state of the last verified entry V and ends with a *ForeignError; every
// reconcile refuses to apply anything (its error wraps ErrForeign and
// names each foreign commit, its author and subject) while `writ state`
// serves V's state. A recovery resumes the log without a force-push: a
// proposal (ProposeRecover) listing the foreign commits, approved under
// the governance policy like a rule change, which the loop applies as a
// recover entry whose first parent is the foreign head (a fast-forward),
// whose tree is V's plus the proposal file, and which names every
// quarantined commit (Writ-Quarantine). Replay accepts the foreign
// commits exactly when such an entry follows them (see replay's
// quarantine.go).

// ProposeRecoverRequest asks for a recovery proposal.
type ProposeRecoverRequest struct {
	As            string
	Name          string
	Justification string
	// Quarantine are the full hashes of the commits to quarantine, oldest
	// first; empty means the foreign commits Load found.
	Quarantine []string
}

// ProposeRecover writes a signed recovery proposal on a new branch
// proposals/rules/<name> forked from the last verified entry (l.Head): the
// proposal file only, with transition recover, base_state the rules hash
// in force and the quarantined commits as input. It is refused when main
// holds no foreign commit or when Quarantine is not exactly the foreign
// commits after l.Head (a recovery that names others would never apply).
func (e *Engine) ProposeRecover(l *Loaded, req ProposeRecoverRequest) (*Proposed, error) {
	if l.Foreign == nil {
		return nil, fmt.Errorf("%w: main holds no foreign commit: there is nothing to recover", ErrRefused)
	}
	if _, ok := l.Rules.Identity(req.As); !ok {
		return nil, fmt.Errorf("%w: %q is not an identity in writ.yaml", ErrRefused, req.As)
	}
	want := l.Foreign.Hashes()
	q := req.Quarantine
	if len(q) == 0 {
		q = want
	}
	if strings.Join(q, " ") != strings.Join(want, " ") {
		return nil, fmt.Errorf("%w: a recovery must quarantine exactly the commits after the last verified entry %s, oldest first: %s",
			ErrRefused, shortHash(l.Head.String()), strings.Join(want, " "))
	}
	list := make([]any, len(q))
	for i, h := range q {
		list[i] = h
	}
	sum := sha256.Sum256([]byte(l.State.RulesHash() + "\x00" + strings.Join(q, " ")))
	p := schemas.Proposal{Instance: schemas.RulesInstance, Workflow: schemas.RulesInstance, Transition: schemas.RecoverTransition,
		BaseState: l.State.RulesHash(), IdemKey: "k-" + hex.EncodeToString(sum[:8]), Justification: req.Justification,
		Inputs: map[string]any{schemas.RecoverInput: list}}
	name := req.Name
	if name == "" {
		name = "recover-" + shortHash(q[len(q)-1])
	}
	return e.writeProposal(l.Rules, l.Head, proposalBranch{As: req.As, Branch: schemas.ProposalBranch(schemas.RulesInstance, name), Proposal: p})
}

// recoveryOf says how the apply step treats a ready or rejected proposal
// g while main may hold foreign commits: recovery is true for the
// recovery of r.foreign (its entry goes on top of the foreign head); hold
// is why g waits instead (empty: it applies as usual). Everything but the
// recovery waits while foreign commits are unrecovered, and a recovery
// that names other commits than main's foreign ones never applies.
func (r *run) recoveryOf(g intake.GateResult) (recovery bool, hold string) {
	isRecovery := g.Entry.Kind == core.KindRecover
	switch {
	case r.foreign == nil || r.recovers:
		if isRecovery {
			return false, "a recovery, but main holds no foreign commit after its last verified entry: nothing to recover"
		}
		return false, ""
	case !isRecovery:
		return false, fmt.Sprintf("main holds %d commit(s) that writ did not write after %s (first: %s); nothing is applied until a recovery entry quarantines them",
			len(r.foreign.Commits), shortHash(r.head.String()), r.foreign.Commits[0])
	case !slices.Equal(g.Entry.Quarantine, r.foreign.Hashes()):
		return false, fmt.Sprintf("the recovery quarantines %s, but the foreign commits after %s are %s",
			strings.Join(g.Entry.Quarantine, " "), shortHash(r.head.String()), strings.Join(r.foreign.Hashes(), " "))
	}
	return true, ""
}

// verifiedTree returns the tree of the last verified entry, the tree a
// recovery restores.
func (r *run) verifiedTree() (plumbing.Hash, error) {
	c, err := r.e.Store.Commit(r.head)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read the last verified entry %s: %w", shortHash(r.head.String()), err)
	}
	return c.TreeHash, nil
}
