package intake

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// Pending is one open proposal: a branch proposals/<instance>/<name> that
// adds proposals/<instance>/<name>.yaml, with its verified decisions.
type Pending struct {
	Branch string
	Head   plumbing.Hash
	// Tracking is the remote-tracking ref the proposal was read from
	// (refs/remotes/origin/proposals/…) when there is no local branch of
	// that name, as in a fresh clone; empty when read from the local branch.
	Tracking string
	// Path is the proposal file (its bytes at the subject commit are
	// Files[Path]).
	Path     string
	Proposal *schemas.Proposal
	// Proposer is the identity whose verified signature the proposal's
	// commits carry.
	Proposer string
	// CoAuthors are other identities the policy treats as the proposal's
	// authors (a pull request's opener, set by the caller that knows it).
	CoAuthors []string
	// Trigger is what the source says started the proposal (the pull
	// request that carries it; set by the caller that knows it, nil for a
	// local branch). Gate records it in a transition entry when the
	// proposal names no trigger of its own.
	Trigger *schemas.Trigger
	// Subject is the last commit that changed the proposal, and the hash of
	// the proposal's bytes there.
	Subject policies.Subject
	// Decisions are the approvals and rejections whose signatures verify.
	Decisions []policies.Decision
	// Ignored are decision commits that did not verify, with the reason.
	Ignored []Ignored
	// Problems refuse the proposal before any policy is evaluated: bad
	// YAML, unsigned or forged commits, files outside the proposal.
	Problems []string
	// Merged is true when the branch head is already on main.
	Merged bool
	// Files are the paths the branch adds or changes, with their bytes at
	// the subject commit; Deleted the paths it removes. For an instance
	// proposal that is only the proposal file; a rule change may also touch
	// any governed path (schemas.IsGovernedPath): the rules and ordinary
	// files.
	Files   map[string][]byte
	Deleted []string
	// Rules are the rules a rule change would put in force.
	Rules *schemas.Bundle
	// Grants are roles observed outside writ.yaml (GitHub team
	// membership) that the entry records; Apply honours only those the
	// rules map (github.role_teams).
	Grants []core.RoleGrant
	// Quarantine are the commits a recovery proposal quarantines, oldest
	// first (empty for every other proposal).
	Quarantine []string
	// DecisionsKept is the tip of the proposal's decision ref
	// (wal.DecisionRef) when a decision that counts was read from there
	// and not from the branch (the branch was rebased): the entry that
	// applies the proposal must keep it reachable from main, so that
	// replay on a clone can read those decision commits.
	DecisionsKept plumbing.Hash

	// signedBy is how each proposal commit and each counted decision
	// commit verified when read (at the reconciler's clock), by commit
	// hash: Gate judges them again at the entry's time (holdAt).
	signedBy map[string]signing.Verified
}

// IsRules reports whether the pending proposal changes the rules.
func (p Pending) IsRules() bool { return p.Rules != nil }

// Ignored is a decision commit that does not count, and why.
type Ignored struct {
	Commit   string
	Identity string
	Reason   string
}

// ListPending reads every proposal branch against main. Each branch is
// judged on its own: a broken proposal carries Problems and never stops the
// others.
func (e *Reader) ListPending(rules *schemas.Bundle, main plumbing.Hash) ([]Pending, error) {
	branches, err := e.Store.Branches(schemas.ProposalBranchPrefix)
	if err != nil {
		return nil, fmt.Errorf("list proposal branches: %w", err)
	}
	ring, err := RingOf(rules)
	if err != nil {
		return nil, err
	}
	sort.Slice(branches, func(i, j int) bool { return branches[i].Name < branches[j].Name })
	out := make([]Pending, 0, len(branches))
	for _, b := range branches {
		out = append(out, e.ReadPending(rules, ring, main, b.Name, b.Hash))
	}
	return out, nil
}

// Pending reads one proposal branch by name ("<instance>/<name>" or
// "proposals/<instance>/<name>").
func (e *Reader) Pending(rules *schemas.Bundle, main plumbing.Hash, name string) (Pending, error) {
	ring, err := RingOf(rules)
	if err != nil {
		return Pending{}, err
	}
	return e.PendingWithRing(rules, ring, main, name)
}

