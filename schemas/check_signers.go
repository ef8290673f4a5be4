package schemas

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/crypto/ssh"
)

// keyOwner remembers who first claimed a key (or a certificate identity),
// so a second claim can say where the first one is.
type keyOwner struct {
	identity, signer int
	path             Path
}

// claim records key for (i, j) at path, or reports it when another signer
// already holds it. what names the kind of key in the message.
func (c *checker) claim(owners map[string]keyOwner, cfg *Config, key, what string, i, j int, path Path) {
	prev, dup := owners[key]
	switch {
	case !dup:
		owners[key] = keyOwner{identity: i, signer: j, path: path}
	case prev.identity == i:
		c.at(path, "signer %d: same %s as signer %d", j, what, prev.signer)
	default:
		c.at(path, "signer %d: %s already belongs to identity %q (at %s)",
			j, what, cfg.Identities[prev.identity].Name, where(c.pos, prev.path, c.pos))
	}
}

// checkSigners checks every signer: its key parses, no key (or certificate
// identity) is claimed twice, patterns compile, revoked_at is RFC 3339, and
// keyless signers have the trust roots they need.
func (c *checker) checkSigners(cfg *Config) {
	owners := map[string]keyOwner{}
	for i, id := range cfg.Identities {
		for j, s := range id.Signers {
			base := At("identities", i, "signers", j)
			switch s.Kind() {
			case SignerSSH:
				c.checkSSHSigner(owners, cfg, s.SSH, i, j, append(base, "ssh"))
			case SignerPGP:
				if fp, err := PGPFingerprint(s.PGP); err != nil {
					c.at(append(base, "pgp"), "signer %d: %v", j, err)
				} else {
					c.claim(owners, cfg, "pgp:"+fp, "OpenPGP key", i, j, append(base, "pgp"))
				}
			case SignerKey:
				if der, err := ParsePublicKeyPEM(s.Key); err != nil {
					c.at(append(base, "key"), "signer %d: %v", j, err)
				} else {
					c.claim(owners, cfg, "key:"+hex.EncodeToString(der), "public key", i, j, append(base, "key"))
				}
			case SignerX509:
				x := s.X509
				c.claim(owners, cfg, "x509:"+x.CA+"\x00"+x.Email+"\x00"+x.Subject, "x509 identity", i, j, append(base, "x509"))
			case SignerKeyless:
				c.checkKeyless(owners, cfg, s.Keyless, i, j, append(base, "keyless"))
			}
			if s.RevokedAt != "" {
				if _, err := time.Parse(time.RFC3339, s.RevokedAt); err != nil {
					c.at(append(base, "revoked_at"), "signer %d: invalid time %q (want RFC 3339, such as 2026-01-02T15:04:05Z)", j, s.RevokedAt)
				}
			}
		}
	}
}

func (c *checker) checkSSHSigner(owners map[string]keyOwner, cfg *Config, line string, i, j int, path Path) {
	key, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "ssh: ")
		msg = strings.TrimPrefix(msg, "no key found; last parsing error for ignored line: ")
		c.at(path, "signer %d: invalid SSH public key (want authorized_keys format, \"ssh-ed25519 AAAA... comment\"): %s", j, msg)
		return
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		c.at(path, "signer %d: holds more than one SSH key; give each key its own signer", j)
	}
	if err := CheckSSHKeyType(key); err != nil {
		c.at(path, "signer %d: %v", j, err)
	}
	c.claim(owners, cfg, "ssh:"+string(key.Marshal()), "SSH key", i, j, path)
}

func (c *checker) checkKeyless(owners map[string]keyOwner, cfg *Config, k *KeylessSigner, i, j int, path Path) {
	for _, p := range []struct{ field, re string }{{"identity_pattern", k.IdentityPattern}, {"issuer_pattern", k.IssuerPattern}} {
		if p.re == "" {
			continue
		}
		if _, err := CompileAnchored(p.re); err != nil {
			c.at(append(path, p.field), "signer %d: invalid pattern: %v", j, err)
		}
	}
	if cfg.Trust == nil || cfg.Trust.TrustedRoot == "" {
		c.at(path, "signer %d: a keyless signer needs trust.trusted_root (a sigstore trusted_root.json in this repo)", j)
	}
	if k.Identity != "" && k.Issuer != "" {
		c.claim(owners, cfg, "keyless:"+k.Identity+"\x00"+k.Issuer, "keyless identity and issuer", i, j, path)
	}
}

// CompileAnchored compiles a signer pattern so that it must match the whole
// value: "^(?:" + pattern + ")$".
func CompileAnchored(pattern string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, err // name the pattern as written
	}
	return regexp.Compile("^(?:" + pattern + ")$")
}

