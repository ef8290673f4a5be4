package reconciler

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"gopkg.in/yaml.v3"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// ProposeRequest asks for a new local proposal branch.
type ProposeRequest struct {
	// As is the proposing identity; its key signs the commit.
	As string
	// Proposal is the request. An empty BaseState is filled with the
	// instance's current hash, an empty IdemKey with one derived from the
	// request, so proposing the same thing twice gives the same key.
	Proposal schemas.Proposal
	// Name is the proposal's file name stem; default <transition>-<key>.
	Name string
}

// Proposed is the branch a proposal was written to.
type Proposed struct {
	Branch   string
	Path     string
	Commit   plumbing.Hash
	Proposal schemas.Proposal
}

// Propose writes a signed proposal commit on a new branch
// proposals/<instance>/<name> forked from main (a goal action's:
// proposals/<lineage>/<shard>/<name>, schemas.ProposalBranchFor). The proposal is validated
// first; a bad one is refused and nothing is written. It is Load, then
// ProposeWith.
func (e *Engine) Propose(req ProposeRequest) (*Proposed, error) {
	l, err := e.Load()
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	return e.ProposeWith(l, req)
}

// ProposeWith is Propose against what the command loaded: the branch
// forks from l.Head and the proposal is judged by l's rules.
func (e *Engine) ProposeWith(l *Loaded, req ProposeRequest) (*Proposed, error) {
	rules := l.Rules
	if _, ok := rules.Identity(req.As); !ok {
		return nil, fmt.Errorf("%w: %q is not an identity in writ.yaml", ErrRefused, req.As)
	}
	p := req.Proposal
	if p.BaseState == "" {
		state, err := e.RestoreLoaded(l, l.State.Missing(p.Instance))
		if err != nil {
			return nil, fmt.Errorf("load state: %w", err)
		}
		if p.BaseState, err = state.InstanceHash(p.Instance); err != nil {
			return nil, fmt.Errorf("load state: %w", err)
		}
	}
	if p.IdemKey == "" {
		p.IdemKey = DeriveIdemKey(p)
		if core.IsGoalAction(rules, &p) {
			// Two identities' votes on one block ask for the same thing
			// but are two events: the key names who asks, too.
			p.IdemKey = DeriveIdemKey(schemas.Proposal{Instance: p.Instance, Workflow: p.Workflow, Transition: p.Transition,
				BaseState: p.BaseState, Inputs: map[string]any{"proposal": p.Inputs, "proposer": req.As}})
		}
	}
	name := req.Name
	if name == "" {
		key := strings.TrimPrefix(p.IdemKey, "k-")
		name = p.Transition + "-" + key[:min(8, len(key))]
	}
	return e.writeProposal(rules, l.Head, proposalBranch{
		As: req.As, Branch: schemas.ProposalBranchFor(p.Instance, name, core.IsGoalAction(rules, &p)), Proposal: p,
	})
}

// proposalBranch is what writeProposal puts on a new proposal branch.
type proposalBranch struct {
	As       string
	Branch   string
	Proposal schemas.Proposal
	// Files and Deleted are further changes (a rule change's files).
	Files   map[string][]byte
	Deleted []string
	// Check, when set, must accept the written commit before the branch
	// is created.
	Check func(commit plumbing.Hash) error
}