// PendingWithRing is Pending with the key ring of rules already built
// (RingOf(rules)), for a caller that reads several things against the
// same rules.
func (e *Reader) PendingWithRing(rules *schemas.Bundle, ring *signing.KeyRing, main plumbing.Hash, name string) (Pending, error) {
	ref, err := e.ProposalRef(name)
	if err != nil {
		return Pending{}, err
	}
	p := e.ReadPending(rules, ring, main, ref.Branch, ref.Head)
	p.Tracking = ref.Tracking
	return p, nil
}

// ProposalRef is where a proposal named on the command line is read.
type ProposalRef struct {
	// Branch is the proposal branch, "proposals/<instance>/<name>" (a goal
	// action's: "proposals/<lineage>/<shard>/<name>").
	Branch string
	Head   plumbing.Hash
	// Tracking is the remote-tracking ref Head was read from when there
	// is no local branch (Pending.Tracking).
	Tracking string
}

// ProposalRef resolves a proposal name ("<instance>/<name>" or
// "proposals/<instance>/<name>", ".yaml" allowed; a goal action's branch
// "<lineage>/<shard>/<name>" too) to its local branch or, when there is
// none (a fresh clone), to the remote-tracking branch git switch would
// pick (gitstore.Store.TrackedBranch). "<lineage>/<name>" with no branch
// of that name names the goal action's sharded branch
// (schemas.GoalProposalBranch), so people and scripts name a goal action
// without its shard. The error wraps gitstore.ErrNoRef when none exists.
func (e *Reader) ProposalRef(name string) (ProposalRef, error) {
	if !strings.HasPrefix(name, schemas.ProposalBranchPrefix) {
		name = schemas.ProposalBranchPrefix + name
	}
	name = strings.TrimSuffix(name, schemas.ProposalSuffix)
	ref, err := e.proposalRef(name)
	if !errors.Is(err, gitstore.ErrNoRef) {
		return ref, err
	}
	instance, short, flat := strings.Cut(strings.TrimPrefix(name, schemas.ProposalBranchPrefix), "/")
	if !flat || strings.Contains(short, "/") || instance == schemas.RulesInstance {
		return ref, err
	}
	sharded := schemas.GoalProposalBranch(instance, short)
	if got, gerr := e.proposalRef(sharded); !errors.Is(gerr, gitstore.ErrNoRef) {
		return got, gerr
	}
	return ProposalRef{}, fmt.Errorf("proposal %s: no branch %s (nor, for a goal action, %s) here or on a remote (git fetch first?): %w",
		name, name, sharded, gitstore.ErrNoRef)
}

// proposalRef is ProposalRef of exactly the branch name.
func (e *Reader) proposalRef(name string) (ProposalRef, error) {
	head, err := e.Store.Ref("refs/heads/" + name)
	if err == nil {
		return ProposalRef{Branch: name, Head: head}, nil
	}
	if !errors.Is(err, gitstore.ErrNoRef) {
		return ProposalRef{}, fmt.Errorf("proposal %s: %w", name, err)
	}
	t, terr := e.Store.TrackedBranch(name)
	if terr != nil {
		if errors.Is(terr, gitstore.ErrNoRef) {
			return ProposalRef{}, fmt.Errorf("proposal %s: no branch %s here or on a remote (git fetch first?): %w", name, name, err)
		}
		return ProposalRef{}, fmt.Errorf("proposal %s: %w", name, terr)
	}
	return ProposalRef{Branch: name, Head: t.Hash, Tracking: t.Ref}, nil
}

func (e *Reader) ReadPending(rules *schemas.Bundle, ring *signing.KeyRing, main plumbing.Hash, branch string, head plumbing.Hash) Pending {
	path, err := schemas.ProposalPathOfBranch(branch)
	if err != nil {
		return Pending{Branch: branch, Head: head, Problems: []string{err.Error()}}
	}
	return e.readProposal(rules, ring, main, branch, path, head, nil)
}

