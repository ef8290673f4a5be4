package cli

import (
	"fmt"
	"os"

	"github.com/writ-dev/writ/adapters/actions"
	"github.com/writ-dev/writ/adapters/keyless"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// keylessEnabled reports whether the reconciler should sign keyless:
// --keyless, or WRIT_KEYLESS=true (what action.yml sets).
func (a *app) keylessEnabled() bool {
	return a.keyless || os.Getenv("WRIT_KEYLESS") == "true"
}

// withKeyless makes the reconciler identity named by writ.yaml on main sign
// keyless: an ephemeral key certified by Fulcio for the GitHub Actions
// workflow's OIDC identity. Every other identity keeps its local key.
func (a *app) withKeyless(e *reconciler.Engine) error {
	identity, err := reconcilerIdentity(e)
	if err != nil {
		return fmt.Errorf("--keyless: %w", err)
	}
	signer, err := signing.NewKeylessSigner(&signing.HTTPFulcio{URL: a.fulcioURL}, actions.TokenSource{}, signing.KeylessOptions{Now: a.now})
	if err != nil {
		return fmt.Errorf("--keyless: %w", err)
	}
	e.Keys = keyless.Keys{Reconciler: identity, Keyless: signer, Fallback: e.Keys}
	return nil
}

// reconcilerIdentity returns the reconciler identity writ.yaml on main
// names.
func reconcilerIdentity(e *reconciler.Engine) (string, error) {
	main, err := e.Store.Ref(gitstore.MainRef)
	if err != nil {
		return "", fmt.Errorf("read main: %w", err)
	}
	raw, err := e.Store.ReadFile(main, schemas.ConfigFile)
	if err != nil {
		return "", err
	}
	cfg, problems := schemas.LoadConfig(schemas.ConfigFile, raw)
	if len(problems) > 0 {
		return "", problems
	}
	return cfg.Reconciler.Identity, nil
}