// writeProposal validates the proposal, writes one commit signed by the
// proposer on top of main adding it (and any further files), and creates
// the branch by compare-and-swap. Nothing is left behind on refusal but an
// unreachable object.
func (e *Engine) writeProposal(rules *schemas.Bundle, main plumbing.Hash, b proposalBranch) (*Proposed, error) {
	path, err := schemas.ProposalPathOfBranch(b.Branch)
	if err != nil {
		return nil, err
	}
	// Every entry adds its proposal file to main, so a file there means
	// the name was used by a proposal that is closed (applied, rejected
	// or withdrawn): a branch under it would be judged closed too. A name
	// is used once per instance, in either shape (a goal action's file is
	// sharded; one written before that was not).
	if !main.IsZero() {
		instance, name, _, _ := schemas.ParseProposalPath(path)
		for _, used := range []string{schemas.ProposalFile(instance, name), schemas.GoalProposalFile(instance, name)} {
			switch _, err := e.Store.ReadFile(main, used); {
			case err == nil:
				return nil, fmt.Errorf("%w: proposal name in use: %s is already on main (its proposal was applied, rejected or withdrawn: `git log main -- %s` names the entry); a name is used once, choose another name (--name); nothing written",
					ErrRefused, used, used)
			case !errors.Is(err, gitstore.ErrNotFound):
				return nil, fmt.Errorf("read %s on main: %w", used, err)
			}
		}
	}
	if err := e.branchFits(b.Branch); err != nil {
		return nil, err
	}
	// Numbers read from a file are json.Number: written as numbers, not
	// as their quoted text.
	written := b.Proposal
	if written.Inputs != nil {
		written.Inputs = schemas.YAMLNumbers(written.Inputs).(map[string]any)
	}
	body, err := yaml.Marshal(&written)
	if err != nil {
		return nil, fmt.Errorf("encode proposal: %w", err)
	}
	// A comment first, for editors; replay reads the file as the same
	// proposal (schemas.ProposalIsYAML allows the line).
	raw := append([]byte(schemas.Modeline(schemas.KindProposal, e.SchemaRef)), body...)
	if _, problems := intake.CheckProposal(rules, path, raw); len(problems) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrRefused, problems)
	}
	files := map[string][]byte{path: raw}
	for f, data := range b.Files {
		files[f] = data
	}
	signer, err := e.Keys.Signer(b.As)
	if err != nil {
		return nil, err
	}
	msg, err := wal.ProposalMessage(b.Proposal)
	if err != nil {
		return nil, err
	}
	commit, err := e.Store.WriteCommit(gitstore.CommitRequest{
		Parents: []plumbing.Hash{main}, Files: files, Delete: b.Deleted, Message: msg,
		Author: e.signature(rules, b.As), Committer: e.signature(rules, b.As), Signer: signer,
	})
	if err != nil {
		return nil, fmt.Errorf("write proposal commit: %w", err)
	}
	if err := e.checkSignedBy(rules, commit, b.As); err != nil {
		return nil, err
	}
	if b.Check != nil {
		if err := b.Check(commit); err != nil {
			return nil, err
		}
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+b.Branch, plumbing.ZeroHash, commit); err != nil {
		if errors.Is(err, gitstore.ErrRefMoved) {
			return nil, fmt.Errorf("%w: proposal name in use: branch %s exists already; choose another name (--name), or, if that proposal is dead, delete its branch first (git branch -D %s): %w",
				ErrRefused, b.Branch, b.Branch, err)
		}
		return nil, fmt.Errorf("create branch %s: %w", b.Branch, err)
	}
	return &Proposed{Branch: b.Branch, Path: path, Commit: commit, Proposal: b.Proposal}, nil
}

// DeriveIdemKey derives an idempotency key from what a proposal asks for:
// the same instance, transition, base state and inputs give the same key.
func DeriveIdemKey(p schemas.Proposal) string {
	inputs, _ := schemas.CanonicalJSON(p.Inputs)
	sum := sha256.Sum256([]byte(p.Instance + "\x00" + p.Workflow + "\x00" + p.Transition + "\x00" + p.BaseState + "\x00" + string(inputs)))
	return "k-" + hex.EncodeToString(sum[:8])
}

// branchFits refuses a proposal branch that git could not create beside
// the branches there are: a branch cannot also be a directory of branches.
// Only a sharded goal action's branch, proposals/<lineage>/<shard>/<name>,
// and a flat one named like a shard, proposals/<lineage>/<shard>, can
// meet so (the flat one is refused by the rules on a lineage, but a
// branch is whatever was pushed), and the error names the branch in the
// way and how to move it.
func (e *Engine) branchFits(branch string) error {
	parts := strings.Split(strings.TrimPrefix(branch, schemas.ProposalBranchPrefix), "/")
	for i := 1; i < len(parts); i++ {
		dir := schemas.ProposalBranchPrefix + strings.Join(parts[:i], "/")
		switch _, err := e.Store.Ref("refs/heads/" + dir); {
		case err == nil:
			return fmt.Errorf("%w: branch %s cannot be created: the branch %s exists, and git cannot keep a branch and a directory of branches of one name; "+
				"if that proposal is dead, delete it (git branch -D %s), or choose another name (--name); nothing written",
				ErrRefused, branch, dir, dir)
		case !errors.Is(err, gitstore.ErrNoRef):
			return fmt.Errorf("read branch %s: %w", dir, err)
		}
		// A decision ref outlives its branch until a reconcile prunes
		// both, and would stop the decisions on this one.
		switch _, err := e.Store.Ref(wal.DecisionRef(dir)); {
		case err == nil:
			return fmt.Errorf("%w: branch %s cannot be created: the decision ref %s of an earlier proposal %s exists, and git cannot keep a ref and a directory of refs of one name; "+
				"if that proposal is closed, delete it (git update-ref -d %s), or choose another name (--name); nothing written",
				ErrRefused, branch, wal.DecisionRef(dir), dir, wal.DecisionRef(dir))
		case !errors.Is(err, gitstore.ErrNoRef):
			return fmt.Errorf("read %s: %w", wal.DecisionRef(dir), err)
		}
	}
	under, err := e.Store.Branches(branch + "/")
	if err != nil {
		return fmt.Errorf("list branches under %s: %w", branch, err)
	}
	if len(under) > 0 {
		return fmt.Errorf("%w: branch %s cannot be created: branches under it exist (%s), and git cannot keep a branch and a directory of branches of one name; choose another name (--name); nothing written",
			ErrRefused, branch, under[0].Name)
	}
	return nil
}