// PendingFromCommits reads a proposal that arrives as commits rather than
// as a local proposal branch (a pull request's head, fetched): the proposal
// file is the one file under proposals/ that the commits between main and
// head add. name labels the result (for example "pull/12"). Decisions
// recorded elsewhere (pull-request reviews) are added by the caller. A head
// that main already contains is Merged: when its entry merged it, the
// proposal file is on main (and Path names it); when head is on main's own
// history, there are no commits between (and Path is empty).
func (e *Reader) PendingFromCommits(rules *schemas.Bundle, main plumbing.Hash, name string, head plumbing.Hash) (Pending, error) {
	ring, err := RingOf(rules)
	if err != nil {
		return Pending{}, err
	}
	// What the branch itself changed, commit by commit: a tree diff against
	// main would also show what main gained since the branch forked.
	isEntry := onMain(rules, ring)
	commits, err := e.Store.BranchCommitsUntil(head, main, isEntry, MaxProposalCommits)
	if errors.Is(err, gitstore.ErrTooManyCommits) {
		return Pending{Branch: name, Head: head, Problems: []string{tooManyCommits(name, err)}}, nil
	} else if err != nil {
		return Pending{}, fmt.Errorf("%s: %w", name, err)
	}
	if len(commits) == 0 && !main.IsZero() {
		return Pending{Branch: name, Head: head, Merged: true}, nil
	}
	walked := &branchWalk{}
	if commits, err = e.dropUpdateMerges(&walked.budget, commits, main, isEntry); err != nil {
		return Pending{}, fmt.Errorf("%s: %w", name, err)
	}
	walked.commits = commits
	seen := map[string]bool{}
	var paths []string
	for i, c := range commits {
		// A signature costs about the commit; a diff costs what its tree
		// spells out, which is bounded but still the larger: an unsigned
		// commit is refused before its tree is read.
		if _, err := walked.verify(e, ring, i); err != nil {
			return Pending{Branch: name, Head: head, Problems: []string{fmt.Sprintf("%s: %v: %s", name, err, SignatureHint(err))}}, nil
		}
		changed, err := walked.changedFiles(e, i)
		if errors.Is(err, gitstore.ErrDiffTooLarge) {
			return Pending{Branch: name, Head: head, Problems: []string{tooLargeProblem(name, c, err)}}, nil
		} else if err != nil {
			return Pending{}, fmt.Errorf("%s: %w", name, err)
		}
		walked.changed = append(walked.changed, changed)
		if err := quotedPaths(changed); err != nil {
			return Pending{Branch: name, Head: head, Problems: []string{fmt.Sprintf("commit %s: %v", shortHash(c.Hash.String()), err)}}, nil
		}
		for _, f := range changed {
			if strings.HasPrefix(f, schemas.ProposalsDir+"/") && !seen[f] {
				seen[f] = true
				paths = append(paths, f)
			}
		}
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return Pending{Branch: name, Head: head, Problems: []string{fmt.Sprintf(
			"%s adds no proposal file; main changes only through a proposal: add %s/<instance>/<name>.yaml, "+
				"or, to change the rules or ordinary files (README.md, .github/, docs), a rule change %s/%s/<name>.yaml (writ propose --rules)",
			name, schemas.ProposalsDir, schemas.ProposalsDir, schemas.RulesInstance)}}, nil
	}
	if len(paths) != 1 {
		return Pending{Branch: name, Head: head, Problems: []string{fmt.Sprintf(
			"%s changes %d files under proposals/ (%s); a proposal adds exactly one proposals/<instance>/<name>.yaml (a goal action: proposals/<lineage>/<shard>/<name>.yaml)",
			name, len(paths), strings.Join(paths, ", "))}}, nil
	}
	if _, _, _, err := schemas.ParseProposalPath(paths[0]); err != nil {
		return Pending{Branch: name, Head: head, Path: paths[0], Problems: []string{err.Error()}}, nil
	}
	return e.readProposal(rules, ring, main, name, paths[0], head, walked), nil
}

