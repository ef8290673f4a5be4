package signing

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// explainSigstore turns a refusal by sigstore-go's verifier into one of
// writ's sentinel errors with its reason. The verdict is sigstore-go's;
// this only finds which of its steps refused, by running the same steps
// (exported by sigstore-go, deterministic) in its order: the Rekor entry,
// the timestamps, the chain at each verified time, the SCT, the identity.
// Whatever it cannot pin down is a bad signature, the one step left.
func (r *KeyRing) explainSigstore(e *cmsEntity, s *cmsSignature, verr error) error {
	tm := r.sigstore.root
	type observed struct {
		at   time.Time
		what string
	}
	var times []observed
	if len(e.entries) > 0 {
		for _, t := range e.entries {
			if it := t.IntegratedTime(); !it.IsZero() && !validAt(s.leaf, it) {
				return r.leafError(s.leaf, it, "Rekor integrated time")
			}
		}
		ts, err := verify.VerifyTlogEntry(e, tm, 1, true)
		if err != nil {
			return r.tlogError(e, err)
		}
		for _, t := range ts {
			times = append(times, observed{t.Time, "Rekor integrated time"})
		}
	}
	if len(e.timestamps) > 0 {
		ts, err := verify.VerifySignedTimestampWithThreshold(e, tm, 1)
		if err != nil {
			return fmt.Errorf("%w: the RFC 3161 timestamp does not verify against a timestamp authority of %s: %v", ErrNoTrustedTime, r.sigstore.path, err)
		}
		for _, t := range ts {
			times = append(times, observed{t.Time, "RFC 3161 timestamp"})
		}
	}
	var chains [][]*x509.Certificate
	for _, t := range times {
		c, err := verify.VerifyLeafCertificate(t.at, s.leaf, tm)
		if err != nil {
			return r.leafError(s.leaf, t.at, t.what)
		}
		chains = c
	}
	if chains != nil {
		if err := verify.VerifySignedCertificateTimestamp(chains, 1, tm); err != nil {
			return r.sctError(s.leaf, err)
		}
	}
	if summary, err := certificate.SummarizeCertificate(s.leaf); err == nil {
		if _, err := r.keylessMatches(summary); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: certificate %s: sigstore verification: %v", ErrBadSignature, describeCert(s.leaf), verr)
}

// tlogError explains a Rekor entry that does not verify. sigstore-go
// skips entries from unknown logs and with bad signed entry timestamps
// (and then counts too few); this names which.
func (r *KeyRing) tlogError(e *cmsEntity, err error) error {
	logs := r.sigstore.root.RekorLogs()
	for _, t := range e.entries {
		id := hex.EncodeToString([]byte(t.LogKeyID()))
		if _, ok := logs[id]; !ok {
			return fmt.Errorf("%w: the Rekor entry is from log %s, which %s does not list", ErrTransparencyLog, id, r.sigstore.path)
		}
		if t.HasInclusionPromise() {
			if serr := tlog.VerifySET(t, logs); serr != nil {
				return fmt.Errorf("%w: the signed entry timestamp of Rekor entry %d does not verify against %s: %v", ErrTransparencyLog, t.LogIndex(), r.sigstore.path, serr)
			}
		}
	}
	return fmt.Errorf("%w: the Rekor entry does not verify against a Rekor log of %s: %v", ErrTransparencyLog, r.sigstore.path, err)
}

// sctError explains a certificate without a verifiable SCT.
func (r *KeyRing) sctError(leaf *x509.Certificate, err error) error {
	return fmt.Errorf("%w: certificate %s carries no signed certificate timestamp that verifies against a CT log of %s: %v",
		ErrUntrustedCertificate, describeCert(leaf), r.sigstore.path, err)
}

// leafError explains why leaf does not chain to a Fulcio CA of the trusted
// root at t (what names t): outside its own validity (ErrExpired, saying
// which side), or refused by every CA (ErrUntrustedCertificate).
func (r *KeyRing) leafError(leaf *x509.Certificate, t time.Time, what string) error {
	window := fmt.Sprintf("valid from %s to %s", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	at := t.UTC().Format(time.RFC3339)
	switch {
	case t.Before(leaf.NotBefore):
		return fmt.Errorf("%w: certificate %s is not yet valid at the %s %s (%s)", ErrExpired, describeCert(leaf), what, at, window)
	case t.After(leaf.NotAfter):
		return fmt.Errorf("%w: certificate %s had expired at the %s %s (%s)", ErrExpired, describeCert(leaf), what, at, window)
	}
	var crit x509.UnhandledCriticalExtension
	var inv x509.CertificateInvalidError
	var unk x509.UnknownAuthorityError
	reason := fmt.Sprintf("does not chain to a Fulcio certificate authority in %s", r.sigstore.path)
	rank := 0
	for _, ca := range r.sigstore.root.FulcioCertificateAuthorities() {
		_, err := ca.Verify(leaf, t)
		switch {
		case err == nil:
		case errors.As(err, &crit):
			return fmt.Errorf("%w: certificate %s has an unknown critical extension", ErrUntrustedCertificate, describeCert(leaf))
		case errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage && rank < 3:
			reason, rank = "extended key usage does not allow code signing", 3
		case errors.As(err, &inv) && rank < 2:
			reason, rank = fmt.Sprintf("its chain to a Fulcio certificate authority of %s is invalid at the %s %s: %v", r.sigstore.path, what, at, err), 2
		case errors.As(err, &unk):
		case rank < 1:
			if fca, ok := ca.(*root.FulcioCertificateAuthority); ok {
				reason, rank = fmt.Sprintf("the Fulcio certificate authority %q of %s is not trusted at the %s %s: %v", fca.Root.Subject.CommonName, r.sigstore.path, what, at, err), 1
			}
		}
	}
	return fmt.Errorf("%w: certificate %s: %s", ErrUntrustedCertificate, describeCert(leaf), reason)
}

func validAt(c *x509.Certificate, t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}
