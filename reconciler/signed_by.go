package reconciler

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// checkSignedBy refuses a commit just written for identity whose
// signature is by a key writ.yaml gives nobody or someone else, as happens
// when git is configured to sign with another person's key: the commit
// would never count, so its ref is not moved. Other verdicts (a revoked
// signer, an expired certificate) are left to intake, which judges them at
// the reconciler's time.
func (e *Engine) checkSignedBy(rules *schemas.Bundle, commit plumbing.Hash, identity string) error {
	ring, err := intake.RingOf(rules)
	if err != nil {
		return err
	}
	c, err := e.Store.Commit(commit)
	if err != nil {
		return err
	}
	v, err := signing.VerifyCommit(c, ring)
	switch {
	case errors.Is(err, signing.ErrUnknownSigner):
		return fmt.Errorf("%w: the key that signed is not a signer of %s in writ.yaml (%w); "+
			"sign with one of %s's keys (--key, or git's user.signingkey), or add this key by a rules change (writ identity add); nothing written",
			ErrRefused, identity, err, identity)
	case err == nil && v.Identity != identity:
		return fmt.Errorf("%w: the key that signed is %s's signer %s, not a signer of %s; "+
			"sign with one of %s's keys (--key, or git's user.signingkey); nothing written",
			ErrRefused, v.Identity, v.Signer, identity, identity)
	}
	return nil
}