// MaxProposalCommits bounds the commits between main and a proposal's
// head (update merges and decision commits counted): a proposal adds one
// file, so the walk of a branch with more stops there and the branch is
// refused before any of its commits is verified or diffed, and what a
// proposal's commits cost to read stays bounded however many its author
// pushes.
const MaxProposalCommits = 1000

// tooManyCommits is the problem of a branch (or pull request) named name
// whose walk stopped at its limit with err (gitstore.ErrTooManyCommits):
// more than MaxProposalCommits commits of its own, or commits dated so
// that telling them from main's would read far more of main.
func tooManyCommits(name string, err error) string {
	return fmt.Sprintf("%s has more than %d commits between main and its head, more than a proposal may have (intake.MaxProposalCommits; %v): squash them into one commit on main's last entry",
		name, MaxProposalCommits, err)
}

// branchWalk is the commits between main and a proposal's head, as
// BranchCommitsUntil gives them, and the files each one changes when
// already known (changed is then as long as commits), and how each
// proposal commit's signature verified, once checked. Its commits' diffs,
// update merges' included, share one budget: together they read no more
// than one diff may.
type branchWalk struct {
	commits []*object.Commit
	changed [][]string
	sigs    map[int]verified
	budget  gitstore.DiffBudget
}

// verified is the result of VerifyNow on one commit.
type verified struct {
	v   signing.Verified
	err error
}

// verify verifies commit i's signature (VerifyNow at the Reader's clock),
// once per walk. A decision commit is not verified here (addDecision
// verifies it as a decision): it gives a zero Verified and no error.
func (w *branchWalk) verify(e *Reader, ring *signing.KeyRing, i int) (signing.Verified, error) {
	c := w.commits[i]
	if _, isDecision, _ := wal.ParseDecisionMessage(c.Message); isDecision {
		return signing.Verified{}, nil
	}
	if r, ok := w.sigs[i]; ok {
		return r.v, r.err
	}
	v, err := VerifyNow(c, ring, e.now())
	if w.sigs == nil {
		w.sigs = map[int]verified{}
	}
	w.sigs[i] = verified{v, err}
	return v, err
}

// tooLargeProblem refuses the proposal branch whose commit c changes more
// than a diff reads (err wraps gitstore.ErrDiffTooLarge, naming the limit).
func tooLargeProblem(branch string, c *object.Commit, err error) string {
	return fmt.Sprintf("%s: commit %s: %v", branch, shortHash(c.Hash.String()), err)
}

// changedFiles returns the files commit i changes, diffed against the
// walk's budget the first time.
func (w *branchWalk) changedFiles(e *Reader, i int) ([]string, error) {
	if i < len(w.changed) {
		return w.changed[i], nil
	}
	c := w.commits[i]
	var parent plumbing.Hash
	if c.NumParents() > 0 {
		parent = c.ParentHashes[0]
	}
	return e.Store.ChangedFilesWithin(&w.budget, parent, c.Hash)
}

