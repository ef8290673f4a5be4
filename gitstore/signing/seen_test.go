package signing

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/schemas"
)

// Validity windows of the certificates the seen-time tests issue.
var (
	tExpiredFrom = time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	tExpiredTo   = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	tBackdated   = time.Date(2020, 6, 1, 12, 0, 0, 0, time.UTC) // inside the expired window
	tFutureFrom  = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tFutureTo    = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	tForwarded   = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC) // inside the future window
)

// TestX509JudgedWhenSeen: an x509 certificate is judged at the time the
// caller attests it saw the signature, never at the time the signer wrote
// into the commit. A certificate that expired in 2021 signing a commit
// dated 2020 is refused as expired; one valid only from 2030 signing a
// commit dated 2030 is refused as not yet valid (and not called expired).
func TestX509JudgedWhenSeen(t *testing.T) {
	ca := newRoot(t, "Writ Test CA")
	files := trustFiles{}.add("trust/ca.pem", certPEM(ca.cert))
	ring := newTrustRing(t, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, nil, files)
	key := ecKey(t)
	expired := ca.x509Leaf(t, "Carol", "carol@example.com", key, tExpiredFrom, tExpiredTo)
	future := ca.x509Leaf(t, "Carol", "carol@example.com", key, tFutureFrom, tFutureTo)
	valid := ca.x509Leaf(t, "Carol", "carol@example.com", key, tLong, tLongTo)

	tests := []struct {
		name     string
		cert     *x509.Certificate
		claimed  time.Time
		seen     time.Time
		want     error
		text     string // the refusal says this
		notText  string // and never this
		accepted bool   // the claimed time alone accepts it (the signer's word)
	}{
		{"expired, commit backdated into its validity", expired, tBackdated, tSign, ErrExpired, "expired at 2021-06-01T00:00:00Z", "", true},
		{"not yet valid, commit dated into its validity", future, tForwarded, tSign, ErrNotYetValid, "not yet valid before 2030-01-01T00:00:00Z", "expired", true},
		{"valid when seen", valid, tSign, tSign, nil, "", "", true},
		{"valid when seen, commit dated anywhere", valid, tBackdated.AddDate(-10, 0, 0), tSign, nil, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := signCMS(t, payload, key, []*x509.Certificate{tt.cert}, cmsOpts{signingTime: tt.claimed})
			_, err := VerifyPayloadAt(payload, sig, ring, tt.claimed)
			if (err == nil) != tt.accepted {
				t.Fatalf("at the claimed time alone: err = %v, want accepted=%v", err, tt.accepted)
			}
			v, err := VerifyPayloadTimes(payload, sig, ring, Times{Claimed: tt.claimed, Seen: tt.seen})
			if tt.want != nil {
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) ||
					tt.notText != "" && strings.Contains(err.Error(), tt.notText) {
					t.Fatalf("err = %v, want %v saying %q and not %q", err, tt.want, tt.text, tt.notText)
				}
				return
			}
			if err != nil || v.Identity != "carol" || v.TimeSource != TimeSeen || !v.SignedAt.Equal(tt.seen) {
				t.Fatalf("Verified = %+v, %v; want carol judged at %s", v, err, tt.seen)
			}
			if !v.NotBefore.Equal(tLong) || !v.NotAfter.Equal(tLongTo) {
				t.Fatalf("validity %s..%s, want the chain's %s..%s", v.NotBefore, v.NotAfter, tLong, tLongTo)
			}
		})
	}
}

// TestHoldsAt: a verified signature says whether its signer's credentials
// hold at a later attested time (the WAL entry's), naming what failed.
func TestHoldsAt(t *testing.T) {
	ca := newRoot(t, "Writ Test CA")
	files := trustFiles{}.add("trust/ca.pem", certPEM(ca.cert))
	key := ecKey(t)
	short := ca.x509Leaf(t, "Carol", "carol@example.com", key, tSign.Add(-time.Hour), tSign.Add(time.Hour))
	id := signerID("carol", schemas.Signer{Name: "smime", RevokedAt: "2026-03-01T12:30:00Z",
		X509: &schemas.X509Signer{Email: "carol@example.com", CA: "trust/ca.pem"}})
	ring := newTrustRing(t, []schemas.Identity{id}, nil, files)
	sig := signCMS(t, payload, key, []*x509.Certificate{short}, cmsOpts{})
	v, err := VerifyPayloadTimes(payload, sig, ring, Times{Claimed: tSign, Seen: tSign})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want error
		text string
	}{
		{"inside", tSign.Add(10 * time.Minute), nil, ""},
		{"before the certificate", tSign.Add(-2 * time.Hour), ErrNotYetValid, "not yet valid before 2026-03-01T11:00:00Z"},
		{"after revocation", tSign.Add(45 * time.Minute), ErrRevoked, `signer "smime" was revoked at 2026-03-01T12:30:00Z`},
		{"after expiry", tSign.Add(2 * time.Hour), ErrRevoked, "revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.HoldsAt(tt.at)
			if tt.want == nil && err != nil || tt.want != nil && (!errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text)) {
				t.Fatalf("HoldsAt(%s) = %v, want %v saying %q", tt.at, err, tt.want, tt.text)
			}
		})
	}
	// Without a revocation the expiry shows.
	ring = newTrustRing(t, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, nil, files)
	if v, err = VerifyPayloadTimes(payload, sig, ring, Times{Claimed: tSign, Seen: tSign}); err != nil {
		t.Fatal(err)
	}
	if err := v.HoldsAt(tSign.Add(2 * time.Hour)); !errors.Is(err, ErrExpired) || errors.Is(err, ErrNotYetValid) || !strings.Contains(err.Error(), "expired at 2026-03-01T13:00:00Z") {
		t.Fatalf("after expiry: %v", err)
	}
}

