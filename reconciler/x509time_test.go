package reconciler

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	cms "github.com/github/smimesign/ietf-cms"
	git "github.com/go-git/go-git/v5"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// certSigner signs commits as gpgsm does (gpg.format=x509): a detached CMS
// signature with the signer's certificate, armoured as SIGNED MESSAGE.
type certSigner struct {
	key  crypto.Signer
	cert *x509.Certificate
}

func (s certSigner) Sign(message io.Reader) ([]byte, error) {
	data, err := io.ReadAll(message)
	if err != nil {
		return nil, err
	}
	der, err := cms.SignDetached(data, []*x509.Certificate{s.cert}, s.key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "SIGNED MESSAGE", Bytes: der}), nil
}

// certKeys signs as some identities with certificates, and as the others
// with their keys in base.
type certKeys struct {
	base Keys
	cms  map[string]git.Signer
}

func (k certKeys) Signer(identity string) (git.Signer, error) {
	if s, ok := k.cms[identity]; ok {
		return s, nil
	}
	return k.base.Signer(identity)
}

// testPKI is a CA valid 2019-2040 that issues S/MIME certificates.
type testPKI struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newPKI(t *testing.T) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Writ Test CA"},
		NotBefore: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testPKI{cert: cert, key: key}
}

// signer issues a certificate for email valid from..to and returns a
// signer that signs with it.
func (p *testPKI) signer(t *testing.T, email string, from, to time.Time) certSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: email},
		EmailAddresses: []string{email}, NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return certSigner{key: key, cert: cert}
}

// editSigner inserts text after the ssh: line of identity's signer in
// writ.yaml as Init writes it.
func editSigner(t *testing.T, cfg, identity, text string) string {
	t.Helper()
	i := strings.Index(cfg, "- name: "+identity+"\n")
	j := i + strings.Index(cfg[i:], "ssh: ")
	k := j + strings.Index(cfg[j:], "\n")
	if i < 0 || j < i || k < j {
		t.Fatalf("no ssh signer for %s in writ.yaml", identity)
	}
	return cfg[:k] + text + cfg[k:]
}

// changeSigners applies a rule change (alice proposes, bob and carol
// approve) that edits writ.yaml with edit and adds files.
func changeSigners(t *testing.T, e *Engine, name string, edit func(string) string, files map[string][]byte) {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cfg, err := e.Store.ReadFile(res.Head, "writ.yaml")
	if err != nil {
		t.Fatal(err)
	}
	all := map[string][]byte{"writ.yaml": []byte(edit(string(cfg)))}
	for f, b := range files {
		all[f] = b
	}
	p, err := e.ProposeRules(ProposeRulesRequest{As: "alice", Name: name, Justification: "signers", Files: all})
	if err != nil {
		t.Fatalf("propose rules: %v", err)
	}
	approveAs(t, e, "bob", strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix))
	approveAs(t, e, "carol", strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix))
	reconcile(t, e, 1)
}

// x509Repo is a control repo where deploy-agent and alice also have x509
// signers (certificates from pki), and a clock the test sets.
func x509Repo(t *testing.T) (*Engine, *fakeClock, *testPKI) {
	t.Helper()
	e, _ := newRepo(t)
	pki := newPKI(t)
	smime := func(email string) string {
		return "\n        - name: smime\n          x509: {email: " + email + ", ca: trust/ca.pem}"
	}
	changeSigners(t, e, "x509", func(cfg string) string {
		return editSigner(t, editSigner(t, cfg, "deploy-agent", smime("deploy-agent@writ.example")), "alice", smime("alice@writ.example"))
	}, map[string][]byte{"trust/ca.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.cert.Raw})})
	clock := &fakeClock{t: tToday}
	e.Now = clock.Now
	return e, clock, pki
}

// tToday is the reconciler's clock in these tests.
var tToday = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// signWith makes id sign with s from now on.
func signWith(e *Engine, id string, s certSigner) {
	k, ok := e.Keys.(certKeys)
	if !ok {
		k = certKeys{base: e.Keys, cms: map[string]git.Signer{}}
	}
	k.cms[id] = s
	e.Keys = k
}

// at runs f with the clock at when (the signer's chosen time), then puts
// the clock back to today.
func at(clock *fakeClock, when time.Time, f func()) {
	clock.t = when
	f()
	clock.t = tToday.Add(time.Hour)
}

// TestX509ProposalJudgedAtTheReconcilersTime: the committer date is the
// signer's word. A certificate that expired in 2021 signing a proposal
// dated 2020 is refused, as is a certificate valid only from 2027 signing
// one dated 2027 (as not yet valid); a valid certificate still proposes.
func TestX509ProposalJudgedAtTheReconcilersTime(t *testing.T) {
	tests := []struct {
		name     string
		from, to time.Time
		dated    time.Time
		want     []string // the refusal says all of these
		notWant  string
	}{
		{"expired in 2021, dated 2020", time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), []string{"expired at 2021-06-01T00:00:00Z", "renew"}, "must be signed by an identity"},
		{"valid from 2027, dated 2027", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), []string{"not yet valid before 2027-01-01T00:00:00Z"}, "expired"},
		{"valid today", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			tToday, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock, pki := x509Repo(t)
			signWith(e, "deploy-agent", pki.signer(t, "deploy-agent@writ.example", tt.from, tt.to))
			at(clock, tt.dated, func() { propose(t, e, "deploy-agent", "create", nil) })
			if tt.want == nil {
				reconcile(t, e, 1)
				mustReplay(t, e, ReplayOptions{})
				return
			}
			rep := reconcile(t, e, 0)
			if len(rep.Skipped) != 1 {
				t.Fatalf("skipped %d proposals, want 1", len(rep.Skipped))
			}
			why := rep.Skipped[0].Reason
			for _, w := range tt.want {
				if !strings.Contains(why, w) {
					t.Errorf("reason %q does not say %q", why, w)
				}
			}
			if tt.notWant != "" && strings.Contains(why, tt.notWant) {
				t.Errorf("reason %q says %q", why, tt.notWant)
			}
		})
	}
}

