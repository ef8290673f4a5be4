// Package keyless lets the reconciler sign its WAL entries keyless, as its
// workflow's OIDC identity, while every other identity keeps its keys.
//
// Wiring for a reconciler in GitHub Actions:
//
//	signer, _ := signing.NewKeylessSigner(
//		&signing.HTTPFulcio{URL: signing.PublicFulcioURL},
//		actions.TokenSource{},
//		signing.KeylessOptions{})
//	eng.Keys = keyless.Keys{Reconciler: cfg.Reconciler.Identity, Keyless: signer,
//		Fallback: local.KeyDir{Dir: dir}}
//
// writ.yaml then gives the reconciler identity a keyless signer for the
// workflow (identity https://github.com/<owner>/<repo>/.github/workflows/
// <file>@<ref>, issuer https://token.actions.githubusercontent.com), names
// a sigstore trusted root in trust.trusted_root (the Fulcio CA and CT log,
// and the timestamp authority if any), and either sets
// trust.accept_committer_time or gives the signer a timestamp authority
// that trusted root lists. replay then checks each entry against that
// signer.
package keyless

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5"
)

// KeySource finds the signer of an identity: the method set of
// engine.Keys, which local.KeyDir implements.
type KeySource interface {
	Signer(identity string) (git.Signer, error)
}

// Preparer is a signer that must fetch its certificate before the commits
// it signs are stamped, as signing.KeylessSigner does.
type Preparer interface {
	Prepare(ctx context.Context) error
}

// DefaultPrepareTimeout bounds one Prepare when Keys.PrepareTimeout is zero.
const DefaultPrepareTimeout = time.Minute

// ErrNoKey is returned for an identity that is not the reconciler when
// there is no fallback.
var ErrNoKey = errors.New("no key for identity")

// Keys is an engine.Keys whose reconciler identity signs with Keyless (a
// *signing.KeylessSigner) and every other identity with Fallback. Each time
// the engine asks for the reconciler's signer, which it does before it
// stamps the entries of a batch or a checkpoint, Keys prepares the signer
// (when it is a Preparer) so that its certificate covers those times. Keys
// holds no state of its own; it is as safe for concurrent use as Keyless
// and Fallback are.
type Keys struct {
	// Reconciler is the identity that signs keyless: writ.yaml's
	// reconciler.identity.
	Reconciler string
	// Keyless signs for Reconciler.
	Keyless git.Signer
	// Fallback finds the other identities' signers; nil refuses them.
	Fallback KeySource
	// PrepareTimeout bounds the certificate request in Signer; zero means
	// DefaultPrepareTimeout.
	PrepareTimeout time.Duration
}

var _ KeySource = Keys{}

// Signer returns the keyless signer, prepared, for the reconciler, and
// Fallback's signer for anyone else. Errors from Prepare wrap the signing
// package's ErrNoToken or ErrFulcio.
func (k Keys) Signer(identity string) (git.Signer, error) {
	if k.Reconciler == "" || identity != k.Reconciler {
		if k.Fallback == nil {
			return nil, fmt.Errorf("keyless keys: %w %q: only the reconciler %q signs keyless and there is no fallback", ErrNoKey, identity, k.Reconciler)
		}
		return k.Fallback.Signer(identity)
	}
	if k.Keyless == nil {
		return nil, fmt.Errorf("keyless keys: %w %q: no keyless signer configured", ErrNoKey, identity)
	}
	if p, ok := k.Keyless.(Preparer); ok {
		timeout := k.PrepareTimeout
		if timeout <= 0 {
			timeout = DefaultPrepareTimeout
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := p.Prepare(ctx); err != nil {
			return nil, fmt.Errorf("keyless keys: reconciler %q: %w", identity, err)
		}
	}
	return k.Keyless, nil
}
