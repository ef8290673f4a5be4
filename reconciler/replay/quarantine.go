package replay

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// Foreign commits and their recovery.
//
// A commit on main's first-parent history that does not verify as an
// entry (a human's direct push, a merge made with a forge's button, an
// entry forged or edited) is foreign, and so is every commit after it:
// the fold stops applying at the last verified entry V and keeps V's
// state. The commits stay foreign until a recover entry (core.KindRecover)
// follows them that
//   - names exactly the commits between V and itself on the first-parent
//     chain, oldest first (Writ-Quarantine; the other parents of a foreign
//     merge are not walked as entries);
//   - has V's tree plus its proposal file as its tree (it restores what V
//     verified, whatever the foreign commits changed);
//   - records V's state hash as Writ-State-Pre and verifies like any
//     governed entry: signed by the reconciler identity, its proposal
//     signed by its proposer, its decisions satisfying the governance
//     policy (core.Apply judges it).
// The fold then resumes after it from V's state: the state after a
// recovery is V's with the recover entry counted (its clock and entry
// count), the same bytes on every clone. A recover entry that fails a
// check is one more foreign commit; a later recovery may name it too.
// Replay ends with a *ForeignError when foreign commits are left at the
// head, and its Result is then the verified state at V.

// Foreign is one commit on main that writ did not write, as a human reads
// it.
type Foreign struct {
	Commit  plumbing.Hash
	Author  string // "Name <email>"
	Subject string // the first line of its message
	Parents int
	// Reason is why it is not an entry (empty for the commits after the
	// first, which are foreign by position, unless it is a recover entry
	// that failed).
	Reason string
}

// String renders f as "<short> by <author> "<subject>"".
func (f Foreign) String() string {
	s := fmt.Sprintf("%s by %s %q", shortHash(f.Commit.String()), f.Author, f.Subject)
	if f.Parents > 1 {
		s += fmt.Sprintf(" (a merge of %d parents)", f.Parents)
	}
	return s
}

// ForeignError says that main holds, after its last verified entry
// Verified, commits that no recovery entry quarantines. errors.Is(err,
// ErrForeign) and errors.Is(err, ErrTampered) hold; errors.As finds the
// *TamperError of the first foreign commit.
type ForeignError struct {
	// Verified is the last verified entry, whose state Replay returns;
	// Index its entry index.
	Verified plumbing.Hash
	Index    int
	// Commits are the foreign commits, oldest first.
	Commits []Foreign
	first   *TamperError
}

// Hashes returns the full hashes of the foreign commits, oldest first: what
// a recovery must quarantine.
func (e *ForeignError) Hashes() []string {
	out := make([]string, len(e.Commits))
	for i, f := range e.Commits {
		out[i] = f.Commit.String()
	}
	return out
}

func (e *ForeignError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "main holds %d commit(s) that writ did not write after the last verified entry %s (entry %d): ",
		len(e.Commits), shortHash(e.Verified.String()), e.Index)
	for i, f := range e.Commits {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.String())
		if i == 0 && e.first != nil {
			fmt.Fprintf(&b, ": %s", e.first)
		} else if f.Reason != "" {
			fmt.Fprintf(&b, ": %s", f.Reason)
		}
	}
	fmt.Fprintf(&b, "; writ serves the verified state at %s and applies nothing until a recovery entry quarantines them "+
		"(writ propose --recover, approved under the governance policy)", shortHash(e.Verified.String()))
	return b.String()
}

// Unwrap makes errors.Is(err, ErrForeign) and errors.Is(err, ErrTampered)
// true, and gives errors.As the first foreign commit's *TamperError.
func (e *ForeignError) Unwrap() []error {
	if e.first == nil {
		return []error{ErrForeign, ErrTampered}
	}
	return []error{ErrForeign, e.first}
}

// quarantine is the fold's record of the foreign commits after the last
// verified entry.
type quarantine struct {
	verified plumbing.Hash
	index    int
	commits  []Foreign
	first    *TamperError
}

// foreignOf describes commit c as a foreign commit.
func foreignOf(c *gitstore.CommitView, reason string) Foreign {
	a := c.Author()
	subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	return Foreign{Commit: c.Hash, Author: fmt.Sprintf("%s <%s>", a.Name, a.Email), Subject: subject, Parents: len(c.Parents), Reason: reason}
}

// startQuarantine returns the quarantine that entry p, which failed with
// err, starts, or nil when the failure is not a foreign commit's (the
// genesis entry, a commit that could not be read, a checkpoint at fault).
func startQuarantine(p *prepared, err error) *quarantine {
	var te *TamperError
	if p.index == 0 || p.readErr != nil || len(p.c.Parents) == 0 || !errors.As(err, &te) || te.Commit != p.c.Hash {
		return nil
	}
	return &quarantine{verified: p.c.Parents[0], index: p.index - 1, commits: []Foreign{foreignOf(p.c, "")}, first: te}
}

// err is the ForeignError the quarantine stands for.
func (q *quarantine) err() *ForeignError {
	return &ForeignError{Verified: q.verified, Index: q.index, Commits: slices.Clone(q.commits), first: q.first}
}

// hashes returns the quarantined commits' full hashes, oldest first.
func (q *quarantine) hashes() []string {
	out := make([]string, len(q.commits))
	for i, f := range q.commits {
		out[i] = f.Commit.String()
	}
	return out
}

// isRecover reports whether p decodes as a recover entry.
func isRecover(p *prepared) bool {
	return p.readErr == nil && p.early == nil && p.rec.Entry.Kind == core.KindRecover
}

// checkRecovery checks what a recover entry p restores, given the
// quarantine it ends (nil: none): it names exactly the quarantined
// commits, and its tree is the last verified entry's plus its proposal
// file, a regular file.
func (r *replayer) checkRecovery(p *prepared, q *quarantine) error {
	// The proposal checks must not use the worker's unproven tree facts.
	p.tree = gitstore.ProposalTree{}
	if q == nil {
		return fmt.Errorf("a recover entry, but no foreign commit precedes it on main")
	}
	if got, want := p.rec.Entry.Quarantine, q.hashes(); !slices.Equal(got, want) {
		return fmt.Errorf("quarantines %s, but the commits after the last verified entry %s are %s (%s must name each of them, oldest first)",
			shortList(got), shortHash(q.verified.String()), shortList(want), wal.KeyQuarantine)
	}
	changed, err := r.engine.Store.ChangedFilesTrusted(q.verified, p.c.Hash) // a verified recover entry
	if err != nil {
		return fmt.Errorf("diff against the last verified entry %s: %w", shortHash(q.verified.String()), err)
	}
	if len(changed) != 1 || changed[0] != p.rec.ProposalPath {
		return fmt.Errorf("does not restore the verified tree: against the last verified entry %s it changes %v; a recover entry may only add %s",
			shortHash(q.verified.String()), changed, p.rec.ProposalPath)
	}
	if err := intake.RegularFiles(r.engine.Store, p.c.Hash, p.rec.ProposalPath, changed); err != nil {
		return fmt.Errorf("merges %w", err)
	}
	return nil
}

// quarantined returns the quarantined commits a verified recover entry
// ended.
func (q *quarantine) quarantined() []Foreign {
	if q == nil {
		return nil
	}
	return slices.Clone(q.commits)
}

func shortList(hs []string) string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = shortHash(h)
	}
	return "[" + strings.Join(out, " ") + "]"
}

// FirstReason is why the first foreign commit does not verify as an entry.
func (e *ForeignError) FirstReason() string {
	if e.first == nil {
		return ""
	}
	return e.first.Reason
}