// readProposal reads the proposal at path (proposals/<instance>/<name>.yaml)
// from the commits between main and head, verifying every commit. walked,
// when not nil, is those commits already read.
func (e *Reader) readProposal(rules *schemas.Bundle, ring *signing.KeyRing, main plumbing.Hash, branch, path string, head plumbing.Hash, walked *branchWalk) Pending {
	p := Pending{Branch: branch, Head: head, Path: path}
	problem := func(format string, args ...any) Pending {
		p.Problems = append(p.Problems, fmt.Sprintf(format, args...))
		return p
	}
	// A WAL entry adds the proposal file to main, so its presence there
	// means the proposal was applied. This costs a few tree lookups, not a
	// walk of history.
	if !main.IsZero() {
		_, err := e.Store.ReadFile(main, path)
		switch {
		case err == nil:
			p.Merged = true
			return p
		case !errors.Is(err, gitstore.ErrNotFound):
			return problem("branch %s: %v", branch, err)
		}
		if other, ok := schemas.OtherShapePath(path); ok {
			_, err := e.Store.ReadFile(main, other)
			switch {
			case err == nil:
				return problem("the name of %s is already used on its instance: %s is on main (a proposal name is used once per instance, flat or sharded); propose under another name", path, other)
			case !errors.Is(err, gitstore.ErrNotFound):
				return problem("branch %s: %v", branch, err)
			}
		}
	}
	if walked == nil {
		isEntry := onMain(rules, ring)
		commits, err := e.Store.BranchCommitsUntil(head, main, isEntry, MaxProposalCommits)
		if errors.Is(err, gitstore.ErrTooManyCommits) {
			return problem("%s", tooManyCommits(branch, err))
		} else if err != nil {
			return problem("branch %s: %v", branch, err)
		}
		walked = &branchWalk{}
		if commits, err = e.dropUpdateMerges(&walked.budget, commits, main, isEntry); err != nil {
			return problem("branch %s: %v", branch, err)
		}
		walked.commits = commits
	}
	var subject *object.Commit
	rulesChange := schemas.IsRulesProposal(path)
	touched := map[string]bool{}
	for i, c := range walked.commits {
		short := shortHash(c.Hash.String())
		if d, isDecision, _ := wal.ParseDecisionMessage(c.Message); isDecision {
			p.addDecision(ring, e.now(), c, d)
			continue
		}
		v, err := walked.verify(e, ring, i)
		if err != nil {
			// The signature layer's errors name the commit already.
			return problem("%v: %s", err, SignatureHint(err))
		}
		if p.Proposer == "" {
			p.Proposer = v.Identity
		} else if v.Identity != p.Proposer {
			return problem("commit %s: signed by %s, but %s wrote this proposal; only the proposer may change it", short, v.Identity, p.Proposer)
		}
		changed, err := walked.changedFiles(e, i)
		if errors.Is(err, gitstore.ErrDiffTooLarge) {
			return problem("%s", tooLargeProblem(branch, c, err))
		} else if err != nil {
			return problem("commit %s: %v", short, err)
		}
		if err := quotedPaths(changed); err != nil {
			return problem("commit %s: %v", short, err)
		}
		for _, f := range changed {
			switch {
			case f == path:
			case rulesChange && schemas.IsGovernedPath(f):
			case e.notRegularAt(&walked.budget, c.Hash, f) != nil:
				// trust -> /etc: say what it is, not only where.
				return problem("commit %s: %v", short, e.notRegularAt(&walked.budget, c.Hash, f))
			case rulesChange:
				return problem("commit %s changes %s; a rule change may change only %s and governed paths (anything outside %s/)", short, f, path, schemas.ProposalsDir)
			case schemas.IsGovernedPath(f):
				return problem("commit %s changes %s; an instance proposal may change only %s: propose a change to %s as a rule change (proposals/rules/<name>.yaml, writ propose --rules), judged by governance", short, f, path, f)
			default:
				return problem("commit %s changes %s; a proposal branch may only change %s", short, f, path)
			}
			touched[f] = true
		}
		p.signed(c, v)
		subject = c
	}
	e.keptDecisions(&p, ring)
	if subject == nil {
		return problem("branch %s has no proposal commit", branch)
	}
	if err := RegularFilesWithin(e.Store, &walked.budget, subject.Hash, path, pathsOf(touched)); err != nil {
		return problem("commit %s: %v", shortHash(subject.Hash.String()), err)
	}
	raw, err := e.Store.ReadFile(subject.Hash, path)
	if errors.Is(err, gitstore.ErrNotFound) {
		return problem("commit %s: %s does not exist", shortHash(subject.Hash.String()), path)
	} else if err != nil {
		return problem("commit %s: %v", shortHash(subject.Hash.String()), err)
	}
	// A rule change's content is the whole change; readRulesChange sets it.
	p.Subject = policies.Subject{Commit: subject.Hash.String(), Content: schemas.HashBytes(raw)}
	prop, problems := CheckProposal(rules, path, raw)
	for _, pr := range problems {
		p.Problems = append(p.Problems, pr.String())
	}
	if len(problems) > 0 {
		return p
	}
	p.Proposal = prop
	if schemas.IsRecovery(prop) {
		p = e.readRecovery(p, raw, touched)
		p.dropContradictions()
		return p
	}
	if rulesChange {
		p = e.readRulesChange(p, rules, main, subject.Hash, raw, touched, forkPoints(walked.commits), &walked.budget)
		p.dropContradictions()
		return p
	}
	p.Files = map[string][]byte{}
	for f := range touched {
		b, err := e.Store.ReadFile(subject.Hash, f)
		switch {
		case errors.Is(err, gitstore.ErrNotFound):
			p.Deleted = append(p.Deleted, f)
		case err != nil:
			return problem("commit %s: %s: %v", shortHash(subject.Hash.String()), f, err)
		default:
			p.Files[f] = b
		}
	}
	sort.Strings(p.Deleted)
	p.dropContradictions()
	return p
}

