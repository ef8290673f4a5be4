package keyless_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/adapters/actions"
	"github.com/writ-dev/writ/adapters/keyless"
	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

var _ reconciler.Keys = keyless.Keys{}

// fakeSigner is a function-field git.Signer that may also prepare.
type fakeSigner struct {
	name     string
	prepared int
	prepErr  error
}

func (s *fakeSigner) Sign(io.Reader) ([]byte, error) { return []byte(s.name), nil }
func (s *fakeSigner) Prepare(ctx context.Context) error {
	s.prepared++
	if _, ok := ctx.Deadline(); !ok {
		return errors.New("no deadline")
	}
	return s.prepErr
}

type keysFunc func(identity string) (git.Signer, error)

func (f keysFunc) Signer(identity string) (git.Signer, error) { return f(identity) }

func TestKeysRouting(t *testing.T) {
	bot := &fakeSigner{name: "keyless"}
	fallback := keysFunc(func(id string) (git.Signer, error) {
		if id == "alice" {
			return &fakeSigner{name: "alice-ssh"}, nil
		}
		return nil, local.ErrNoKey
	})
	k := keyless.Keys{Reconciler: "writ-bot", Keyless: bot, Fallback: fallback}
	tests := []struct {
		name, identity, want string
		keys                 keyless.Keys
		wantErr              error
	}{
		{"reconciler signs keyless", "writ-bot", "keyless", k, nil},
		{"others fall back", "alice", "alice-ssh", k, nil},
		{"fallback errors pass through", "mallory", "", k, local.ErrNoKey},
		{"no fallback", "alice", "", keyless.Keys{Reconciler: "writ-bot", Keyless: bot}, keyless.ErrNoKey},
		{"no keyless signer", "writ-bot", "", keyless.Keys{Reconciler: "writ-bot"}, keyless.ErrNoKey},
		{"prepare fails", "writ-bot", "", keyless.Keys{Reconciler: "writ-bot", Keyless: &fakeSigner{prepErr: signing.ErrFulcio}}, signing.ErrFulcio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.keys.Signer(tt.identity)
			if tt.wantErr != nil {
				if s != nil || !errors.Is(err, tt.wantErr) {
					t.Fatalf("Signer = %v, %v; want %v", s, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Sign(nil); string(got) != tt.want {
				t.Fatalf("signed by %q, want %q", got, tt.want)
			}
		})
	}
	if bot.prepared != 1 {
		t.Errorf("Prepare called %d times, want once (only for the reconciler)", bot.prepared)
	}
}

const workflowRef = "acme/control/.github/workflows/writ.yml@refs/heads/main"

// miniFulcio is a local fake of Fulcio's POST /api/v2/signingCert: it
// checks the proof of possession over the token's subject and certifies
// the key for https://github.com/<job_workflow_ref> and the token's issuer,
// with an SCT from its CT log embedded. It returns its trusted_root.json.
func miniFulcio(t *testing.T) (*httptest.Server, []byte) {
	t.Helper()
	ct, err := sigstoretest.NewCTLog()
	if err != nil {
		t.Fatal(err)
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mini fulcio"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	root, _ := x509.ParseCertificate(der)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Credentials      struct{ OIDCIdentityToken string }
			PublicKeyRequest struct {
				PublicKey         struct{ Algorithm, Content string }
				ProofOfPossession []byte
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var claims struct {
			Iss, Sub, Aud string
			Ref           string `json:"job_workflow_ref"`
		}
		payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(req.Credentials.OIDCIdentityToken+"..", ".")[1])
		block, _ := pem.Decode([]byte(req.PublicKeyRequest.PublicKey.Content))
		if json.Unmarshal(payload, &claims) != nil || claims.Aud != "sigstore" || block == nil {
			http.Error(w, `{"message":"bad token or key"}`, 401)
			return
		}
		pub, _ := x509.ParsePKIXPublicKey(block.Bytes)
		d := sha256.Sum256([]byte(claims.Sub))
		if ec, ok := pub.(*ecdsa.PublicKey); !ok || !ecdsa.VerifyASN1(ec, d[:], req.PublicKeyRequest.ProofOfPossession) {
			http.Error(w, `{"message":"proof of possession"}`, 400)
			return
		}
		san, _ := url.Parse("https://github.com/" + claims.Ref)
		iss, _ := asn1.MarshalWithParams(claims.Iss, "utf8")
		now := time.Now().Truncate(time.Second)
		leafT := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), NotBefore: now, NotAfter: now.Add(10 * time.Minute),
			URIs: []*url.URL{san}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}, Value: iss}}}
		leaf, err := ct.Issue(leafT, pub, root, caKey, sigstoretest.SCTOpts{})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		chain := []string{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}))}
		_ = json.NewEncoder(w).Encode(map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}})
	}))
	t.Cleanup(srv.Close)
	trusted, err := sigstoretest.TrustedRoot{Fulcio: []sigstoretest.CA{{Chain: []*x509.Certificate{root}, Start: root.NotBefore}},
		CTLogs: []sigstoretest.Log{{Key: &ct.Key.PublicKey, Start: root.NotBefore}}}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return srv, trusted
}

