package signing

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/writ-dev/writ/schemas"
	"golang.org/x/crypto/ssh"
)

// KeyRing is what a verifier trusts: every signer of every identity in
// writ.yaml (SSH, OpenPGP and public keys, x509 and keyless certificate
// identities) and, when built by NewTrust, the trust roots those
// certificates chain to (the sigstore trusted root for keyless, x509 CAs
// and timestamp authority roots) and the committer-time policy. SSH keys are
// indexed by fingerprint (ssh.FingerprintSHA256, "SHA256:...").
//
// A KeyRing is immutable after construction and safe for concurrent use.
// A nil *KeyRing is an empty ring that verifies nothing.
type KeyRing struct {
	byFingerprint map[string]ringEntry // SSH keys
	pgp           map[string]pgpEntry  // by upper-case hex primary fingerprint
	pgpKeys       openpgp.EntityList
	keys          []keyEntry
	x509          []x509Entry
	keyless       []keylessEntry
	revoked       map[[2]string]time.Time // identity, signer → revoked_at

	sigstore            *keylessTrust // trust.trusted_root
	tsa                 *certPool     // trust.tsa_roots, for x509
	acceptCommitterTime bool
}

// owner names the identity and signer a ring entry belongs to, with the
// signer's revocation time (zero when never revoked).
type owner struct {
	identity  string
	signer    string
	revokedAt time.Time
}

type ringEntry struct {
	owner
	key ssh.PublicKey
}

type pgpEntry struct {
	owner
	entity *openpgp.Entity
}

type keyEntry struct {
	owner
	pub         crypto.PublicKey
	fingerprint string
}

type x509Entry struct {
	owner
	email, subject string
	dn             distinguishedName // subject, parsed as RFC 4514 text
	caPath         string
	ca             *certPool // nil when built without trust files
}

type keylessEntry struct {
	owner
	san, issuer     string         // exact values, or ""
	sanRE, issuerRE *regexp.Regexp // anchored patterns, or nil
	rekor           bool
	certID          verify.CertificateIdentity // the same, as sigstore-go matches it
}

// NewKeyRing builds a ring from the identities of writ.yaml without any
// trust files. SSH, OpenPGP and public-key signers verify as usual;
// certificate signers (x509, keyless) are kept so they can be named, but
// their signatures are refused (ErrUntrustedCertificate) because no trust
// root is loaded: use NewTrust for those. Each signer is named by its Name
// or, when that is empty, its index in the identity's Signers; signers of
// no kind are skipped. A key that does not parse, a bad pattern or
// revoked_at, or one key claimed twice (by two identities or two signers)
// is an error: ownership must be unambiguous.
func NewKeyRing(ids []schemas.Identity) (*KeyRing, error) {
	return newRing(ids)
}

func newRing(ids []schemas.Identity) (*KeyRing, error) {
	r := &KeyRing{byFingerprint: make(map[string]ringEntry), pgp: make(map[string]pgpEntry), revoked: map[[2]string]time.Time{}}
	for _, id := range ids {
		for i, s := range id.Signers {
			name := signerName(s, i)
			if err := r.add(id.Name, name, s); err != nil {
				return nil, fmt.Errorf("key ring: identity %q signer %q: %w", id.Name, name, err)
			}
		}
	}
	return r, nil
}

