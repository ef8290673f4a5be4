package replay

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// What was merged is what was approved. An entry's signature is only the
// reconciler's word; these checks tie what the entry put on main to the
// commits its proposer and deciders signed, so that the reconciler's key
// alone cannot land a change nobody approved:
//   - the merged proposal (the second parent) is, or descends from, the
//     proposal commit the entry names (Writ-Subject), which its proposer
//     signed;
//   - the proposal file on main is that commit's (sameFile), and its bytes
//     hash to the content the entry records (Writ-Content) and the
//     approvals bind to;
//   - a rules entry changes only governed paths and its proposal file, its
//     governed files on main are exactly those of the proposal commit, and
//     the whole change, recomputed from the entry's tree diff against its
//     first parent, hashes to Writ-Content (checkRulesMerge).

// maxSubjectWalk bounds the commits read to find the proposal commit
// below the merged head: a proposal branch holds a few commits above it
// (decisions, rebases), and a forged entry must not cost a walk of all
// history.
const maxSubjectWalk = 4096

// descends reports whether head is subject or descends from it, reading
// at most maxSubjectWalk commits, nearest first, through m (nil: none).
func (r *replayer) descends(m *commitMemo, head, subject plumbing.Hash) (bool, error) {
	if head == subject {
		return true, nil
	}
	seen := map[plumbing.Hash]bool{head: true}
	queue := []plumbing.Hash{head}
	for n := 0; len(queue) > 0 && n < maxSubjectWalk; n++ {
		c, err := r.commit(m, queue[0])
		if err != nil {
			return false, fmt.Errorf("read commit %s: %w", queue[0], err)
		}
		queue = queue[1:]
		for _, p := range c.Parents {
			if p == subject {
				return true, nil
			}
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return false, nil
}

// checkMergedHead fails unless the entry's second parent is, or descends
// from, its proposal commit.
func (r *replayer) checkMergedHead(p *prepared) error {
	subject := plumbing.NewHash(p.rec.Entry.Subject.Commit)
	if subject.String() != p.rec.Entry.Subject.Commit {
		return fmt.Errorf("%s %q is not a commit hash", wal.KeySubject, p.rec.Entry.Subject.Commit)
	}
	ok, err := r.descends(&p.commits, p.c.Parents[1], subject)
	if err != nil {
		return fmt.Errorf("the merged proposal %s: %w", shortHash(p.c.Parents[1].String()), err)
	}
	if !ok {
		return fmt.Errorf("the merged proposal %s does not descend from the proposal commit %s (%s)",
			shortHash(p.c.Parents[1].String()), shortHash(subject.String()), wal.KeySubject)
	}
	return nil
}

// checkRulesPaths fails unless a rules entry's diff against its first
// parent (changed) holds its proposal file and otherwise only governed
// paths (schemas.IsGovernedPath: the rules and ordinary files).
func checkRulesPaths(changed []string, proposalPath string) error {
	found := false
	var other []string
	for _, f := range changed {
		switch {
		case f == proposalPath:
			found = true
		case !schemas.IsGovernedPath(f):
			other = append(other, f)
		}
	}
	switch {
	case len(other) > 0:
		return fmt.Errorf("changes %s; a rules entry may only change governed paths (anything outside %s/) and add %s",
			strings.Join(other, ", "), schemas.ProposalsDir, proposalPath)
	case !found:
		return fmt.Errorf("does not add %s", proposalPath)
	}
	return nil
}

// checkRulesMerge checks what a rules entry merged against the proposal
// commit subject, whose proposal file is raw: the governed files on main
// (the rules and ordinary files) are exactly the subject's, and Writ-Content is the content hash of the
// change the entry's tree makes to its first parent (intake.ChangeHash). An entry
// written before rule changes were hashed whole records the proposal
// file's hash instead; the first check alone then ties its rules to the
// signed proposal commit.
func (r *replayer) checkRulesMerge(p *prepared, subject *gitstore.CommitView, raw []byte) error {
	store := r.engine.Store
	diff, err := intake.ChangedGoverned(store, subject.Hash, p.c.Hash)
	if err != nil {
		return fmt.Errorf("compare the merged rules with the proposal commit %s: %w", shortHash(subject.Hash.String()), err)
	}
	if len(diff) > 0 {
		paths := make([]string, len(diff))
		for i, d := range diff {
			paths[i] = d.Path
		}
		return fmt.Errorf("%s on main differs from the approved proposal commit %s: a rules entry may merge only the governed files that were approved",
			strings.Join(paths, ", "), shortHash(subject.Hash.String()))
	}
	content := p.rec.Entry.Subject.Content
	if content == schemas.HashBytes(raw) {
		return nil // written before rule changes were hashed whole
	}
	change, err := intake.RulesChangeTrusted(store, p.c.Parents[0], p.c.Hash, p.rec.ProposalPath) // the verified entry's own change
	if err != nil {
		return fmt.Errorf("the change merged: %w", err)
	}
	if h := intake.ChangeHash(change); h != content {
		return fmt.Errorf("%s is %s, but the change merged (governed files and %s) hashes to %s", wal.KeyContent, content, p.rec.ProposalPath, h)
	}
	return nil
}
