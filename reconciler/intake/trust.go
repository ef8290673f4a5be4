package intake

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
)

// VerifyNow verifies a commit that is not yet in the WAL, judged at now,
// the reconciler's clock, never at the committer time alone (the signer
// chose it): an x509 certificate without a trusted timestamp must be valid
// now, and the signer must not be revoked now nor at the committer time. A
// revoked key, or an expired or not yet valid certificate, cannot get new
// input in by dating its commits into a time it was valid. The result
// bounds the times it holds at (Verified.HoldsAt): Gate judges the entry's
// clock against them (holdAt), and replay judges at that clock.
func VerifyNow(c *object.Commit, ring *signing.KeyRing, now time.Time) (signing.Verified, error) {
	return signing.VerifyCommitSeen(c, ring, now)
}

// EntryTime is the time a WAL entry's clock attests: replay judges the
// signatures of an entry's proposal and decisions at it.
func EntryTime(h core.HLC) time.Time {
	return time.UnixMilli(h.Wall).UTC()
}

// holdAt judges p's signatures again at the time the entry would carry,
// which replay will judge them at: a proposal commit whose signer no longer
// holds then (revoked, or its certificate expired or not yet valid) is a
// problem; such a decision is ignored, with the reason, and the verdict is
// what the other decisions make it. It is pure and returns a copy.
func (p Pending) holdAt(hlc core.HLC) Pending {
	if len(p.signedBy) == 0 {
		return p
	}
	at := EntryTime(hlc)
	decided := map[string]bool{}
	var kept []policies.Decision
	for i, d := range p.Decisions {
		decided[d.Ref] = true
		v, ok := p.signedBy[d.Ref]
		if !ok {
			if kept != nil {
				kept = append(kept, d)
			}
			continue
		}
		err := v.HoldsAt(at)
		if err == nil {
			if kept != nil {
				kept = append(kept, d)
			}
			continue
		}
		if kept == nil {
			kept = append([]policies.Decision{}, p.Decisions[:i]...)
		}
		p.Ignored = append(slices.Clip(p.Ignored), Ignored{Commit: d.Ref, Identity: d.Identity,
			Reason: fmt.Sprintf("signature, at the entry's time: %v (%s)", err, SignatureHint(err))})
	}
	if kept != nil {
		p.Decisions = kept
	}
	hashes := make([]string, 0, len(p.signedBy))
	for h := range p.signedBy {
		if !decided[h] {
			hashes = append(hashes, h)
		}
	}
	slices.Sort(hashes)
	for _, h := range hashes {
		if err := p.signedBy[h].HoldsAt(at); err != nil {
			p.Problems = append(slices.Clip(p.Problems), fmt.Sprintf("commit %s, at the entry's time: %v: %s", shortHash(h), err, SignatureHint(err)))
			break
		}
	}
	return p
}

// SignatureHint says what to do about a commit whose signature was
// refused, after what happened.
func SignatureHint(err error) string {
	switch {
	case errors.Is(err, signing.ErrRevoked):
		return "that signer is revoked in writ.yaml (revoked_at); sign again with another of the identity's signers, " +
			"or add a new signer to writ.yaml through a rules change (writ propose --rules)"
	case errors.Is(err, signing.ErrNotYetValid):
		return "the certificate is not valid yet at the reconciler's time; sign again once it is, or with a certificate valid now"
	case errors.Is(err, signing.ErrExpired):
		return "renew the certificate or key and sign again, or rotate to a new signer in writ.yaml through a rules change (writ propose --rules)"
	case errors.Is(err, signing.ErrUnsigned), errors.Is(err, signing.ErrUnknownSigner):
		return "every proposal commit must be signed by a signer of an identity in writ.yaml; sign it again (git commit -S, or writ propose)"
	default:
		return "sign the commit again with a signer of writ.yaml"
	}
}