// add puts one signer into the ring.
func (r *KeyRing) add(identity, name string, s schemas.Signer) error {
	o := owner{identity: identity, signer: name}
	if s.RevokedAt != "" {
		t, err := time.Parse(time.RFC3339, s.RevokedAt)
		if err != nil {
			return fmt.Errorf("revoked_at %q is not an RFC 3339 time", s.RevokedAt)
		}
		o.revokedAt = t
		k := [2]string{identity, name}
		if prev, dup := r.revoked[k]; !dup || t.Before(prev) {
			r.revoked[k] = t
		}
	}
	switch s.Kind() {
	case schemas.SignerSSH:
		key, err := parseAuthorizedKey(s.SSH)
		if err != nil {
			return err
		}
		fp := ssh.FingerprintSHA256(key)
		if prev, dup := r.byFingerprint[fp]; dup {
			return fmt.Errorf("key %s already belongs to identity %q signer %q", fp, prev.identity, prev.signer)
		}
		r.byFingerprint[fp] = ringEntry{owner: o, key: key}
	case schemas.SignerPGP:
		el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(s.PGP))
		if err != nil {
			return fmt.Errorf("openpgp key: %v", err)
		}
		if len(el) != 1 || el[0].PrivateKey != nil {
			return fmt.Errorf("openpgp key: want exactly one public key, found %d keys", len(el))
		}
		fp := pgpFingerprint(el[0])
		if prev, dup := r.pgp[fp]; dup {
			return fmt.Errorf("openpgp key %s already belongs to identity %q signer %q", fp, prev.identity, prev.signer)
		}
		r.pgp[fp] = pgpEntry{owner: o, entity: el[0]}
		r.pgpKeys = append(r.pgpKeys, el[0])
	case schemas.SignerKey:
		der, err := schemas.ParsePublicKeyPEM(s.Key)
		if err != nil {
			return err
		}
		pub, _ := x509.ParsePKIXPublicKey(der) // parsed once already
		fp := keyFingerprint(der)
		for _, prev := range r.keys {
			if prev.fingerprint == fp {
				return fmt.Errorf("public key %s already belongs to identity %q signer %q", fp, prev.identity, prev.signer)
			}
		}
		r.keys = append(r.keys, keyEntry{owner: o, pub: pub, fingerprint: fp})
	case schemas.SignerX509:
		if s.X509.Email == "" && s.X509.Subject == "" {
			return fmt.Errorf("x509 signer needs an email or a subject")
		}
		e := x509Entry{owner: o, email: s.X509.Email, subject: s.X509.Subject, caPath: s.X509.CA}
		if e.subject != "" {
			dn, err := parseDN(e.subject)
			if err != nil {
				return fmt.Errorf("x509 subject %q is not an RFC 4514 name (for example \"CN=Bob,O=Example Corp,C=US\"): %v", e.subject, err)
			}
			e.dn = dn
		}
		r.x509 = append(r.x509, e)
	case schemas.SignerKeyless:
		e, err := newKeylessEntry(o, s.Keyless)
		if err != nil {
			return err
		}
		r.keyless = append(r.keyless, e)
	}
	return nil
}

func newKeylessEntry(o owner, k *schemas.KeylessSigner) (keylessEntry, error) {
	e := keylessEntry{owner: o, san: k.Identity, issuer: k.Issuer, rekor: k.Rekor}
	var err error
	if k.IdentityPattern != "" {
		if e.sanRE, err = schemas.CompileAnchored(k.IdentityPattern); err != nil {
			return e, fmt.Errorf("identity_pattern: %v", err)
		}
	}
	if k.IssuerPattern != "" {
		if e.issuerRE, err = schemas.CompileAnchored(k.IssuerPattern); err != nil {
			return e, fmt.Errorf("issuer_pattern: %v", err)
		}
	}
	if (e.san == "") == (e.sanRE == nil) || (e.issuer == "") == (e.issuerRE == nil) {
		return e, fmt.Errorf("keyless signer needs exactly one of identity and identity_pattern, and of issuer and issuer_pattern")
	}
	e.certID, err = newCertID(e)
	return e, err
}

// Len returns the number of signers in the ring, of every kind.
func (r *KeyRing) Len() int {
	if r == nil {
		return 0
	}
	return len(r.byFingerprint) + len(r.pgp) + len(r.keys) + len(r.x509) + len(r.keyless)
}

// Lookup returns the identity and signer owning an SSH key.
func (r *KeyRing) Lookup(key ssh.PublicKey) (identity, signer string, ok bool) {
	if r == nil || key == nil {
		return "", "", false
	}
	e, ok := r.byFingerprint[ssh.FingerprintSHA256(key)]
	return e.identity, e.signer, ok
}

func (r *KeyRing) entry(fp string) (ringEntry, bool) {
	if r == nil {
		return ringEntry{}, false
	}
	e, ok := r.byFingerprint[fp]
	return e, ok
}

func signerName(s schemas.Signer, i int) string {
	if s.Name != "" {
		return s.Name
	}
	return strconv.Itoa(i)
}

func parseAuthorizedKey(line string) (ssh.PublicKey, error) {
	key, _, opts, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("ssh key: %w", err)
	}
	if len(opts) > 0 {
		return nil, fmt.Errorf("ssh key: authorized_keys options are not allowed")
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return nil, fmt.Errorf("ssh key: expected one key, found more lines")
	}
	if err := schemas.CheckSSHKeyType(key); err != nil {
		return nil, fmt.Errorf("ssh key: %w", err)
	}
	return key, nil
}