// PGPFingerprint parses an ASCII-armoured OpenPGP public key block holding
// exactly one key (with any subkeys) and returns its primary key's
// fingerprint in upper-case hex.
func PGPFingerprint(armored string) (fp string, err error) {
	defer func() {
		if r := recover(); r != nil {
			fp, err = "", fmt.Errorf("invalid OpenPGP public key: %v", r)
		}
	}()
	if !strings.HasPrefix(strings.TrimSpace(armored), "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		return "", fmt.Errorf("invalid OpenPGP public key: want an armoured \"PGP PUBLIC KEY BLOCK\"")
	}
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armored))
	if err != nil {
		return "", fmt.Errorf("invalid OpenPGP public key: %v", err)
	}
	if len(el) != 1 {
		return "", fmt.Errorf("holds %d OpenPGP keys; give each key its own signer", len(el))
	}
	if el[0].PrivateKey != nil {
		return "", fmt.Errorf("holds an OpenPGP private key; give the public key only")
	}
	return strings.ToUpper(hex.EncodeToString(el[0].PrimaryKey.Fingerprint)), nil
}

// ParsePublicKeyPEM parses exactly one PEM "PUBLIC KEY" (PKIX) block and
// returns its DER. Accepted keys: ECDSA on P-256, P-384 or P-521, Ed25519,
// and RSA of at least 2048 bits.
func ParsePublicKeyPEM(s string) ([]byte, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("invalid public key: want one PEM \"PUBLIC KEY\" block")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("invalid public key: text after the PEM block; give each key its own signer")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("invalid public key: %v", err)
	}
	if err := CheckPublicKeyType(pub); err != nil {
		return nil, err
	}
	return block.Bytes, nil
}

// CheckPublicKeyType refuses key types writ does not accept for signing:
// anything but ECDSA on P-256/384/521, Ed25519, or RSA of 2048 bits or more.
func CheckPublicKeyType(pub any) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve.Params().Name {
		case "P-256", "P-384", "P-521":
			return nil
		}
		return fmt.Errorf("unsupported key type: ECDSA on curve %s (want P-256, P-384 or P-521)", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("unsupported key type: RSA key of %d bits (want at least 2048)", k.N.BitLen())
		}
		return nil
	default:
		return fmt.Errorf("unsupported key type %T (want ECDSA, Ed25519 or RSA)", pub)
	}
}

// CheckSSHKeyType applies CheckPublicKeyType to an SSH key (so DSA and
// short RSA keys are refused). Keys that do not expose their crypto key,
// such as FIDO security keys, are accepted.
func CheckSSHKeyType(key ssh.PublicKey) error {
	if k, ok := key.(ssh.CryptoPublicKey); ok {
		return CheckPublicKeyType(k.CryptoPublicKey())
	}
	return nil
}

// ParseCertificatesPEM parses every PEM "CERTIFICATE" block in data. It
// refuses data with no certificate, other block types, or text that is not
// PEM.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q is not a CERTIFICATE", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %v", len(certs), err)
		}
		certs = append(certs, cert)
	}
	switch {
	case len(bytes.TrimSpace(rest)) > 0 && len(certs) == 0:
		return nil, fmt.Errorf("no complete PEM CERTIFICATE block (truncated, or not PEM)")
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, fmt.Errorf("text that is not a complete PEM block after certificate %d (truncated?)", len(certs))
	case len(certs) == 0:
		return nil, fmt.Errorf("no PEM CERTIFICATE block")
	}
	return certs, nil
}

// checkTrustFiles checks that every trust file writ.yaml names lies under
// trust/, exists in fsys and holds what it should: certificates for
// tsa_roots and x509 CAs, a sigstore trusted root for trusted_root.
func checkTrustFiles(fsys fs.FS, cfg *Config, pos *Positions) Problems {
	c := &checker{pos: pos}
	// Trust files are rules: they live under trust/, so that a rules
	// change (which may touch only rules paths) can replace them.
	inTrust := func(file string, path Path) bool {
		if IsRulesPath(file) && strings.HasPrefix(file, TrustDir+"/") {
			return true
		}
		c.at(path, "%s is outside %s/: trust files live under %s/, a rules path, so that a governance change can update them", file, TrustDir, TrustDir)
		return false
	}
	certs := func(file string, path Path) {
		if !inTrust(file, path) {
			return
		}
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			c.at(path, "cannot read %s: %v", file, trimFSError(err))
			return
		}
		if _, err := ParseCertificatesPEM(data); err != nil {
			c.at(path, "%s: %v", file, err)
		}
	}
	if t := cfg.Trust; t != nil {
		for i, f := range t.TSARoots {
			certs(f, At("trust", "tsa_roots", i))
		}
		if f := t.TrustedRoot; f != "" && inTrust(f, At("trust", "trusted_root")) {
			if data, err := fs.ReadFile(fsys, f); err != nil {
				c.at(At("trust", "trusted_root"), "cannot read %s: %v", f, trimFSError(err))
			} else if _, err := ParseTrustedRoot(data, keylessNeeds(cfg)); err != nil {
				c.at(At("trust", "trusted_root"), "%s: %v", f, err)
			}
		}
	}
	for i, id := range cfg.Identities {
		for j, s := range id.Signers {
			if s.Kind() == SignerX509 {
				certs(s.X509.CA, At("identities", i, "signers", j, "x509", "ca"))
			}
		}
	}
	return c.problems
}

// trimFSError drops the "open <path>: " prefix fs errors carry, since the
// message names the file already.
func trimFSError(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return "file is missing"
		}
		return pe.Err.Error()
	}
	return err.Error()
}
