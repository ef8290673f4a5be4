package reconciler

import (
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// MaxProposalsPerRun bounds the open proposal branches one reconcile round
// reads and judges, unless ReconcileOptions.MaxProposals says otherwise:
// each costs a walk and up to MaxFileSize of reads, and anyone who may
// push a branch can open thousands. Branches whose proposal is already on
// main do not count.
//
// Branches are taken in name order; when there are more than the cap,
// starting from a cursor the repository keeps (proposalCursorFile in the
// git directory) and wrapping around after the last name. When a round
// stops at the cap, the branches it did not read are listed in a report
// note (and ReconcileReport.Deferred) and the cursor moves to the first of
// them, so the next round or run judges them first: every open proposal
// is judged within ceil(open / cap) runs. A round that reads every branch
// clears the cursor. A lost or unreadable cursor only means starting from
// the first name.
const MaxProposalsPerRun = 1000

// proposalCursorFile, in the git directory, names the proposal branch the
// next round starts from.
const proposalCursorFile = "writ/proposal-cursor"

// deferredListed bounds the branch names a note lists.
const deferredListed = 20

// capProposals yields what read gives for each branch (which must be
// sorted by name), starting at the cursor and wrapping around, until max
// branches that are not Merged were read; then it notes the branches left
// for the next round in rep and moves the cursor to the first of them.
// When the consumer stops early, the cursor stays.
func (e *Engine) capProposals(branches []gitstore.Branch, limit int, read func(gitstore.Branch) Pending, rep *ReconcileReport) iter.Seq[Pending] {
	if limit <= 0 {
		limit = MaxProposalsPerRun
	}
	start := 0
	// Fewer branches than the cap: name order, as without a cap.
	if cur := e.proposalCursor(); cur != "" && len(branches) > limit {
		start = sort.Search(len(branches), func(i int) bool { return branches[i].Name >= cur }) % max(len(branches), 1)
	}
	return func(yield func(Pending) bool) {
		judged := 0
		for k := 0; k < len(branches); k++ {
			b := branches[(start+k)%len(branches)]
			if judged == limit {
				var rest []string
				for j := k; j < len(branches); j++ {
					rest = append(rest, branches[(start+j)%len(branches)].Name)
				}
				rep.Notes = append(rep.Notes, deferredNote(rest, limit))
				rep.Deferred = rest
				e.setProposalCursor(rest[0], rep)
				return
			}
			p := read(b)
			if !p.Merged {
				judged++
			}
			if !yield(p) {
				return
			}
		}
		rep.Deferred = nil
		e.setProposalCursor("", rep)
	}
}

// localPending reads the local proposal branches against main, at most
// opts.MaxProposals of them (see MaxProposalsPerRun), one at a time as
// the caller asks.
func (e *Engine) localPending(rules *schemas.Bundle, main plumbing.Hash, opts *ReconcileOptions, rep *ReconcileReport) (iter.Seq[Pending], error) {
	branches, err := e.Store.Branches(schemas.ProposalBranchPrefix)
	if err != nil {
		return nil, fmt.Errorf("list proposal branches: %w", err)
	}
	ring, err := RingOf(rules)
	if err != nil {
		return nil, err
	}
	sort.Slice(branches, func(i, j int) bool { return branches[i].Name < branches[j].Name })
	return e.capProposals(branches, opts.MaxProposals, func(b gitstore.Branch) Pending {
		return e.readPending(rules, ring, main, b.Name, b.Hash)
	}, rep), nil
}

// deferredNote says which branches a round left for the next.
func deferredNote(rest []string, limit int) string {
	shown := rest
	if len(shown) > deferredListed {
		shown = shown[:deferredListed]
	}
	more := ""
	if len(rest) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(rest)-len(shown))
	}
	return fmt.Sprintf("%d proposal branches not judged this round (at most %d are read per round); the next round or run judges them first: %s%s",
		len(rest), limit, strings.Join(shown, ", "), more)
}

func (e *Engine) cursorPath() string {
	return filepath.Join(e.Store.GitDir(), filepath.FromSlash(proposalCursorFile))
}

// proposalCursor returns the branch name the cursor holds, "" for none.
func (e *Engine) proposalCursor() string {
	b, err := os.ReadFile(e.cursorPath())
	if err != nil || len(b) > 1024 {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// setProposalCursor records name ("" clears the cursor), written whole
// (temporary file and rename); failing to is a note, not an error.
func (e *Engine) setProposalCursor(name string, rep *ReconcileReport) {
	path := e.cursorPath()
	if name == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			rep.Notes = append(rep.Notes, "proposal cursor not cleared: "+err.Error())
		}
		return
	}
	err := os.MkdirAll(filepath.Dir(path), 0o755)
	if err == nil {
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, []byte(name+"\n"), 0o644); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		rep.Notes = append(rep.Notes, "proposal cursor not saved (the next round starts from the first branch): "+err.Error())
	}
}
