package signing

// A local fake of Fulcio's v2 API (httptest on 127.0.0.1) and tests of the
// HTTP client against it.

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// botWorkflow is the workflow identity Fulcio certifies for the test
	// Actions token (https://github.com/ + job_workflow_ref).
	botWorkflow = "https://github.com/acme/control/.github/workflows/writ.yml@refs/heads/main"
	botRef      = "acme/control/.github/workflows/writ.yml@refs/heads/main"
)

// testJWT is an unsigned JWT (alg none) with the given claims.
func testJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("unsigned"))
}

// actionsClaims are the claims of a GitHub Actions token for the writ
// workflow, expiring an hour after now.
func actionsClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": issuerGitHub, "sub": "repo:acme/control:ref:refs/heads/main", "aud": "sigstore",
		"job_workflow_ref": botRef, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
	}
}

// fakeFulcio serves POST /api/v2/signingCert as Fulcio does: it checks the
// request's shape, the token's audience and expiry and the proof of
// possession, and issues a 10-minute code-signing certificate under ca with
// the token's identity (email, or the workflow URI for an Actions token)
// and issuer (extensions 1.3.6.1.4.1.57264.1.1 and .1.8).
type fakeFulcio struct {
	t     testing.TB
	ca    *testCA
	chain []*x509.Certificate // returned after the leaf
	srv   *httptest.Server

	mu       sync.Mutex
	now      func() time.Time
	skew     time.Duration // added to NotBefore
	status   int           // when set, refuse with this status
	detached bool          // answer signedCertificateDetachedSct
	issuer   string        // when set, certify this issuer instead of the token's
	requests int
	last     fulcioRequest
}

func newFakeFulcio(t testing.TB, now func() time.Time) *fakeFulcio {
	t.Helper()
	fx := keylessFixture(t)
	f := &fakeFulcio{t: t, ca: fx.inter, chain: []*x509.Certificate{fx.inter.cert, fx.root.cert}, now: now}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFulcio) client() *HTTPFulcio {
	return &HTTPFulcio{URL: f.srv.URL, Client: f.srv.Client()}
}

func (f *fakeFulcio) set(fn func(f *fakeFulcio)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeFulcio) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *fakeFulcio) refuse(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": fmt.Sprintf(format, args...)})
}

