package cli

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/gitstore/remotetest"
)

// TestReconcileAuth runs whole reconciles (`writ reconcile --remote
// origin`, the binary) in checkouts made as actions/checkout makes them,
// against a server that demands credentials as GitHub does, and scans
// everything each run prints for the tokens and their Basic credentials.
// The control repo already holds several entries; the checkouts are
// shallow (fetch-depth: 1, checkout's default) or complete (0).
func TestReconcileAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the writ binary against a git server")
	}
	const (
		good     = "ghs_cliGood0123456789abcdefGOOD"
		readOnly = "ghs_cliRead0123456789abcdefREAD"
		wrong    = "ghs_cliWrong0123456789abcdeBAD"
	)
	tests := []struct {
		name     string
		checkout remotetest.CheckoutOptions
		env      []string
		want     []string // in stderr when the run fails; nil: it succeeds
	}{
		{name: "extraheader, depth 1", checkout: remotetest.CheckoutOptions{Token: good, FetchDepth: 1}},
		{name: "extraheader in an includeIf file, depth 0", checkout: remotetest.CheckoutOptions{Token: good, SeparateFile: true}},
		{name: "WRIT_GIT_TOKEN, nothing persisted, depth 1", checkout: remotetest.CheckoutOptions{Token: good, NoPersist: true, FetchDepth: 1},
			env: []string{"WRIT_GIT_TOKEN=" + good}},
		{name: "WRIT_GIT_TOKEN over a read-only extraheader", checkout: remotetest.CheckoutOptions{Token: readOnly, FetchDepth: 1},
			env: []string{"WRIT_GIT_TOKEN=" + good}},
		{name: "no credentials", checkout: remotetest.CheckoutOptions{Token: good, NoPersist: true, FetchDepth: 1},
			want: []string{"fetch origin", "requires credentials and none were found", "$WRIT_GIT_TOKEN", "actions/checkout"}},
		{name: "wrong WRIT_GIT_TOKEN", checkout: remotetest.CheckoutOptions{Token: good, FetchDepth: 1},
			env:  []string{"WRIT_GIT_TOKEN=" + wrong},
			want: []string{"fetch origin", "refused the credentials from $WRIT_GIT_TOKEN (HTTP 401"}},
		{name: "read-only token cannot push", checkout: remotetest.CheckoutOptions{Token: readOnly},
			want: []string{"to origin", "are not allowed to do this (HTTP 403)", "contents: write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			f := newRemoteFixture(t, 5)
			// Three entries on main first, from an ordinary clone; two
			// proposals stay open.
			if r := f.reconcile(ctx, f.clone("first"), nil, "--batch", "3", "--rounds", "1"); r.code != ExitOK {
				t.Fatalf("first reconcile: %s", r)
			}
			before := strings.TrimSpace(f.g.run(f.srv.Dir, "rev-parse", "main"))
			f.srv.RequireToken(good)
			f.srv.AllowReadOnly(readOnly)
			dir := remotetest.Checkout(t, f.srv.URL, tt.checkout)
			env := append([]string{"WRIT_GIT_TOKEN=", "GITHUB_TOKEN=" + good}, tt.env...)
			r := f.reconcile(ctx, dir, env)
			for _, tok := range []string{good, readOnly, wrong} {
				b64 := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + tok))
				for _, leak := range []string{tok, b64, url.QueryEscape(b64)} {
					if strings.Contains(r.out+r.err, leak) {
						t.Fatalf("the output holds a token or its credential %q:\n%s", leak, r)
					}
				}
			}
			after := strings.TrimSpace(f.g.run(f.srv.Dir, "rev-parse", "main"))
			if tt.want != nil {
				t.Logf("stderr of the refused run:\n%s", r.err)
				if r.code != ExitFailure {
					t.Fatalf("want exit %d, got %s", ExitFailure, r)
				}
				for _, w := range tt.want {
					if !strings.Contains(r.err, w) {
						t.Fatalf("stderr does not say %q:\n%s", w, r)
					}
				}
				if after != before {
					t.Fatalf("the remote main moved from %s to %s", before, after)
				}
				return
			}
			if r.code != ExitOK {
				t.Fatalf("reconcile: %s", r)
			}
			if entries, _, _, ok := summary(r.out); !ok || entries != 2 {
				t.Fatalf("want the 2 open proposals applied: %s", r)
			}
			if strings.Contains(r.out+r.err, "not found") {
				t.Fatalf("a run that succeeded mentions a missing object:\n%s", r)
			}
			f.srv.OpenAccess()
			f.verifyRemote()
		})
	}
}

// TestShallowReplaySaysWhatToSet: a command that reads main without a
// remote, in a depth-1 checkout, fails saying what to set instead of
// "commit not found" alone.
func TestShallowReplaySaysWhatToSet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the writ binary against a git server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f := newRemoteFixture(t, 2)
	if r := f.reconcile(ctx, f.clone("first"), nil); r.code != ExitOK {
		t.Fatalf("reconcile: %s", r)
	}
	dir := remotetest.Checkout(t, f.srv.URL, remotetest.CheckoutOptions{FetchDepth: 1})
	r := f.run(ctx, nil, "--repo", dir, "replay")
	if r.code != ExitFailure || !strings.Contains(r.err, "fetch-depth: 0") || !strings.Contains(r.err, "git fetch --unshallow") {
		t.Fatalf("replay in a shallow checkout: want exit %d saying what to set, got %s", ExitFailure, r)
	}
}
