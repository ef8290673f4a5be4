package signing

import (
	"bytes"
	"crypto"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	pgparmor "github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// pgpSignature is one parsed OpenPGP detached signature and its packet
// bytes.
type pgpSignature struct {
	sig   *packet.Signature
	raw   []byte
	keyID uint64
}

// parsePGPSignature strictly decodes an armoured OpenPGP detached signature
// as gpg writes for git: one "PGP SIGNATURE" block holding exactly one
// signature packet (binary or text mode) that names its issuer. It never
// panics. Errors wrap ErrMalformedSignature or ErrUnsupportedSignature.
func parsePGPSignature(armored string) (s *pgpSignature, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: openpgp: %v", ErrMalformedSignature, r)
		}
	}()
	if len(armored) > maxArmorLen {
		return nil, fmt.Errorf("%w: %d bytes exceeds limit of %d", ErrMalformedSignature, len(armored), maxArmorLen)
	}
	trimmed := strings.TrimRight(armored, "\n")
	if !strings.HasPrefix(trimmed, pgpBegin) || !strings.HasSuffix(trimmed, pgpEnd) || strings.Count(trimmed, "-----BEGIN ") != 1 {
		return nil, fmt.Errorf("%w: armour must be one %q ... %q block", ErrMalformedSignature, pgpBegin, pgpEnd)
	}
	block, err := pgparmor.Decode(strings.NewReader(armored))
	if err != nil {
		return nil, fmt.Errorf("%w: openpgp armour: %v", ErrMalformedSignature, err)
	}
	raw, err := io.ReadAll(io.LimitReader(block.Body, maxArmorLen))
	if err != nil {
		return nil, fmt.Errorf("%w: openpgp armour: %v", ErrMalformedSignature, err)
	}
	packets := packet.NewReader(bytes.NewReader(raw))
	p, err := packets.Next()
	if err != nil {
		var unsupported pgperrors.UnsupportedError
		if errors.As(err, &unsupported) {
			return nil, fmt.Errorf("%w: openpgp: %v", ErrUnsupportedSignature, err)
		}
		return nil, fmt.Errorf("%w: openpgp packet: %v", ErrMalformedSignature, err)
	}
	sig, ok := p.(*packet.Signature)
	if !ok {
		return nil, fmt.Errorf("%w: openpgp: %T packet where a signature is expected", ErrMalformedSignature, p)
	}
	if _, err := packets.Next(); err != io.EOF {
		return nil, fmt.Errorf("%w: openpgp: more than one packet", ErrMalformedSignature)
	}
	if sig.SigType != packet.SigTypeBinary && sig.SigType != packet.SigTypeText {
		return nil, fmt.Errorf("%w: openpgp signature of type %#x is not a document signature", ErrMalformedSignature, sig.SigType)
	}
	switch sig.Hash {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA3_256, crypto.SHA3_512:
	default:
		return nil, fmt.Errorf("%w: openpgp hash %v (want SHA-256 or stronger)", ErrUnsupportedSignature, sig.Hash)
	}
	var keyID uint64
	switch {
	case sig.IssuerKeyId != nil:
		keyID = *sig.IssuerKeyId
	case len(sig.IssuerFingerprint) >= 8:
		keyID = binary.BigEndian.Uint64(sig.IssuerFingerprint[:8]) // v6: key ID is the fingerprint's prefix
	default:
		return nil, fmt.Errorf("%w: openpgp signature names no issuer", ErrMalformedSignature)
	}
	return &pgpSignature{sig: sig, raw: raw, keyID: keyID}, nil
}

