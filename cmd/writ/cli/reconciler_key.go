package cli

import (
	"fmt"

	"github.com/writ-dev/writ/adapters/keyless"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler"
)

// reconcilerKeyEnv holds the reconciler identity's SSH private key itself
// (not a path), as a CI secret gives it: the Action's reconciler-key input
// sets it. Only the reconciler named by writ.yaml on main signs with it;
// every other identity keeps the key directory.
const reconcilerKeyEnv = "WRIT_RECONCILER_KEY"

// withReconcilerKey makes the reconciler identity sign with the private key
// pem (from $WRIT_RECONCILER_KEY). Errors never quote the key.
func withReconcilerKey(e *reconciler.Engine, pem []byte) error {
	signer, err := signing.ParseSSHSigner(pem, "$"+reconcilerKeyEnv)
	if err != nil {
		return fmt.Errorf("%w (it must hold the reconciler's unencrypted OpenSSH private key, the file <git-dir>/writ/keys/<reconciler> that writ init wrote)", err)
	}
	identity, err := reconcilerIdentity(e)
	if err != nil {
		return fmt.Errorf("$%s: %w", reconcilerKeyEnv, err)
	}
	// keyless.Keys is the one "reconciler signs with this signer, everyone
	// else with the key directory" overlay; the signer need not be keyless.
	e.Keys = keyless.Keys{Reconciler: identity, Keyless: signer, Fallback: e.Keys}
	return nil
}