func (f *fakeFulcio) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
		f.refuse(w, http.StatusNotFound, "no route %s %s", r.Method, r.URL.Path)
		return
	}
	if f.status != 0 {
		f.refuse(w, f.status, "refused by the test")
		return
	}
	var req fulcioRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		f.refuse(w, http.StatusBadRequest, "bad request: %v", err)
		return
	}
	f.last = req
	tok := req.Credentials.OIDCIdentityToken
	if h := r.Header.Get("Authorization"); tok == "" || h != "" && h != "Bearer "+tok {
		f.refuse(w, http.StatusUnauthorized, "token missing or differs from the Authorization header")
		return
	}
	claims, raw, err := fakeClaims(tok)
	if err != nil {
		f.refuse(w, http.StatusUnauthorized, "%v", err)
		return
	}
	if aud, _ := raw["aud"].(string); aud != "sigstore" {
		f.refuse(w, http.StatusUnauthorized, "audience %q is not sigstore", aud)
		return
	}
	now := f.now()
	if !claims.Expiry.IsZero() && !now.Before(claims.Expiry) {
		f.refuse(w, http.StatusUnauthorized, "token expired")
		return
	}
	pk := req.PublicKeyRequest.PublicKey
	block, _ := pem.Decode([]byte(pk.Content))
	if pk.Algorithm != "ECDSA" || block == nil || block.Type != "PUBLIC KEY" {
		f.refuse(w, http.StatusBadRequest, "want an ECDSA PEM public key, got %q", pk.Algorithm)
		return
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	ec, ok := pub.(*ecdsa.PublicKey)
	if err != nil || !ok {
		f.refuse(w, http.StatusBadRequest, "public key: %v", err)
		return
	}
	pop, err := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
	d := sha256.Sum256([]byte(claims.Challenge()))
	if err != nil || !ecdsa.VerifyASN1(ec, d[:], pop) {
		f.refuse(w, http.StatusBadRequest, "The signature supplied in the request could not be verified")
		return
	}
	issuer := claims.Issuer
	if f.issuer != "" {
		issuer = f.issuer
	}
	nb := now.Add(f.skew).Truncate(time.Second)
	tmpl := &x509.Certificate{NotBefore: nb, NotAfter: nb.Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	switch ref, _ := raw["job_workflow_ref"].(string); {
	case ref != "":
		u, _ := url.Parse("https://github.com/" + ref)
		tmpl.URIs = []*url.URL{u}
	case claims.Email != "":
		tmpl.EmailAddresses = []string{claims.Email}
	default:
		f.refuse(w, http.StatusBadRequest, "no identity in the token")
		return
	}
	v2, _ := asn1.MarshalWithParams(issuer, "utf8")
	tmpl.ExtraExtensions = []pkix.Extension{{Id: oidFulcioIssuerV1, Value: []byte(issuer)}, {Id: oidFulcioIssuerV2, Value: v2}}
	leaf := f.ca.issueLeaf(f.t, tmpl, ec, f.ca.ct, false)
	var pems []string
	for _, c := range append([]*x509.Certificate{leaf}, f.chain...) {
		pems = append(pems, string(certPEM(c)))
	}
	key := "signedCertificateEmbeddedSct"
	if f.detached {
		key = "signedCertificateDetachedSct"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{key: map[string]any{"chain": map[string]any{"certificates": pems}}})
}

// fakeClaims parses a token as Fulcio would, minus the signature check.
func fakeClaims(tok string) (TokenClaims, map[string]any, error) {
	claims, err := ParseTokenClaims(tok)
	if err != nil {
		return TokenClaims{}, nil, err
	}
	raw := map[string]any{}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err := json.Unmarshal(payload, &raw); err != nil {
		return TokenClaims{}, nil, err
	}
	if claims.Email != "" && !claims.EmailVerified {
		return TokenClaims{}, nil, errors.New("email not verified")
	}
	return claims, raw, nil
}

func TestHTTPFulcio(t *testing.T) {
	now := func() time.Time { return tSign }
	f := newFakeFulcio(t, now)
	key := ecKey(t)
	tok := testJWT(actionsClaims(tSign))
	pop, err := ProofOfPossession(key, tok)
	if err != nil {
		t.Fatal(err)
	}
	req := CertRequest{IDToken: tok, PublicKey: &key.PublicKey, ProofOfPossession: pop}
	for _, detached := range []bool{false, true} {
		f.set(func(f *fakeFulcio) { f.detached = detached })
		out, err := f.client().SigningCert(context.Background(), req)
		if err != nil {
			t.Fatalf("detached=%v: %v", detached, err)
		}
		chain, err := checkIssuedChain(out, key)
		if err != nil || len(chain) != 3 || chain[0].URIs[0].String() != botWorkflow {
			t.Fatalf("detached=%v: chain %d certs, %v", detached, len(chain), err)
		}
	}
	if f.last.PublicKeyRequest.PublicKey.Algorithm != "ECDSA" || f.last.Credentials.OIDCIdentityToken != tok {
		t.Errorf("request = %+v", f.last)
	}

	// The proof must be over the token's subject with the requested key.
	other := ecKey(t)
	wrongPoP, _ := ProofOfPossession(other, tok)
	emailTok := testJWT(map[string]any{"iss": issuerGoogle, "sub": "1234", "email": "bot@example.com", "email_verified": "true", "aud": "sigstore"})
	subPoP, _ := ProofOfPossession(key, testJWT(map[string]any{"iss": issuerGoogle, "sub": "1234", "aud": "sigstore"}))
	tests := []struct {
		name      string
		req       CertRequest
		status    int
		url       string
		wantCode  int
		retryable bool
		contains  string
	}{
		{"proof by another key", CertRequest{IDToken: tok, PublicKey: &key.PublicKey, ProofOfPossession: wrongPoP}, 0, "", 400, false, "could not be verified"},
		{"email token: proof must sign the email", CertRequest{IDToken: emailTok, PublicKey: &key.PublicKey, ProofOfPossession: subPoP}, 0, "", 400, false, "could not be verified"},
		{"wrong audience", func() CertRequest {
			c := actionsClaims(tSign)
			c["aud"] = "other"
			tk := testJWT(c)
			p, _ := ProofOfPossession(key, tk)
			return CertRequest{IDToken: tk, PublicKey: &key.PublicKey, ProofOfPossession: p}
		}(), 0, "", 401, false, "audience"},
		{"unauthorized", req, http.StatusUnauthorized, "", 401, false, "refused by the test"},
		{"server error", req, http.StatusInternalServerError, "", 500, true, "HTTP 500"},
		{"rate limited", req, http.StatusTooManyRequests, "", 429, true, "HTTP 429"},
		{"wrong path", req, 0, f.srv.URL + "/nope", 404, false, "no route"},
		{"unreachable", req, 0, "http://127.0.0.1:1", 0, false, "fulcio"},
		{"no URL", req, 0, "-", 0, false, "no Fulcio URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.set(func(f *fakeFulcio) { f.status = tt.status })
			defer f.set(func(f *fakeFulcio) { f.status = 0 })
			c := f.client()
			switch tt.url {
			case "":
			case "-":
				c.URL = ""
			default:
				c.URL = tt.url
			}
			out, err := c.SigningCert(context.Background(), tt.req)
			if err == nil || out != nil || !errors.Is(err, ErrFulcio) || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("SigningCert = %d bytes, %v; want ErrFulcio containing %q", len(out), err, tt.contains)
			}
			var fe *FulcioError
			if errors.As(err, &fe) != (tt.wantCode != 0) || fe != nil && (fe.StatusCode != tt.wantCode || fe.Retryable() != tt.retryable) {
				t.Fatalf("FulcioError = %+v, want status %d retryable %v", fe, tt.wantCode, tt.retryable)
			}
		})
	}
}