// TestRevokedWhenSeen: revoked_at also applies at the time the caller saw
// the signature, whatever the commit claims.
func TestRevokedWhenSeen(t *testing.T) {
	k := newKey(t, "alice")
	c := commitWith(t, k.signer, tSign)
	ring := mustRing(t, signerID("alice", schemas.Signer{Name: "laptop", SSH: k.line, RevokedAt: "2026-03-02T00:00:00Z"}))
	if _, err := VerifyCommit(c, ring); err != nil {
		t.Fatalf("at the committer time, before revocation: %v", err)
	}
	if _, err := VerifyCommitSeen(c, ring, tSign.Add(6*time.Hour)); err != nil {
		t.Fatalf("seen before revocation: %v", err)
	}
	_, err := VerifyCommitSeen(c, ring, tSign.Add(48*time.Hour))
	if !errors.Is(err, ErrRevoked) || !strings.Contains(err.Error(), "2026-03-02T00:00:00Z") {
		t.Fatalf("seen after revocation: %v", err)
	}
}

// TestGpgsmBackdated: real gpgsm, its clock faked as an attacker would,
// signs a git commit dated inside the certificate's validity. Judged at the
// committer time the commit verifies; judged when seen it is refused, as
// expired or as not yet valid.
func TestGpgsmBackdated(t *testing.T) {
	for _, bin := range []string{"gpgsm", "gpgconf", "openssl"} {
		gittest.Require(t, bin)
	}
	g := gittest.New(t)
	ca := newRoot(t, "Writ Test CA")
	key := rsaKey(t) // gpgsm 2.2 cannot import EC keys from PKCS#12
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	files := trustFiles{}.add("trust/ca.pem", certPEM(ca.cert))
	ring := newTrustRing(t, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, nil, files)
	seen := time.Now()
	tests := []struct {
		name       string
		from, to   time.Time
		signedAt   time.Time
		want       error
		text       string
		wantAccept bool
	}{
		{"expired in 2021, commit dated 2020", tExpiredFrom, tExpiredTo, tBackdated, ErrExpired, "expired at 2021-06-01", false},
		{"valid from 2030, commit dated 2030", tFutureFrom, tFutureTo, tForwarded, ErrNotYetValid, "not yet valid before 2030-01-01", false},
		{"valid now", tLong, tLongTo, seen, nil, "", true},
	}
	// One gpgsm home holds the key and every certificate for it (importing
	// PKCS#12 is the slow, sometimes flaky step, so it is done once).
	leaves := make([]*x509.Certificate, len(tests))
	for i, tt := range tests {
		leaves[i] = ca.x509Leaf(t, "Carol", "carol@example.com", key, tt.from, tt.to)
	}
	program := gpgsmHome(t, g, ca, leaves[0], keyDER)
	for _, leaf := range leaves[1:] {
		file := filepath.Join(t.TempDir(), "leaf.pem")
		if err := os.WriteFile(file, certPEM(leaf), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, errOut, err := g.Exec(t.TempDir(), program, "--batch", "--import", file); err != nil {
			t.Fatalf("gpgsm --import: %v\n%s%s", err, out, errOut)
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := leaves[i]
			// The signer's clock, faked: gpgsm then signs with the
			// certificate and writes that time as the signing time.
			faked := filepath.Join(t.TempDir(), "gpgsm-faked.sh")
			script := "#!/bin/sh\nexec '" + program + "' --faked-system-time " + tt.signedAt.UTC().Format("20060102T150405") + " \"$@\"\n"
			if err := os.WriteFile(faked, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			fp := sha1.Sum(leaf.Raw)
			dir := t.TempDir()
			g.Run(dir, "init", "-q", "-b", "main")
			if err := os.WriteFile(filepath.Join(dir, "f"), []byte("1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			g.Run(dir, "add", "f")
			date := tt.signedAt.UTC().Format(time.RFC3339)
			_, errOut, err := g.Exec(dir, "env", "GIT_COMMITTER_DATE="+date, "GIT_AUTHOR_DATE="+date, "git",
				"-c", "gpg.format=x509", "-c", "gpg.x509.program="+faked, "-c", "user.signingkey="+hex.EncodeToString(fp[:]),
				"commit", "-q", "-S", "-m", "signed by gpgsm")
			if err != nil {
				t.Fatalf("git commit -S: %v\n%s", err, errOut)
			}
			repo, err := git.PlainOpen(dir)
			if err != nil {
				t.Fatal(err)
			}
			head, _ := repo.Head()
			c, err := repo.CommitObject(head.Hash())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := VerifyCommit(c, ring); err != nil {
				t.Fatalf("at the committer time (the signer's word): %v", err)
			}
			v, err := VerifyCommitSeen(c, ring, seen)
			if tt.wantAccept {
				if err != nil || v.Identity != "carol" || v.TimeSource != TimeSeen {
					t.Fatalf("Verified = %+v, %v", v, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v saying %q", err, tt.want, tt.text)
			}
		})
	}
}
