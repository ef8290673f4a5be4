package intake

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
)

// forkPoints returns the commits a branch grew from: the parents of its
// commits that are not themselves among them (usually one commit of main),
// in hash order.
func forkPoints(commits []*object.Commit) []plumbing.Hash {
	in := map[plumbing.Hash]bool{}
	for _, c := range commits {
		in[c.Hash] = true
	}
	seen := map[plumbing.Hash]bool{}
	var forks []plumbing.Hash
	for _, c := range commits {
		for _, p := range c.ParentHashes {
			if !in[p] && !seen[p] {
				seen[p] = true
				forks = append(forks, p)
			}
		}
	}
	sort.Slice(forks, func(i, j int) bool { return forks[i].String() < forks[j].String() })
	return forks
}

// editedOnOlderRules returns the governed files among changed that a rule
// change's branch edited while main held another version of them than it
// holds now: files a fork point of the branch holds differently from main.
// Merged as they are, they would undo the later change to them, which the
// branch's approvers never saw as part of it (git diff main...branch shows
// only the branch's own edit); such a branch must be rebased on main. A
// fork point whose difference from main is over the diff limits is an
// error wrapping gitstore.ErrDiffTooLarge; the diffs count against
// budget, the proposal's, and more than MaxProposalCommits fork points is
// an error.
func (e *Reader) editedOnOlderRules(budget *gitstore.DiffBudget, main plumbing.Hash, forks []plumbing.Hash, changed map[string]bool) ([]string, error) {
	if len(forks) > MaxProposalCommits {
		return nil, fmt.Errorf("the branch grows from %d commits, more than a proposal may have commits (intake.MaxProposalCommits): rebase it on main", len(forks))
	}
	var stale []string
	seen := map[string]bool{}
	for _, f := range forks {
		// Bounded: f is normally a commit of main, but when the branch
		// walk falls back to the whole history it is any parent the
		// branch names, which nobody verified.
		differ, err := ChangedGovernedWithin(e.Store, budget, main, f)
		if err != nil {
			return nil, fmt.Errorf("fork point %s of the branch: %w", shortHash(f.String()), err)
		}
		for _, en := range differ {
			if changed[en.Path] && !seen[en.Path] {
				seen[en.Path] = true
				stale = append(stale, en.Path)
			}
		}
	}
	sort.Strings(stale)
	return stale, nil
}

// olderRulesProblem is the refusal of a branch editedOnOlderRules found.
func olderRulesProblem(at string, paths []string) string {
	return fmt.Sprintf("commit %s changes %s from an older version than main's (a later rules change edited it after the branch was made); "+
		"merged as it is, the change would undo that later edit, which its approvers did not see: rebase the branch on main",
		at, strings.Join(paths, ", "))
}
