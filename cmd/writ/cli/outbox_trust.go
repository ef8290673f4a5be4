package cli

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/schemas"
)

// outboxTrust is who may write the outbox under rules: the reconciler
// signs every outbox commit with its key (from keys), and a commit it did
// not sign is never read nor delivered (reconciler.SignedByReconciler,
// the check a remote checkpoint passes too).
func outboxTrust(rules *schemas.Bundle, keys reconciler.Keys) (*outbox.Trust, error) {
	id := rules.Config.Reconciler.Identity
	signer, err := keys.Signer(id)
	if err != nil {
		return nil, fmt.Errorf("outbox: the reconciler %s signs the outbox (refs/writ/outbox), and its key is not available: %w", id, err)
	}
	return &outbox.Trust{Signer: signer, Verify: func(c *object.Commit) error { return reconciler.SignedByReconciler(c, rules) }}, nil
}
