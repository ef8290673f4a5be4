package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/schemas"
)

// verifyNow verifies a commit that is not yet in the WAL. Beyond the
// signature (checked at the time the commit claims), the signer must not
// be revoked now: a revoked key cannot get new input in by backdating.
func verifyNow(c *object.Commit, ring *signing.KeyRing, rules *schemas.Bundle, now time.Time) (signing.Verified, error) {
	v, err := signing.VerifyCommit(c, ring)
	if err != nil {
		return v, err
	}
	if at, ok := revokedAt(rules, v); ok && !now.Before(at) {
		return v, fmt.Errorf("commit %s: signer %s of %s was revoked at %s: %w",
			shortHash(c.Hash.String()), v.Signer, v.Identity, at.Format(time.RFC3339), signing.ErrRevoked)
	}
	return v, nil
}

// revokedAt returns when the signer that made v was revoked, if it was.
func revokedAt(rules *schemas.Bundle, v signing.Verified) (time.Time, bool) {
	id, ok := rules.Identity(v.Identity)
	if !ok {
		return time.Time{}, false
	}
	for i, s := range id.Signers {
		if s.Name != v.Signer && strconv.Itoa(i) != v.Signer {
			continue
		}
		if s.RevokedAt == "" {
			return time.Time{}, false
		}
		t, err := time.Parse(time.RFC3339, s.RevokedAt)
		return t, err == nil
	}
	return time.Time{}, false
}
