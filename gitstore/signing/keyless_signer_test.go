package signing

import (
	"context"
	"crypto/x509"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
	"github.com/writ-dev/writ/schemas"
)

// botYAML is the writ.yaml of a control repo whose reconciler runs in
// GitHub Actions and signs keyless; %s is the trust section's extra lines.
const botYAML = `version: 1
repository: acme-control
reconciler:
  identity: writ-bot
governance:
  policy: governance
roles: [sre]
trust:
  trusted_root: trust/trusted_root.json
%s
identities:
  - name: writ-bot
    kind: agent
    capabilities: [reconcile]
    signers:
      - name: actions
        keyless:
          identity: https://github.com/acme/control/.github/workflows/writ.yml@refs/heads/main
          issuer: https://token.actions.githubusercontent.com
`

// botRing builds the key ring of botYAML with the given trust lines and
// Fulcio root file.
func botRing(t *testing.T, trustLines string, files trustFiles) *KeyRing {
	t.Helper()
	cfg, ps := schemas.LoadConfig("writ.yaml", []byte(strings.Replace(botYAML, "%s", trustLines, 1)))
	if len(ps) > 0 {
		t.Fatalf("writ.yaml: %v", ps)
	}
	r, err := NewTrust(cfg, ReadFromFS(fstest.MapFS(files)))
	if err != nil {
		t.Fatalf("NewTrust: %v", err)
	}
	return r
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// tokenFunc is a function-field TokenSource.
type tokenFunc func(ctx context.Context) (string, error)

func (f tokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// keylessEnv is a fake Fulcio, a clock, an Actions token source and a
// KeylessSigner wired together.
type keylessEnv struct {
	clock  *testClock
	fulcio *fakeFulcio
	signer *KeylessSigner
	slept  []time.Duration
	tokens int
}

func newKeylessEnv(t *testing.T, opts KeylessOptions) *keylessEnv {
	t.Helper()
	e := &keylessEnv{clock: &testClock{t: tSign}}
	e.fulcio = newFakeFulcio(t, e.clock.Now)
	opts.Now = e.clock.Now
	var err error
	e.signer, err = NewKeylessSigner(e.fulcio.client(), tokenFunc(func(context.Context) (string, error) {
		e.tokens++
		return testJWT(actionsClaims(e.clock.Now())), nil
	}), opts)
	if err != nil {
		t.Fatal(err)
	}
	e.signer.sleep = func(_ context.Context, d time.Duration) error {
		e.slept = append(e.slept, d)
		e.clock.Add(d)
		return nil
	}
	return e
}

// commit writes a commit stamped at the clock's time, signed by the
// signer, with gitstore, and reads it back.
func (e *keylessEnv) commit(t *testing.T, store *gitstore.Store) (*object.Commit, error) {
	t.Helper()
	who := object.Signature{Name: "writ-bot", Email: "writ-bot@acme.example", When: e.clock.Now()}
	h, err := store.WriteCommit(gitstore.CommitRequest{Files: map[string][]byte{"wal": []byte("entry\n")},
		Message: "entry\n", Author: who, Committer: who, Signer: e.signer})
	if err != nil {
		return nil, err
	}
	c, err := store.Commit(h)
	if err != nil {
		t.Fatal(err)
	}
	return c, nil
}

func newStore(t *testing.T) *gitstore.Store {
	t.Helper()
	s, err := gitstore.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fulcioFiles is a control repo whose trusted root lists the fake Fulcio,
// its CT log, the Rekor log and the timestamp authority.
func fulcioFiles(t *testing.T) trustFiles {
	f := keylessFixture(t)
	return trustFiles{}.add("trust/trusted_root.json", f.files["trust/trusted_root.json"].Data)
}

// TestKeylessSignerRoundTrip: the reconciler, as writ-bot in Actions,
// prepares, stamps and signs a commit with gitstore; VerifyCommit accepts
// it under writ.yaml with accept_committer_time, and refuses it under
// policies that do not fit.
func TestKeylessSignerRoundTrip(t *testing.T) {
	e := newKeylessEnv(t, KeylessOptions{})
	store := newStore(t)
	if err := e.signer.Prepare(context.Background()); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	e.clock.Add(1500 * time.Millisecond)
	c, err := e.commit(t, store)
	if err != nil {
		t.Fatalf("WriteCommit: %v", err)
	}
	if !strings.HasPrefix(c.PGPSignature, "-----BEGIN SIGNED MESSAGE-----\n") {
		t.Fatalf("signature armour: %.40q", c.PGPSignature)
	}
	if _, err := exec.LookPath("git"); err == nil {
		gittest.New(t).Fsck(store.Dir())
	}
	ring := botRing(t, "  accept_committer_time: true", fulcioFiles(t))
	v, err := VerifyCommit(c, ring)
	if err != nil {
		t.Fatalf("VerifyCommit: %v", err)
	}
	if v.Identity != "writ-bot" || v.Signer != "actions" || v.Format != FormatKeyless || v.Subject != botWorkflow ||
		v.Issuer != issuerGitHub || v.TimeSource != TimeClaimed {
		t.Errorf("Verified = %+v", v)
	}
	if got := e.signer.Certificate(); got == nil || got.URIs[0].String() != botWorkflow {
		t.Errorf("Certificate() = %v", got)
	}

	fx := keylessFixture(t)
	other := fulcioFiles(t).add("trust/trusted_root.json", fx.trustedRoot(t, sigstoretest.TrustedRoot{
		Fulcio: []sigstoretest.CA{{Chain: []*x509.Certificate{newRoot(t, "Other Root").cert}, Start: tLong}}}))
	refusals := []struct {
		name string
		ring *KeyRing
		want error
		msg  string
	}{
		{"no trusted time", botRing(t, "", fulcioFiles(t)), ErrNoTrustedTime, "accept_committer_time is false"},
		{"untrusted root", botRing(t, "  accept_committer_time: true", other), ErrUntrustedCertificate, "does not chain"},
		{"wrong identity", mustTrustRing(t, "https://github.com/acme/control/.github/workflows/other.yml@refs/heads/main", issuerGitHub), ErrUnknownSigner, "no keyless signer"},
		{"wrong issuer", mustTrustRing(t, botWorkflow, issuerGoogle), ErrUnknownSigner, "issuer"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := VerifyCommit(c, tt.ring); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}

	// Later commits reuse the certificate; one close to expiry is
	// replaced after signing, ready for the next commit.
	e.clock.Add(2 * time.Minute)
	if _, err := e.commit(t, store); err != nil || e.fulcio.count() != 1 {
		t.Fatalf("second commit: %v, %d Fulcio requests", err, e.fulcio.count())
	}
	e.clock.Add(5 * time.Minute) // 1m30s left: sign, then renew
	c3, err := e.commit(t, store)
	if err != nil || e.fulcio.count() != 2 {
		t.Fatalf("third commit: %v, %d Fulcio requests", err, e.fulcio.count())
	}
	e.clock.Add(3 * time.Minute) // past the first certificate
	c4, err := e.commit(t, store)
	if err != nil || e.fulcio.count() != 2 {
		t.Fatalf("fourth commit: %v, %d Fulcio requests", err, e.fulcio.count())
	}
	for _, c := range []*object.Commit{c3, c4} {
		if _, err := VerifyCommit(c, ring); err != nil {
			t.Errorf("commit at %s: %v", c.Committer.When, err)
		}
	}
}

// mustTrustRing is a ring whose only identity is writ-bot with a keyless
// signer for identity and issuer.
func mustTrustRing(t *testing.T, identity, issuer string) *KeyRing {
	ids := []schemas.Identity{{Name: "writ-bot", Kind: schemas.IdentityAgent, Signers: []schemas.Signer{
		{Name: "actions", Keyless: &schemas.KeylessSigner{Identity: identity, Issuer: issuer}}}}}
	return newTrustRing(t, ids, &schemas.Trust{TrustedRoot: "trust/trusted_root.json", AcceptCommitterTime: true}, fulcioFiles(t))
}

// TestKeylessSignerRefusals: when no certificate can be had, or it would
// not cover the commit's time, nothing is signed and no commit written.
func TestKeylessSignerRefusals(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(e *keylessEnv)
		prepare bool
		want    error
		msg     string
	}{
		{"fulcio refuses the token", func(e *keylessEnv) { e.fulcio.set(func(f *fakeFulcio) { f.status = 403 }) }, true, ErrFulcio, "HTTP 403"},
		{"fulcio is down", func(e *keylessEnv) { e.fulcio.set(func(f *fakeFulcio) { f.status = 503 }) }, true, ErrFulcio, "HTTP 503"},
		{"fulcio unreachable", func(e *keylessEnv) { e.fulcio.srv.Close() }, true, ErrFulcio, "fulcio"},
		{"no token", func(e *keylessEnv) {
			e.signer.tokens = tokenFunc(func(context.Context) (string, error) {
				return "", errors.New("ACTIONS_ID_TOKEN_REQUEST_URL is not set")
			})
		}, true, ErrNoToken, "ACTIONS_ID_TOKEN_REQUEST_URL"},
		{"expired token", func(e *keylessEnv) {
			e.signer.tokens = tokenFunc(func(context.Context) (string, error) {
				return testJWT(actionsClaims(tSign.Add(-2 * time.Hour))), nil
			})
		}, true, ErrNoToken, "expired"},
		{"commit stamped before the certificate", func(e *keylessEnv) {}, false, ErrCertificateWindow, "call Prepare"},
		{"certificate far in the future", func(e *keylessEnv) { e.fulcio.set(func(f *fakeFulcio) { f.skew = time.Minute }) }, true, ErrFulcio, "allowed skew"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newKeylessEnv(t, KeylessOptions{})
			tt.setup(e)
			if tt.prepare {
				if err := e.signer.Prepare(context.Background()); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("Prepare: err = %v, want %v containing %q", err, tt.want, tt.msg)
				}
			}
			store := newStore(t)
			// The commit is stamped before Fulcio's clock moves on.
			e.fulcio.set(func(f *fakeFulcio) { f.now = func() time.Time { return e.clock.Now().Add(time.Second) } })
			c, err := e.commit(t, store)
			if c != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("commit = %v, err = %v; want %v containing %q", c, err, tt.want, tt.msg)
			}
			if _, err := store.Ref(gitstore.MainRef); err == nil {
				t.Errorf("main moved")
			}
		})
	}
}