// TestX509ValidityAtTheEntrysTime: the gate judges at the time the entry
// will carry, not only when it read the proposal: a certificate that
// expires in between is refused.
func TestX509ValidityAtTheEntrysTime(t *testing.T) {
	e, _, pki := x509Repo(t)
	expires := tToday.Add(time.Hour)
	signWith(e, "deploy-agent", pki.signer(t, "deploy-agent@writ.example", tToday.AddDate(0, -1, 0), expires))
	p := propose(t, e, "deploy-agent", "create", nil)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, err := e.Pending(res.State.Rules(), res.Head, strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix))
	if err != nil || len(pend.Problems) > 0 {
		t.Fatalf("pending: %v %v", err, pend.Problems)
	}
	if g := gateOn(t, e, res, pend, core.HLC{Wall: expires.Add(-time.Minute).UnixMilli()}); g.Verdict != intake.VerdictReady {
		t.Fatalf("before expiry: %s: %s", g.Verdict, g.Reason)
	}
	g := gateOn(t, e, res, pend, core.HLC{Wall: expires.Add(time.Minute).UnixMilli()})
	if g.Verdict != intake.VerdictRefused || !strings.Contains(g.Reason, "expired at "+expires.Format(time.RFC3339)) {
		t.Fatalf("after expiry: %s: %s", g.Verdict, g.Reason)
	}
}

// forgeAt writes the entry a holder of the reconciler's key alone could
// write for proposal name, read with the clock at when (so its signatures
// pass) and published at today's time, skipping the gate's time checks.
func forgeAt(t *testing.T, e *Engine, clock *fakeClock, when time.Time, name string) {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	var p intake.Pending
	at(clock, when, func() {
		var err error
		if p, err = e.Pending(res.State.Rules(), res.Head, name); err != nil || len(p.Problems) > 0 {
			t.Fatalf("pending at %s: %v %v", when, err, p.Problems)
		}
	})
	// The forger does not ask how the signatures verified when read: a
	// intake.Pending with the same fields and no such record.
	p = intake.Pending{Branch: p.Branch, Head: p.Head, Path: p.Path, Proposal: p.Proposal, Proposer: p.Proposer,
		Subject: p.Subject, Decisions: p.Decisions, Ignored: p.Ignored, Problems: p.Problems, Merged: p.Merged,
		Files: p.Files, Deleted: p.Deleted, Rules: p.Rules, Grants: p.Grants}
	if applied := forgeThroughLoop(t, e, res, p).Applied; len(applied) != 1 {
		t.Fatalf("forge: %d entries", len(applied))
	}
}

// TestReplayRefusesBackdatedX509Proposal: an entry that merged a proposal
// signed with a certificate expired at the entry's time does not replay,
// whatever date the proposal commit carries.
func TestReplayRefusesBackdatedX509Proposal(t *testing.T) {
	e, clock, pki := x509Repo(t)
	dated := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	signWith(e, "deploy-agent", pki.signer(t, "deploy-agent@writ.example", time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)))
	var p *Proposed
	at(clock, dated, func() { p = propose(t, e, "deploy-agent", "create", nil) })
	forgeAt(t, e, clock, dated, strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix))
	_, err := e.Replay(ReplayOptions{})
	wantTamper(t, err, "expired at 2021-06-01T00:00:00Z")
}

// TestX509DecisionJudgedAtTheReconcilersTime: an approval signed with an
// expired certificate and dated back into its validity does not count: it
// is listed as ignored, with the reason; and an entry that counts it
// anyway does not replay.
func TestX509DecisionJudgedAtTheReconcilersTime(t *testing.T) {
	e, clock, pki := x509Repo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	dated := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	signWith(e, "alice", pki.signer(t, "alice@writ.example", time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)))
	at(clock, dated, func() { approveAs(t, e, "alice", name) })
	approveAs(t, e, "bob", name)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(pend.Ignored) != 1 || pend.Ignored[0].Identity != "alice" || !strings.Contains(pend.Ignored[0].Reason, "expired at 2021-06-01T00:00:00Z") {
		t.Fatalf("alice's backdated approval: ignored=%+v decisions=%+v", pend.Ignored, pend.Decisions)
	}
	reconcile(t, e, 0)

	forgeAt(t, e, clock, dated, name)
	_, err = e.Replay(ReplayOptions{})
	wantTamper(t, err, "expired at 2021-06-01T00:00:00Z")
}

// TestRevokedSignerHint: a proposal by a revoked signer is refused with
// what happened and how to recover, not with an unrelated hint.
func TestRevokedSignerHint(t *testing.T) {
	e, _ := newRepo(t)
	changeSigners(t, e, "revoke", func(cfg string) string {
		return editSigner(t, cfg, "deploy-agent", "\n          revoked_at: 2026-11-23T09:00:00Z")
	}, nil)
	propose(t, e, "deploy-agent", "create", nil)
	rep := reconcile(t, e, 0)
	if len(rep.Skipped) != 1 {
		t.Fatalf("skipped %d proposals, want 1", len(rep.Skipped))
	}
	why := rep.Skipped[0].Reason
	for _, w := range []string{"revoked at 2026-11-23T09:00:00Z", "rules change"} {
		if !strings.Contains(why, w) {
			t.Errorf("reason %q does not say %q", why, w)
		}
	}
	if strings.Contains(why, "must be signed by an identity of writ.yaml") {
		t.Errorf("reason %q gives the unrelated hint", why)
	}
}
