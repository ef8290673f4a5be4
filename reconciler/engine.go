package reconciler

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/schemas"
)

// Keys finds the private key of an identity. The local adapter reads a key
// directory; other adapters may use an agent or a keyless flow.
type Keys interface {
	Signer(identity string) (git.Signer, error)
}

// Engine drives the pure core against a control repo: it reads the WAL,
// gathers proposals and decisions from branches, and writes signed entries.
// Time enters only through Now. An Engine is not safe for concurrent use;
// concurrent reconcilers are safe with each other because main only moves
// by compare-and-swap.
type Engine struct {
	Store *gitstore.Store
	Keys  Keys
	// Now reads the clock; it stamps commits and HLCs. Defaults to
	// time.Now.
	Now func() time.Time
	// Progress, when set, is told how far a long replay has got.
	Progress func(done, total int)
	// SchemaRef is the ref of writ's repository (a release tag; "" means
	// main) whose schema the yaml-language-server line of each proposal
	// file it writes names (schemas.Modeline).
	SchemaRef string

	// verified is the checkpoint this engine last restored (its head and
	// signature checked) or wrote; a new checkpoint is written as a change
	// to it only while the checkpoint ref still points to it.
	verifiedMu sync.Mutex
	verified   gitstore.Checkpoint
}

func (e *Engine) setVerified(cp gitstore.Checkpoint) {
	e.verifiedMu.Lock()
	defer e.verifiedMu.Unlock()
	e.verified = cp
}

func (e *Engine) verifiedCheckpoint() gitstore.Checkpoint {
	e.verifiedMu.Lock()
	defer e.verifiedMu.Unlock()
	return e.verified
}

// Sentinel errors; each is wrapped with the commit or proposal at fault.
var (
	// ErrTampered: the WAL does not verify (foreign commit, bad signature,
	// edited trailer, wrong state hash).
	ErrTampered = replay.ErrTampered
	// ErrRewritten: the checkpoint is no longer on main's history.
	ErrRewritten = replay.ErrRewritten
	// ErrForeign: main holds commits writ did not write after its last
	// verified entry (a *ForeignError says which); see recover.go.
	ErrForeign = replay.ErrForeign
	// ErrNotReady: the proposal cannot be applied now.
	ErrNotReady = errors.New("proposal not ready")
	// ErrRefused: the request is refused (wrong identity, author approving
	// their own proposal, and so on).
	ErrRefused = errors.New("refused")
	// ErrNotPublished: a decision was recorded locally but could not be
	// pushed to the remote (ApproveAndPush); the error says how to publish
	// it.
	ErrNotPublished = errors.New("decision recorded locally, not published")
)

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// signature returns the git author/committer for an identity.
func (e *Engine) signature(rules *schemas.Bundle, identity string) object.Signature {
	email := identity + "@writ.invalid"
	if rules != nil {
		if id, ok := rules.Identity(identity); ok && id.Email != "" {
			email = id.Email
		}
	}
	return object.Signature{Name: identity, Email: email, When: e.now().UTC().Truncate(time.Second)}
}

// mainHead returns main's head, or the zero hash when main has no commits.
func (e *Engine) mainHead() (plumbing.Hash, error) {
	h, err := e.Store.Ref(gitstore.MainRef)
	if errors.Is(err, gitstore.ErrNoRef) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read main: %w", err)
	}
	return h, nil
}

func shortHash(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}
