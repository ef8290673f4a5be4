package signing

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/github/smimesign/ietf-cms/oid"
	"github.com/github/smimesign/ietf-cms/timestamp"
)

// checkTimestamp verifies the RFC 3161 timestamp token an x509 CMS
// signature carries (unsigned attribute id-aa-timeStampToken) against the
// ring's timestamp authority roots (trust.tsa_roots), and returns its
// time. Keyless signatures are timestamped against the trusted root, by
// sigstore-go. ok is false when there
// is no token, or the ring has no TSA roots (the token then proves
// nothing). A token that is present and checkable but does not verify is
// refused: errors wrap ErrNoTrustedTime, ErrUntrustedCertificate or
// ErrExpired.
func (r *KeyRing) checkTimestamp(s *cmsSignature) (t time.Time, ok bool, err error) {
	rv, present, err := s.unsignedAttr(oidTimeStampToken)
	if err != nil || !present || r.tsa == nil {
		return time.Time{}, false, err
	}
	tok, err := parseSignedData(rv.FullBytes, true)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w: timestamp token: %v", ErrNoTrustedTime, err)
	}
	if !tok.psd.EncapContentInfo.EContentType.Equal(oid.ContentTypeTSTInfo) {
		return time.Time{}, false, fmt.Errorf("%w: timestamp token does not hold a TSTInfo", ErrNoTrustedTime)
	}
	content, err := tok.psd.EncapContentInfo.EContentValue()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w: timestamp token: %v", ErrNoTrustedTime, err)
	}
	if err := tok.verifyOver(content); err != nil {
		return time.Time{}, false, fmt.Errorf("%w: timestamp token: %v", ErrNoTrustedTime, err)
	}
	info, err := parseTSTInfo(tok)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w: timestamp token: %v", ErrNoTrustedTime, err)
	}
	h, err := info.MessageImprint.Hash()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w: timestamp token: imprint hash: %v", ErrNoTrustedTime, err)
	}
	d := h.New()
	d.Write(s.si.Signature)
	if !bytes.Equal(d.Sum(nil), info.MessageImprint.HashedMessage) {
		return time.Time{}, false, fmt.Errorf("%w: timestamp token is for another signature", ErrNoTrustedTime)
	}
	if _, err := verifyChain(tok.leaf, tok.certs, r.tsa, info.GenTime, x509.ExtKeyUsageTimeStamping); err != nil {
		return time.Time{}, false, fmt.Errorf("timestamp authority: %w", err)
	}
	return info.GenTime.UTC(), true, nil
}

// parseTSTInfo decodes the TSTInfo of a timestamp token, never panicking.
func parseTSTInfo(tok *cmsSignature) (info timestamp.Info, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("TSTInfo: %v", r)
		}
	}()
	return timestamp.ParseInfo(tok.psd.EncapContentInfo)
}
