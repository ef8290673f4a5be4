package schemas

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// TrustedRootNeeds says what the keyless signers of a writ.yaml need from
// its trusted root.
type TrustedRootNeeds struct {
	// Keyless: at least one keyless signer, so the root must list a Fulcio
	// certificate authority and a certificate-transparency log (every
	// keyless certificate must carry an SCT from one).
	Keyless bool
	// Rekor: a keyless signer with rekor: true, so the root must list a
	// Rekor log.
	Rekor bool
}

// keylessNeeds is what cfg's keyless signers need from trust.trusted_root.
func keylessNeeds(cfg *Config) TrustedRootNeeds {
	var n TrustedRootNeeds
	for _, id := range cfg.Identities {
		for _, s := range id.Signers {
			if s.Keyless != nil {
				n.Keyless = true
				n.Rekor = n.Rekor || s.Keyless.Rekor
			}
		}
	}
	return n
}

// ParseTrustedRoot parses a sigstore trusted_root.json (media type
// application/vnd.dev.sigstore.trustedroot+json;version=0.1) with
// sigstore-go, and checks that it lists what needs asks for. It is the one
// parser of trust.trusted_root: validate and the verifier both use it.
func ParseTrustedRoot(data []byte, needs TrustedRootNeeds) (*root.TrustedRoot, error) {
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		// protobuf's messages vary their spaces from build to build, on
		// purpose; writ's errors say the same thing every time.
		msg := strings.ReplaceAll(err.Error(), "\u00a0", " ")
		return nil, fmt.Errorf("not a sigstore trusted root (trusted_root.json): %s", msg)
	}
	var missing []error
	if needs.Keyless && len(tr.FulcioCertificateAuthorities()) == 0 {
		missing = append(missing, errors.New("lists no Fulcio certificate authority (certificateAuthorities), which keyless signers chain to"))
	}
	if needs.Keyless && len(tr.CTLogs()) == 0 {
		missing = append(missing, errors.New("lists no certificate-transparency log (ctlogs), whose signed certificate timestamp every keyless certificate must carry"))
	}
	if needs.Rekor && len(tr.RekorLogs()) == 0 {
		missing = append(missing, errors.New("lists no Rekor log (tlogs), which keyless signers with rekor: true need"))
	}
	return tr, errors.Join(missing...)
}