// TestKeylessSignerClockSkew: a certificate starting slightly after the
// local clock is waited for, so commits stamped after Prepare fall in it.
func TestKeylessSignerClockSkew(t *testing.T) {
	e := newKeylessEnv(t, KeylessOptions{})
	e.fulcio.set(func(f *fakeFulcio) { f.skew = 3 * time.Second })
	if err := e.signer.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(e.slept) != 1 || e.slept[0] != 3*time.Second {
		t.Fatalf("slept %v, want [3s]", e.slept)
	}
	c, err := e.commit(t, newStore(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyCommit(c, botRing(t, "  accept_committer_time: true", fulcioFiles(t))); err != nil {
		t.Fatal(err)
	}
	// A cancelled wait is an error.
	e2 := newKeylessEnv(t, KeylessOptions{})
	e2.fulcio.set(func(f *fakeFulcio) { f.skew = 3 * time.Second })
	e2.signer.sleep = sleepCtx
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e2.signer.Prepare(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Prepare: %v", err)
	}
}

func TestNewKeylessSignerErrors(t *testing.T) {
	if _, err := NewKeylessSigner(nil, tokenFunc(nil), KeylessOptions{}); err == nil {
		t.Error("nil Fulcio accepted")
	}
	if _, err := NewKeylessSigner(&HTTPFulcio{}, nil, KeylessOptions{}); err == nil {
		t.Error("nil token source accepted")
	}
}

func TestClaimedTime(t *testing.T) {
	when := time.Unix(1772366400, 0)
	tests := []struct {
		name, payload string
		want          time.Time
	}{
		{"commit", string(payload), when},
		{"tag", "object " + plumbing.ZeroHash.String() + "\ntype commit\ntag v1\ntagger T <t@example.com> 1772366400 +0100\n\nmsg\n", when},
		{"none", "tree x\n\ncommitter in the body 1 +0000\n", time.Time{}},
		{"empty", "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := claimedTime([]byte(tt.payload)); !got.Equal(tt.want) {
				t.Fatalf("claimedTime = %v, want %v", got, tt.want)
			}
		})
	}
}