func TestDecodeFulcioResponse(t *testing.T) {
	for _, body := range []string{`not json`, `{}`, `{"signedCertificateEmbeddedSct":{"chain":{"certificates":[]}}}`} {
		if _, err := decodeFulcioResponse([]byte(body)); !errors.Is(err, ErrFulcio) {
			t.Errorf("%s: err = %v, want ErrFulcio", body, err)
		}
	}
	key := ecKey(t)
	if _, err := checkIssuedChain([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), key); !errors.Is(err, ErrFulcio) {
		t.Errorf("garbage PEM: err = %v", err)
	}
	// A certificate for another key, or without the issuer extension, is
	// not used.
	fx := keylessFixture(t)
	leaf, _ := fx.inter.fulcioLeaf(t, alice)
	if _, err := checkIssuedChain(certPEM(leaf), key); !errors.Is(err, ErrFulcio) || !strings.Contains(err.Error(), "not for the key") {
		t.Errorf("other key: err = %v", err)
	}
	plain, _ := fx.inter.fulcioLeaf(t, fulcioOpts{email: "a@example.com", key: key})
	if _, err := checkIssuedChain(certPEM(plain), key); !errors.Is(err, ErrFulcio) || !strings.Contains(err.Error(), "issuer extension") {
		t.Errorf("no issuer: err = %v", err)
	}
}

func TestParseTokenClaims(t *testing.T) {
	tests := []struct {
		name, tok string
		want      TokenClaims
		wantErr   bool
	}{
		{"actions", testJWT(map[string]any{"iss": issuerGitHub, "sub": "repo:a/b:ref:refs/heads/main", "exp": 1772370000}),
			TokenClaims{Issuer: issuerGitHub, Subject: "repo:a/b:ref:refs/heads/main", Expiry: time.Unix(1772370000, 0).UTC()}, false},
		{"email verified as string", testJWT(map[string]any{"iss": issuerGoogle, "sub": "1", "email": "a@example.com", "email_verified": "true"}),
			TokenClaims{Issuer: issuerGoogle, Subject: "1", Email: "a@example.com", EmailVerified: true}, false},
		{"email verified as bool", testJWT(map[string]any{"iss": issuerGoogle, "sub": "1", "email": "a@example.com", "email_verified": true}),
			TokenClaims{Issuer: issuerGoogle, Subject: "1", Email: "a@example.com", EmailVerified: true}, false},
		{"two parts", "a.b", TokenClaims{}, true},
		{"bad base64", "a.!!!.c", TokenClaims{}, true},
		{"not json", "a." + base64.RawURLEncoding.EncodeToString([]byte("[")) + ".c", TokenClaims{}, true},
		{"no issuer", testJWT(map[string]any{"sub": "x"}), TokenClaims{}, true},
		{"bad exp", testJWT(map[string]any{"iss": "i", "sub": "s", "exp": "soon"}), TokenClaims{}, true},
		{"huge", strings.Repeat("a", maxTokenLen+1), TokenClaims{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenClaims(tt.tok)
			if tt.wantErr {
				if !errors.Is(err, ErrNoToken) {
					t.Fatalf("err = %v, want ErrNoToken", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if c := (TokenClaims{Subject: "s", Email: "e"}); c.Challenge() != "e" {
		t.Errorf("Challenge = %q, want the email", c.Challenge())
	}
}
