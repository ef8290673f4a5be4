package signing

import (
	"bytes"
	"context"
	"crypto"
	"encoding/asn1"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/github/smimesign/ietf-cms/timestamp"
)

// Timestamper obtains an RFC 3161 timestamp over a signature value. A
// KeylessSigner with one embeds the token in every signature, so verifiers
// whose trust.trusted_root lists the authority judge the certificate at the
// timestamp's time rather
// than the committer time. It must be safe for concurrent use.
type Timestamper interface {
	// Timestamp returns a TimeStampToken (DER or BER ContentInfo) whose
	// message imprint is the SHA-256 of signature. Errors wrap
	// ErrTimestamp or the context's error.
	Timestamp(ctx context.Context, signature []byte) ([]byte, error)
}

// maxTSAResponse caps the body read from a timestamp authority.
const maxTSAResponse = 1 << 20

// HTTPTimestamper is a Timestamper for an RFC 3161 timestamp authority
// reached over HTTP (RFC 3161 §3.4): it POSTs an
// application/timestamp-query with a SHA-256 imprint, a nonce and certReq
// set, and checks that the reply is granted and answers that imprint and
// nonce. It does not verify the token's signature: verifiers do, against
// the timestamp authorities of trust.trusted_root. It is safe for
// concurrent use.
type HTTPTimestamper struct {
	// URL is the authority's endpoint, e.g.
	// https://timestamp.sigstore.dev/api/v1/timestamp.
	URL string
	// Client sends the request; nil means a client with a 30 s timeout.
	Client *http.Client
}

var _ Timestamper = (*HTTPTimestamper)(nil)

// Timestamp requests a token over the SHA-256 of signature.
func (t *HTTPTimestamper) Timestamp(ctx context.Context, signature []byte) ([]byte, error) {
	if t.URL == "" {
		return nil, fmt.Errorf("%w: no timestamp authority URL configured", ErrTimestamp)
	}
	imprint, err := timestamp.NewMessageImprint(crypto.SHA256, bytes.NewReader(signature))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	req := timestamp.Request{Version: 1, MessageImprint: imprint, Nonce: timestamp.GenerateNonce(), CertReq: true}
	der, err := asn1.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(der))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	hreq.Header.Set("Accept", "application/timestamp-reply")
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the reply: %v", ErrTimestamp, err)
	}
	if len(body) > maxTSAResponse {
		return nil, fmt.Errorf("%w: reply larger than %d bytes", ErrTimestamp, maxTSAResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: HTTP %d: %s", ErrTimestamp, t.URL, resp.StatusCode, fulcioMessage(body))
	}
	return parseTSAReply(req, body)
}

// parseTSAReply checks a TimeStampResp against req and returns its token.
func parseTSAReply(req timestamp.Request, body []byte) (tok []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			tok, err = nil, fmt.Errorf("%w: malformed reply: %v", ErrTimestamp, r)
		}
	}()
	resp, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed reply: %v", ErrTimestamp, err)
	}
	info, err := resp.Info()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	if !info.MessageImprint.Equal(req.MessageImprint) {
		return nil, fmt.Errorf("%w: the token is for another message", ErrTimestamp)
	}
	if info.Nonce == nil || info.Nonce.Cmp(req.Nonce) != 0 {
		return nil, fmt.Errorf("%w: the token does not echo the request's nonce", ErrTimestamp)
	}
	tok, err = asn1.Marshal(resp.TimeStampToken)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	return tok, nil
}
