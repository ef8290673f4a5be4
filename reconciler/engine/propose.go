package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"gopkg.in/yaml.v3"

	"github.com/writ-dev/writ/gitstore"
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
// proposals/<instance>/<name> forked from main. The proposal is validated
// first; a bad one is refused and nothing is written.
func (e *Engine) Propose(req ProposeRequest) (*Proposed, error) {
	res, err := e.Replay(ReplayOptions{FromCheckpoint: true})
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	rules := res.State.Rules()
	if _, ok := rules.Identity(req.As); !ok {
		return nil, fmt.Errorf("%w: %q is not an identity in writ.yaml", ErrRefused, req.As)
	}
	p := req.Proposal
	if p.BaseState == "" {
		p.BaseState = res.State.InstanceHash(p.Instance)
	}
	if p.IdemKey == "" {
		p.IdemKey = DeriveIdemKey(p)
	}
	name := req.Name
	if name == "" {
		name = p.Transition + "-" + strings.TrimPrefix(p.IdemKey, "k-")[:8]
	}
	branch := ProposalPrefix + p.Instance + "/" + name
	path, err := ProposalPath(branch)
	if err != nil {
		return nil, err
	}
	raw, err := yaml.Marshal(&p)
	if err != nil {
		return nil, fmt.Errorf("encode proposal: %w", err)
	}
	if _, problems := checkProposal(rules, path, raw); len(problems) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrRefused, problems)
	}
	signer, err := e.Keys.Signer(req.As)
	if err != nil {
		return nil, err
	}
	msg, err := gitstore.FormatMessage(fmt.Sprintf("propose: %s %s", p.Transition, p.Instance), p.Justification, nil)
	if err != nil {
		return nil, err
	}
	commit, err := e.Store.WriteCommit(gitstore.CommitRequest{
		Parents: []plumbing.Hash{res.Head}, Files: map[string][]byte{path: raw}, Message: msg,
		Author: e.signature(rules, req.As), Committer: e.signature(rules, req.As), Signer: signer,
	})
	if err != nil {
		return nil, fmt.Errorf("write proposal commit: %w", err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+branch, plumbing.ZeroHash, commit); err != nil {
		return nil, fmt.Errorf("create branch %s (does a proposal of that name exist?): %w", branch, err)
	}
	return &Proposed{Branch: branch, Path: path, Commit: commit, Proposal: p}, nil
}

// DeriveIdemKey derives an idempotency key from what a proposal asks for:
// the same instance, transition, base state and inputs give the same key.
func DeriveIdemKey(p schemas.Proposal) string {
	inputs, _ := schemas.CanonicalJSON(p.Inputs)
	sum := sha256.Sum256([]byte(p.Instance + "\x00" + p.Workflow + "\x00" + p.Transition + "\x00" + p.BaseState + "\x00" + string(inputs)))
	return "k-" + hex.EncodeToString(sum[:8])
}
