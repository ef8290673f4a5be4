package signing

import (
	"fmt"
	"time"
)

// HoldsAt says whether v still holds at t, a seen time later than (or
// other than) the one it was verified at: the signer is not revoked at t
// (RevokedAt is after it) and t lies within NotBefore..NotAfter. A caller
// that verified a signature when it saw it, and records another time for
// it that replay will judge at (the reconciler: the clock of the WAL entry
// it is about to write), checks that time here, so that replay never
// refuses what the reconciler accepted. Errors wrap ErrRevoked,
// ErrNotYetValid or ErrExpired and say when. It is pure.
func (v Verified) HoldsAt(t time.Time) error {
	when := t.UTC().Format(time.RFC3339)
	switch {
	case !v.RevokedAt.IsZero() && !t.Before(v.RevokedAt):
		return fmt.Errorf("%w: identity %q signer %q was revoked at %s; seen at %s",
			ErrRevoked, v.Identity, v.Signer, v.RevokedAt.UTC().Format(time.RFC3339), when)
	case !v.NotBefore.IsZero() && t.Before(v.NotBefore):
		return fmt.Errorf("%w: the certificate of %q (identity %q signer %q) is not yet valid before %s; seen at %s",
			ErrNotYetValid, v.Subject, v.Identity, v.Signer, v.NotBefore.UTC().Format(time.RFC3339), when)
	case !v.NotAfter.IsZero() && t.After(v.NotAfter) && v.Format == FormatOpenPGP:
		return fmt.Errorf("%w: the OpenPGP key %s (identity %q signer %q) expired at %s; seen at %s",
			ErrExpired, v.Fingerprint, v.Identity, v.Signer, v.NotAfter.UTC().Format(time.RFC3339), when)
	case !v.NotAfter.IsZero() && t.After(v.NotAfter):
		return fmt.Errorf("%w: the certificate of %q (identity %q signer %q) expired at %s; seen at %s",
			ErrExpired, v.Subject, v.Identity, v.Signer, v.NotAfter.UTC().Format(time.RFC3339), when)
	}
	return nil
}

// revokedAt returns the revoked_at of an identity's signer, zero when it
// has none (or the ring does not hold it).
func (r *KeyRing) revokedAt(identity, signer string) time.Time {
	if r == nil {
		return time.Time{}
	}
	return r.revoked[[2]string{identity, signer}]
}
