package gitstore

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/remotetest"
)

// isolatedGetenv is an environment with no global or system git config.
func isolatedGetenv(t *testing.T) func(string) string {
	home := t.TempDir()
	return func(k string) string {
		switch k {
		case "HOME":
			return home
		case "GIT_CONFIG_NOSYSTEM":
			return "1"
		}
		return ""
	}
}

// seedServer publishes n commits on the server's main from an open clone
// and returns them, oldest first.
func seedServer(t *testing.T, g *gittest.Git, srv *remotetest.Server, n int) []plumbing.Hash {
	t.Helper()
	a := clone(t, g, srv)
	var hs []plumbing.Hash
	prev := plumbing.ZeroHash
	for i := 0; i < n; i++ {
		var parents []plumbing.Hash
		if !prev.IsZero() {
			parents = []plumbing.Hash{prev}
		}
		c := mustCommit(t, a, i, parents, map[string]string{"entries/" + string(rune('a'+i)): "x"})
		hs = append(hs, c)
		prev = c
	}
	if err := a.PushCAS(context.Background(), "origin", MainRef, plumbing.ZeroHash, prev); err != nil {
		t.Fatal(err)
	}
	return hs
}

// openCheckout opens a checkout with the given credentials.
func openCheckout(t *testing.T, dir string, c Credentials) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Getenv == nil {
		c.Getenv = isolatedGetenv(t)
	}
	s.SetCredentials(c)
	return s
}

// assertNoSecret fails when text holds a token or its Basic credential.
func assertNoSecret(t *testing.T, text string, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		b64 := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + tok))
		if strings.Contains(text, tok) || strings.Contains(text, b64) {
			t.Fatalf("a token leaked into: %s", text)
		}
	}
}

// TestRemoteAuth fetches and pushes through a server that demands
// credentials as GitHub does, from checkouts made as actions/checkout
// makes them.
func TestRemoteAuth(t *testing.T) {
	const (
		good     = "ghs_good0123456789abcdefGOOD"
		readOnly = "ghs_readonly0123456789abcdRO"
		wrong    = "ghs_wrong0123456789abcdefBAD"
	)
	tests := []struct {
		name     string
		checkout remotetest.CheckoutOptions // Token: what checkout persists
		creds    Credentials
		fetchErr string // "" : the fetch succeeds
		pushErr  string // "" : the push succeeds
	}{
		{name: "extraheader in .git/config (checkout v4)", checkout: remotetest.CheckoutOptions{Token: good}},
		{name: "extraheader in an includeIf file (checkout v6)", checkout: remotetest.CheckoutOptions{Token: good, SeparateFile: true}},
		{name: "explicit token, nothing persisted", checkout: remotetest.CheckoutOptions{Token: good, NoPersist: true},
			creds: Credentials{Token: good, TokenFrom: "$WRIT_GIT_TOKEN"}},
		{name: "explicit token replaces a read-only extraheader", checkout: remotetest.CheckoutOptions{Token: readOnly},
			creds: Credentials{Token: good, TokenFrom: "$WRIT_GIT_TOKEN"}},
		{name: "read-only extraheader fetches, cannot push", checkout: remotetest.CheckoutOptions{Token: readOnly, SeparateFile: true},
			pushErr: "are not allowed to do this (HTTP 403)"},
		{name: "no credentials", checkout: remotetest.CheckoutOptions{Token: good, NoPersist: true},
			fetchErr: "requires credentials and none were found", pushErr: "requires credentials and none were found"},
		{name: "wrong explicit token", checkout: remotetest.CheckoutOptions{Token: good, NoPersist: true},
			creds:    Credentials{Token: wrong, TokenFrom: "$WRIT_GIT_TOKEN"},
			fetchErr: "refused the credentials from $WRIT_GIT_TOKEN (HTTP 401", pushErr: "refused the credentials from $WRIT_GIT_TOKEN (HTTP 401"},
		{name: "GitHub token is not sent to another host", checkout: remotetest.CheckoutOptions{Token: good, NoPersist: true},
			creds:    Credentials{GitHubToken: good, GitHubTokenFrom: "$GITHUB_TOKEN"},
			fetchErr: "requires credentials and none were found", pushErr: "requires credentials and none were found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			g := gittest.New(t)
			srv := remotetest.New(t)
			hs := seedServer(t, g, srv, 3)
			srv.RequireToken(good)
			srv.AllowReadOnly(readOnly)
			tt.checkout.FetchDepth = 0
			s := openCheckout(t, remotetest.Checkout(t, srv.URL, tt.checkout), tt.creds)
			check := func(what string, err error, want string) {
				t.Helper()
				if err != nil {
					assertNoSecret(t, err.Error(), good, readOnly, wrong)
				}
				switch {
				case want == "" && err != nil:
					t.Fatalf("%s: %v", what, err)
				case want == "":
				case !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "origin"):
					t.Fatalf("%s: want ErrAuth naming origin and %q, got %v", what, want, err)
				case strings.Contains(want, "none were found") && !strings.Contains(err.Error(), "$WRIT_GIT_TOKEN"):
					t.Fatalf("%s: the error does not say how to give credentials: %v", what, err)
				}
			}
			check("fetch", s.Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main"), tt.fetchErr)
			if _, err := s.RemoteRefs(ctx, "origin"); tt.fetchErr == "" && err != nil {
				t.Fatalf("list: %v", err)
			} else if tt.fetchErr != "" && !errors.Is(err, ErrAuth) {
				t.Fatalf("list: want ErrAuth, got %v", err)
			}
			next := mustCommit(t, s, 9, []plumbing.Hash{hs[2]}, map[string]string{"entries/z": "z"})
			check("push", s.PushCAS(ctx, "origin", MainRef, hs[2], next), tt.pushErr)
			want := next
			if tt.pushErr != "" {
				want = hs[2]
			}
			if got := remoteRef(t, g, srv, MainRef); got != want.String() {
				t.Fatalf("remote main = %s, want %s", got, want)
			}
		})
	}
}