// addDecision verifies a decision commit with the one decision verifier
// (VerifyDecision) and records it or the reason it is ignored. d is what
// its message says (for the identity an ignored decision claims).
func (p *Pending) addDecision(ring *signing.KeyRing, now time.Time, c *object.Commit, d policies.Decision) {
	got, v, err := VerifyDecision(CommitOf(c), ring, now)
	if err != nil {
		p.Ignored = append(p.Ignored, Ignored{Commit: c.Hash.String(), Identity: d.Identity, Reason: err.Error()})
		return
	}
	p.Decisions = append(p.Decisions, got)
	p.signed(c, v)
}

// signed records how commit c verified.
func (p *Pending) signed(c *object.Commit, v signing.Verified) {
	if p.signedBy == nil {
		p.signedBy = map[string]signing.Verified{}
	}
	p.signedBy[c.Hash.String()] = v
}

// onMain recognises main's commits for Store.BranchCommitsUntil, so that
// reading a proposal costs the same however long ago it forked: a commit
// whose message is a WAL entry and that the reconciler's identity signed
// is taken as on main. Only the reconciler writes such commits, and it
// publishes them only on main; an entry that lost a race to publish is
// the one exception, and a branch built on it is judged without it. The
// signature is checked against the current rules; an entry signed by a
// retired reconciler key is not recognised, and the walk then falls back to
// reading main (see BranchCommitsUntil).
func onMain(rules *schemas.Bundle, ring *signing.KeyRing) func(*object.Commit) bool {
	id := rules.Config.Reconciler.Identity
	return func(c *object.Commit) bool {
		if _, err := wal.Decode(c.Message); err != nil {
			return false
		}
		v, err := signing.VerifyCommit(c, ring)
		return err == nil && v.Identity == id
	}
}

// CheckProposal loads a proposal file and checks it against the rules,
// keeping line numbers for every problem.
func CheckProposal(rules *schemas.Bundle, path string, raw []byte) (*schemas.Proposal, schemas.Problems) {
	var prop schemas.Proposal
	pos, problems := schemas.Decode(schemas.KindProposal, path, raw, &prop)
	if len(problems) > 0 {
		return nil, problems
	}
	if problems = schemas.CheckProposal(rules, path, &prop, pos); len(problems) > 0 {
		return nil, problems
	}
	return &prop, nil
}

// notRegularAt returns gitstore.RegularFile's error for the entry at path
// in commit's tree when it exists and is neither a regular file nor a
// directory, and nil otherwise.
func (e *Reader) notRegularAt(budget *gitstore.DiffBudget, commit plumbing.Hash, path string) error {
	mode, err := e.Store.FileModeWithin(budget, commit, path)
	if err != nil || mode == gitstore.ModeDir {
		return nil
	}
	return gitstore.RegularFile(path, mode)
}

// quotedPaths returns gitstore.ValidatePath's error for the first path that
// is not a valid path (a control character, a backslash, a "." or ".."
// component): it quotes the path, which anyone who can push a branch
// chose, so that no message ever prints a raw newline or escape from it.
func quotedPaths(paths []string) error {
	for _, f := range paths {
		if err := gitstore.ValidatePath(f); err != nil {
			return err
		}
	}
	return nil
}
