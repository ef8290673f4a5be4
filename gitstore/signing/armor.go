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

// Armour prefixes of formats writ recognises but does not verify yet.
var unsupportedBegins = []string{
	"-----BEGIN PGP SIGNATURE-----",
	"-----BEGIN PGP MESSAGE-----",
	"-----BEGIN SIGNED MESSAGE-----", // x509/CMS: gitsign, gpgsm
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
	if len(armored) > maxArmorLen {
		return nil, fmt.Errorf("%w: %d bytes exceeds limit of %d", ErrMalformedSignature, len(armored), maxArmorLen)
	}
	s := strings.TrimRight(armored, "\n")
	if s == "" {
		return nil, fmt.Errorf("%w: empty signature", ErrMalformedSignature)
	}
	if !strings.HasPrefix(s, sshBegin) {
		for _, p := range unsupportedBegins {
			if strings.HasPrefix(s, p) {
				return nil, fmt.Errorf("%w: %s armour", ErrUnsupportedSignature, strings.Trim(p, "-"))
			}
		}
		return nil, fmt.Errorf("%w: missing %q line", ErrMalformedSignature, sshBegin)
	}
	lines := strings.Split(s, "\n")
	if len(lines) < 3 || lines[0] != sshBegin || lines[len(lines)-1] != sshEnd {
		return nil, fmt.Errorf("%w: armour must be %q, base64 lines, %q", ErrMalformedSignature, sshBegin, sshEnd)
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