// TestRemoteAuthURLPassword: credentials in the remote's URL are used and
// never shown, not even when the remote refuses them.
func TestRemoteAuthURLPassword(t *testing.T) {
	const good, wrong = "ghp_urlpassword0123456789GOOD", "ghp_urlpassword0123456789BAD"
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	seedServer(t, g, srv, 1)
	srv.RequireToken(good)
	for _, tok := range []string{good, wrong} {
		dir := remotetest.Checkout(t, srv.URL, remotetest.CheckoutOptions{Token: good, NoPersist: true})
		withPass := strings.Replace(srv.URL, "http://", "http://x-access-token:"+tok+"@", 1)
		g.Run(dir, "remote", "set-url", "origin", withPass)
		s := openCheckout(t, dir, Credentials{})
		err := s.Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main")
		if tok == good && err != nil {
			t.Fatalf("fetch with the password in the URL: %v", err)
		}
		if tok == wrong {
			if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "the user and password in the remote's URL") {
				t.Fatalf("wrong password in the URL: want ErrAuth naming where it came from, got %v", err)
			}
			assertNoSecret(t, err.Error(), tok)
		}
	}
}

// TestShallowCheckout: a depth-1 checkout (actions/checkout's default) is
// deepened by the first fetch: the history is complete, .git/shallow is
// gone, and git agrees.
func TestShallowCheckout(t *testing.T) {
	const tok = "ghs_shallow0123456789abcdefTOK"
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	hs := seedServer(t, g, srv, 5)
	srv.RequireToken(tok)
	dir := remotetest.Checkout(t, srv.URL, remotetest.CheckoutOptions{Token: tok, FetchDepth: 1})
	if _, err := os.Stat(filepath.Join(dir, ".git", "shallow")); err != nil {
		t.Fatalf("checkout with fetch-depth 1 is not shallow: %v", err)
	}
	s := openCheckout(t, dir, Credentials{})
	if _, err := s.Commit(hs[3]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before the fetch, the parent of the head should be missing: %v", err)
	}
	// Before the fetch a walk stops at the boundary and says what to do.
	if _, err := s.FirstParentLog(hs[4], plumbing.ZeroHash); !errors.Is(err, ErrShallow) || !errors.Is(err, ErrNotFound) ||
		!strings.Contains(err.Error(), "fetch-depth: 0") || !strings.Contains(err.Error(), "git fetch --unshallow") {
		t.Fatalf("walking a shallow clone: want ErrShallow saying what to do, got %v", err)
	}
	if err := s.Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main"); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if sh, err := s.Shallow(); err != nil || len(sh) != 0 {
		t.Fatalf("after the fetch the clone is still shallow: %v %v", sh, err)
	}
	log, err := s.FirstParentLog(hs[4], plumbing.ZeroHash)
	if err != nil {
		t.Fatalf("history after the fetch: %v", err)
	}
	if len(log) != len(hs) {
		t.Fatalf("history has %d commits, want %d", len(log), len(hs))
	}
	if out := g.Run(dir, "rev-list", "--count", "main"); strings.TrimSpace(out) != "5" {
		t.Fatalf("git rev-list --count main = %q, want 5", out)
	}
	g.Fsck(dir)
}