// TestActionsReconcilerSignsKeyless wires the pieces as cmd would in
// GitHub Actions: the runner's token endpoint, Fulcio, the keyless signer
// behind Keys, and an SSH key directory for everyone else. A WAL-style
// commit by the reconciler verifies as writ-bot under writ.yaml.
func TestActionsReconcilerSignsKeyless(t *testing.T) {
	fulcio, trustedRoot := miniFulcio(t)
	runner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer req" || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "denied", 403)
			return
		}
		enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
		jwt := enc(map[string]string{"alg": "none"}) + "." + enc(map[string]any{"iss": actions.Issuer, "sub": "repo:acme/control:ref:refs/heads/main",
			"aud": r.URL.Query().Get("audience"), "job_workflow_ref": workflowRef, "exp": time.Now().Add(5 * time.Minute).Unix()}) + ".sig"
		_ = json.NewEncoder(w).Encode(map[string]string{"value": jwt})
	}))
	t.Cleanup(runner.Close)
	env := map[string]string{actions.EnvRequestURL: runner.URL + "/?api-version=2.0", actions.EnvRequestToken: "req"}

	signer, err := signing.NewKeylessSigner(&signing.HTTPFulcio{URL: fulcio.URL},
		actions.TokenSource{Getenv: func(k string) string { return env[k] }}, signing.KeylessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := local.KeyDir{Dir: t.TempDir()}
	alicePub, err := dir.Generate("alice")
	if err != nil {
		t.Fatal(err)
	}
	keys := keyless.Keys{Reconciler: "writ-bot", Keyless: signer, Fallback: dir}

	cfg, ps := schemas.LoadConfig("writ.yaml", []byte(`version: 1
repository: acme-control
reconciler: {identity: writ-bot}
governance: {policy: governance}
roles: [sre]
trust:
  trusted_root: trust/trusted_root.json
  accept_committer_time: true
identities:
  - name: writ-bot
    kind: agent
    capabilities: [reconcile]
    signers:
      - name: actions
        keyless:
          identity: https://github.com/acme/control/.github/workflows/writ.yml@refs/heads/main
          issuer: https://token.actions.githubusercontent.com
  - name: alice
    kind: human
    roles: [sre]
    signers:
      - ssh: `+alicePub+`
`))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	ring, err := signing.NewTrust(cfg, signing.ReadFromFS(fstest.MapFS{"trust/trusted_root.json": {Data: trustedRoot}}))
	if err != nil {
		t.Fatal(err)
	}
	store, err := gitstore.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"writ-bot", "alice"} {
		s, err := keys.Signer(id) // as the engine does, before stamping
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		who := object.Signature{Name: id, Email: id + "@acme.example", When: time.Now()}
		h, err := store.WriteCommit(gitstore.CommitRequest{Files: map[string][]byte{"f": []byte(id)}, Message: "entry\n",
			Author: who, Committer: who, Signer: s})
		if err != nil {
			t.Fatalf("%s: WriteCommit: %v", id, err)
		}
		c, _ := store.Commit(h)
		v, err := signing.VerifyCommit(c, ring)
		if err != nil || v.Identity != id {
			t.Fatalf("%s: VerifyCommit = %+v, %v", id, v, err)
		}
		if id == "writ-bot" && (v.Format != signing.FormatKeyless || v.Issuer != actions.Issuer) {
			t.Errorf("writ-bot verified as %+v", v)
		}
	}

	// Outside Actions, the reconciler cannot sign, and says why.
	noEnv, _ := signing.NewKeylessSigner(&signing.HTTPFulcio{URL: fulcio.URL}, actions.TokenSource{Getenv: func(string) string { return "" }}, signing.KeylessOptions{})
	_, err = keyless.Keys{Reconciler: "writ-bot", Keyless: noEnv}.Signer("writ-bot")
	if !errors.Is(err, actions.ErrNotInActions) || !errors.Is(err, signing.ErrNoToken) {
		t.Fatalf("outside Actions: %v", err)
	}
}
