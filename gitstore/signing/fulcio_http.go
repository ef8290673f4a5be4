package signing

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// PublicFulcioURL is the base URL of Sigstore's public-good Fulcio.
const PublicFulcioURL = "https://fulcio.sigstore.dev"

// fulcioSigningCertPath is the v2 API's certificate request endpoint.
const fulcioSigningCertPath = "/api/v2/signingCert"

// maxFulcioResponse caps the body read from Fulcio.
const maxFulcioResponse = 1 << 20

// HTTPFulcio is a FulcioClient for Fulcio's v2 REST API: it POSTs a
// CreateSigningCertificateRequest as JSON to <URL>/api/v2/signingCert and
// reads the chain from signedCertificateEmbeddedSct or
// signedCertificateDetachedSct (the detached SCT itself is dropped: writ's
// verifier does not check certificate transparency). It never retries; a
// FulcioError says whether a retry may help. The zero value is not usable:
// set URL. It is safe for concurrent use.
type HTTPFulcio struct {
	// URL is the Fulcio base URL, e.g. PublicFulcioURL.
	URL string
	// Client sends the request; nil means a client with a 30 s timeout.
	Client *http.Client
	// UserAgent, when set, is sent as the User-Agent header.
	UserAgent string
}

var _ FulcioClient = (*HTTPFulcio)(nil)

// FulcioError is a refusal from Fulcio: an HTTP status other than 200, with
// the message Fulcio gave. It wraps ErrFulcio.
type FulcioError struct {
	StatusCode int
	Message    string
}

// Error renders the status and Fulcio's message.
func (e *FulcioError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("%s: HTTP %d: %s", ErrFulcio, e.StatusCode, msg)
}

// Unwrap returns ErrFulcio.
func (e *FulcioError) Unwrap() error { return ErrFulcio }

// Retryable reports whether the same request may succeed later: a server
// error or rate limiting, as opposed to a refused token or request (4xx),
// which needs a human.
func (e *FulcioError) Retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests
}

// fulcioRequest is the JSON form of Fulcio's CreateSigningCertificateRequest
// (proto3 JSON names).
type fulcioRequest struct {
	Credentials struct {
		OIDCIdentityToken string `json:"oidcIdentityToken"`
	} `json:"credentials"`
	PublicKeyRequest struct {
		PublicKey struct {
			Algorithm string `json:"algorithm"`
			Content   string `json:"content"`
		} `json:"publicKey"`
		ProofOfPossession string `json:"proofOfPossession"` // base64
	} `json:"publicKeyRequest"`
}

// fulcioChain is the certificate chain in a SigningCertificate response.
type fulcioChain struct {
	Chain struct {
		Certificates []string `json:"certificates"`
	} `json:"chain"`
}

// fulcioResponse is the JSON form of Fulcio's SigningCertificate: one of the
// two is set.
type fulcioResponse struct {
	Embedded *fulcioChain `json:"signedCertificateEmbeddedSct"`
	Detached *fulcioChain `json:"signedCertificateDetachedSct"`
}

// SigningCert requests a certificate for req.PublicKey. Errors wrap
// ErrFulcio (a *FulcioError for an HTTP refusal), or the context's error.
func (f *HTTPFulcio) SigningCert(ctx context.Context, req CertRequest) ([]byte, error) {
	if f.URL == "" {
		return nil, fmt.Errorf("%w: no Fulcio URL configured", ErrFulcio)
	}
	body, err := encodeFulcioRequest(req)
	if err != nil {
		return nil, err
	}
	url := strings.TrimRight(f.URL, "/") + fulcioSigningCertPath
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFulcio, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	// Fulcio reads the token from the body's credentials, or from this
	// header when they are absent; sending both suits every version.
	hreq.Header.Set("Authorization", "Bearer "+req.IDToken)
	if f.UserAgent != "" {
		hreq.Header.Set("User-Agent", f.UserAgent)
	}
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFulcio, url, ctx.Err())
		}
		return nil, fmt.Errorf("%w: %v", ErrFulcio, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFulcioResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the response: %v", ErrFulcio, err)
	}
	if len(data) > maxFulcioResponse {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrFulcio, maxFulcioResponse)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return nil, &FulcioError{StatusCode: resp.StatusCode, Message: fulcioMessage(data)}
	}
	return decodeFulcioResponse(data)
}

// encodeFulcioRequest renders req as Fulcio's JSON request.
func encodeFulcioRequest(req CertRequest) ([]byte, error) {
	if req.IDToken == "" {
		return nil, fmt.Errorf("%w: empty identity token", ErrNoToken)
	}
	if len(req.ProofOfPossession) == 0 {
		return nil, fmt.Errorf("%w: no proof of possession", ErrFulcio)
	}
	var alg string
	switch req.PublicKey.(type) {
	case *ecdsa.PublicKey:
		alg = "ECDSA"
	case *rsa.PublicKey:
		alg = "RSA_PSS"
	case ed25519.PublicKey:
		alg = "ED25519"
	default:
		return nil, fmt.Errorf("%w: unsupported public key type %T", ErrFulcio, req.PublicKey)
	}
	der, err := x509.MarshalPKIXPublicKey(req.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrFulcio, err)
	}
	var r fulcioRequest
	r.Credentials.OIDCIdentityToken = req.IDToken
	r.PublicKeyRequest.PublicKey.Algorithm = alg
	r.PublicKeyRequest.PublicKey.Content = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	r.PublicKeyRequest.ProofOfPossession = base64.StdEncoding.EncodeToString(req.ProofOfPossession)
	out, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFulcio, err)
	}
	return out, nil
}

// decodeFulcioResponse extracts the PEM chain from a SigningCertificate.
func decodeFulcioResponse(data []byte) ([]byte, error) {
	var r fulcioResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: response is not a SigningCertificate: %v", ErrFulcio, err)
	}
	var certs []string
	switch {
	case r.Embedded != nil:
		certs = r.Embedded.Chain.Certificates
	case r.Detached != nil:
		certs = r.Detached.Chain.Certificates
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: response carries no certificate chain", ErrFulcio)
	}
	var b strings.Builder
	for _, c := range certs {
		b.WriteString(strings.TrimSpace(c))
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// fulcioMessage pulls the message out of a gRPC-gateway error body
// ({"code": n, "message": "..."}), or returns the trimmed body.
func fulcioMessage(data []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		return e.Message
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 512 {
		s = s[:512] + "…"
	}
	return s
}
