package signing

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/hiddeco/sshsig"
)

// Armour lines, as written by ssh-keygen -Y sign and checked by git.
const (
	sshBegin    = "-----BEGIN SSH SIGNATURE-----"
	sshEnd      = "-----END SSH SIGNATURE-----"
	armorWidth  = 70 // ssh-keygen wraps base64 at 70 columns
	maxArmorLen = 64 << 10

	// Namespace is the SSHSIG namespace git uses for commit and tag
	// signatures.
	Namespace = "git"
)

// Armour lines of the other formats git writes.
const (
	pgpBegin = "-----BEGIN PGP SIGNATURE-----"
	pgpEnd   = "-----END PGP SIGNATURE-----"
	cmsBegin = "-----BEGIN SIGNED MESSAGE-----" // x509/CMS: gitsign, gpgsm
	cmsEnd   = "-----END SIGNED MESSAGE-----"
)

// Armour prefixes of formats writ recognises but does not verify.
var unsupportedBegins = []string{
	"-----BEGIN PGP MESSAGE-----",
	"-----BEGIN PGP SIGNED MESSAGE-----",
}

// Format names a signature format.
type Format string

// The signature formats writ verifies.
const (
	FormatSSH     Format = "ssh"     // SSHSIG, gpg.format=ssh
	FormatOpenPGP Format = "openpgp" // OpenPGP detached signature, gpg.format=openpgp
	FormatX509    Format = "x509"    // CMS with a CA-issued certificate, gpg.format=x509 (gpgsm)
	FormatKeyless Format = "keyless" // CMS with a Fulcio certificate (gitsign)
	FormatKey     Format = "key"     // cosign-style blob signature with a public key
)

// detectFormat names the armour of a commit signature: FormatSSH,
// FormatOpenPGP, or FormatX509 for any CMS signature (keyless ones are told
// apart by their certificate later). Errors wrap ErrMalformedSignature or
// ErrUnsupportedSignature.
func detectFormat(armored string) (Format, error) {
	if len(armored) > maxArmorLen {
		return "", fmt.Errorf("%w: %d bytes exceeds limit of %d", ErrMalformedSignature, len(armored), maxArmorLen)
	}
	switch {
	case strings.HasPrefix(armored, sshBegin):
		return FormatSSH, nil
	case strings.HasPrefix(armored, pgpBegin):
		return FormatOpenPGP, nil
	case strings.HasPrefix(armored, cmsBegin):
		return FormatX509, nil
	}
	for _, p := range unsupportedBegins {
		if strings.HasPrefix(armored, p) {
			return "", fmt.Errorf("%w: %s armour (want a detached signature)", ErrUnsupportedSignature, strings.Trim(p, "-"))
		}
	}
	return "", fmt.Errorf("%w: no SSH, PGP or SIGNED MESSAGE armour", ErrMalformedSignature)
}

// allowedHashes are the SSHSIG message hashes accepted on verification.
// ssh-keygen (and so git) writes sha512; sha256 is allowed by the protocol.
var allowedHashes = map[sshsig.HashAlgorithm]bool{
	sshsig.HashSHA512: true,
	sshsig.HashSHA256: true,
}

// armor renders an SSHSIG wire blob byte for byte as ssh-keygen does.
func armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b strings.Builder
	b.Grow(len(enc) + len(enc)/armorWidth + len(sshBegin) + len(sshEnd) + 4)
	b.WriteString(sshBegin)
	b.WriteByte('\n')
	for len(enc) > armorWidth {
		b.WriteString(enc[:armorWidth])
		b.WriteByte('\n')
		enc = enc[armorWidth:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	b.WriteString(sshEnd)
	b.WriteByte('\n')
	return []byte(b.String())
}

// dearmor strictly decodes one armoured SSH signature: the BEGIN line, base64
// lines, the END line, and nothing else except trailing newlines. Errors wrap
// ErrMalformedSignature or ErrUnsupportedSignature.
func dearmor(armored string) ([]byte, error) {
	if !strings.HasPrefix(armored, sshBegin) && armored != "" && len(armored) <= maxArmorLen {
		if _, err := detectFormat(armored); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: missing %q line", ErrMalformedSignature, sshBegin)
	}
	return dearmorBlock(armored, sshBegin, sshEnd)
}

// dearmorBlock strictly decodes one armoured block without headers: the
// begin line, base64 lines, the end line, and nothing else except trailing
// newlines. This is the layout of SSH signatures and of the CMS signatures
// gitsign and gpgsm write. Errors wrap ErrMalformedSignature.
func dearmorBlock(armored, begin, end string) ([]byte, error) {
	if len(armored) > maxArmorLen {
		return nil, fmt.Errorf("%w: %d bytes exceeds limit of %d", ErrMalformedSignature, len(armored), maxArmorLen)
	}
	s := strings.TrimRight(armored, "\n")
	if s == "" {
		return nil, fmt.Errorf("%w: empty signature", ErrMalformedSignature)
	}
	if !strings.HasPrefix(s, begin) {
		return nil, fmt.Errorf("%w: missing %q line", ErrMalformedSignature, begin)
	}
	lines := strings.Split(s, "\n")
	if len(lines) < 3 || lines[0] != begin || lines[len(lines)-1] != end {
		return nil, fmt.Errorf("%w: armour must be %q, base64 lines, %q", ErrMalformedSignature, begin, end)
	}
	var b64 strings.Builder
	for i, l := range lines[1 : len(lines)-1] {
		if l == "" || !isBase64Line(l) {
			return nil, fmt.Errorf("%w: armour line %d is not base64", ErrMalformedSignature, i+2)
		}
		b64.WriteString(l)
	}
	blob, err := base64.StdEncoding.Strict().DecodeString(b64.String())
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %v", ErrMalformedSignature, err)
	}
	return blob, nil
}

func isBase64Line(l string) bool {
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return true
}

// parseSignature decodes an armoured SSH signature and parses its SSHSIG
// blob. It never panics: a panic in the underlying wire decoder is turned
// into ErrMalformedSignature.
func parseSignature(armored string) (sig *sshsig.Signature, err error) {
	blob, err := dearmor(armored)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			sig, err = nil, fmt.Errorf("%w: sshsig blob: %v", ErrMalformedSignature, r)
		}
	}()
	sig, err = sshsig.ParseSignature(blob)
	switch {
	case err == nil:
	case errors.Is(err, sshsig.ErrUnsupportedSignatureVersion),
		errors.Is(err, sshsig.ErrUnsupportedHashAlgorithm):
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedSignature, err)
	default:
		return nil, fmt.Errorf("%w: sshsig blob: %v", ErrMalformedSignature, err)
	}
	if sig.PublicKey == nil || sig.Signature == nil {
		return nil, fmt.Errorf("%w: sshsig blob lacks key or signature", ErrMalformedSignature)
	}
	if !allowedHashes[sig.HashAlgorithm] {
		return nil, fmt.Errorf("%w: hash algorithm %q (want sha512 or sha256)", ErrUnsupportedSignature, sig.HashAlgorithm)
	}
	return sig, nil
}