// verifyPGP checks an OpenPGP detached signature over payload. The key's
// own expiry and revocation are judged at the time the signature states;
// writ.yaml's revoked_at at the signing time t.Claimed (or that stated time
// when it is zero). The stated time is the signer's word, so with a seen
// time the key's expiry is returned as NotAfter, for VerifyPayloadTimes
// (and later HoldsAt) to judge that time against.
func (r *KeyRing) verifyPGP(payload []byte, armored string, t Times) (Verified, error) {
	at := t.Claimed
	s, err := parsePGPSignature(armored)
	if err != nil {
		return Verified{}, err
	}
	var keys []openpgp.Key
	if r != nil {
		keys = r.pgpKeys.KeysById(s.keyID)
	}
	if len(keys) == 0 {
		return Verified{}, fmt.Errorf("%w: OpenPGP key %016X is not in the key ring", ErrUnknownSigner, s.keyID)
	}
	created := s.sig.CreationTime
	cfg := &packet.Config{Time: func() time.Time { return created }}
	// Key IDs are 64 bits: try every key that claims this one.
	var e pgpEntry
	seen := map[string]bool{}
	for _, k := range keys {
		fp := pgpFingerprint(k.Entity)
		if seen[fp] {
			continue
		}
		seen[fp] = true
		e = r.pgp[fp]
		if _, err = checkPGP(openpgp.EntityList{e.entity}, payload, s.raw, cfg); err == nil || !isPGPSignatureMismatch(err) {
			break
		}
	}
	fp := pgpFingerprint(e.entity)
	switch {
	case err == nil:
	case errors.Is(err, pgperrors.ErrKeyExpired), errors.Is(err, pgperrors.ErrSignatureExpired):
		return Verified{}, fmt.Errorf("%w: OpenPGP key %s of %s at %s: %v", ErrExpired, fp, e.identity, created.UTC().Format(time.RFC3339), err)
	case errors.Is(err, pgperrors.ErrKeyRevoked):
		return Verified{}, fmt.Errorf("%w: OpenPGP key %s of %s is revoked: %v", ErrRevoked, fp, e.identity, err)
	case errors.Is(err, pgperrors.ErrUnknownIssuer):
		return Verified{}, fmt.Errorf("%w: OpenPGP key %016X has no signing key in the ring: %v", ErrUnknownSigner, s.keyID, err)
	default:
		var unsupported pgperrors.UnsupportedError
		if errors.As(err, &unsupported) {
			return Verified{}, fmt.Errorf("%w: OpenPGP key %s of %s: %v", ErrUnsupportedSignature, fp, e.identity, err)
		}
		return Verified{}, fmt.Errorf("%w: OpenPGP key %s of %s: %v", ErrBadSignature, fp, e.identity, err)
	}
	v := Verified{Identity: e.identity, Signer: e.signer, Fingerprint: fp, Format: FormatOpenPGP}
	if !t.Seen.IsZero() {
		v.NotAfter = pgpKeyExpiry(e.entity, s.keyID)
	}
	v.SignedAt, v.TimeSource = claimed(at)
	if v.SignedAt.IsZero() {
		v.SignedAt, v.TimeSource = claimed(created)
	}
	return done(v, checkRevoked(e.owner, v.SignedAt, created))
}

// isPGPSignatureMismatch reports whether err says the signature does not
// verify with the key (rather than that the key is expired or revoked).
func isPGPSignatureMismatch(err error) bool {
	var se pgperrors.SignatureError
	return errors.As(err, &se) || errors.Is(err, pgperrors.ErrUnknownIssuer)
}

// checkPGP runs go-crypto's detached-signature check, turning a panic into
// an error.
func checkPGP(keys openpgp.EntityList, payload, sig []byte, cfg *packet.Config) (e *openpgp.Entity, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("openpgp: %v", r)
		}
	}()
	return openpgp.CheckDetachedSignature(keys, bytes.NewReader(payload), bytes.NewReader(sig), cfg)
}

// pgpKeyExpiry returns when the key that made a signature (the primary key,
// or the subkey whose key ID is keyID) stops being valid: the earlier of
// the primary key's expiry and the subkey's, zero when neither expires.
func pgpKeyExpiry(e *openpgp.Entity, keyID uint64) time.Time {
	var out time.Time
	earlier := func(created time.Time, sig *packet.Signature) {
		if sig == nil || sig.KeyLifetimeSecs == nil || *sig.KeyLifetimeSecs == 0 {
			return
		}
		end := created.Add(time.Duration(*sig.KeyLifetimeSecs) * time.Second)
		if out.IsZero() || end.Before(out) {
			out = end
		}
	}
	if self, _ := e.PrimarySelfSignature(); self != nil {
		earlier(e.PrimaryKey.CreationTime, self)
	}
	for _, sk := range e.Subkeys {
		if sk.PublicKey != nil && sk.PublicKey.KeyId == keyID {
			earlier(sk.PublicKey.CreationTime, sk.Sig)
		}
	}
	return out
}
