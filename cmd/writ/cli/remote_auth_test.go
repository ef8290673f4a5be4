package cli

import (
	"context"
	"encoding/base64"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	ghfixtures "github.com/writ-dev/writ/fixtures/github"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/remotetest"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
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

// TestReconcileGitHubAuthShallow runs the Action's command, `writ
// reconcile --github --remote origin`, in a depth-1 checkout whose only
// credentials are the extraheader actions/checkout persisted, against a
// server that demands them: the approved pull request is applied, and
// nothing printed holds the token.
func TestReconcileGitHubAuthShallow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a reconcile against a git server")
	}
	const tok = "ghs_ghAuth0123456789abcdefTOKEN"
	ctx := context.Background()
	tmpl := fstest.MapFS{}
	if err := fs.WalkDir(fixtures.Release(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.Release(), p)
		if p == "writ.yaml" {
			s := string(b)
			for _, who := range []string{"alice", "bob"} {
				s = strings.Replace(s, "email: "+who+"@writ.example\n", "email: "+who+"@writ.example\n    github: "+who+"-gh\n", 1)
			}
			b = []byte(s)
		}
		tmpl[p] = &fstest.MapFile{Data: b}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	seedStore, err := gitstore.Init(filepath.Join(t.TempDir(), "seed"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &ghTick{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	seed := &reconciler.Engine{Store: seedStore, Keys: keys, Now: clock.Now}
	if _, err := seed.Init(tmpl, keys); err != nil {
		t.Fatal(err)
	}
	propose := func(tr string, inputs map[string]any) *reconciler.Proposed {
		p, err := seed.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: "web-1", Workflow: "release", Transition: tr, Inputs: inputs}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		propose(tr, nil)
		if rep, err := seed.Reconcile(); err != nil || len(rep.Applied) != 1 {
			t.Fatalf("reconcile %s: %v", tr, err)
		}
	}
	ship := propose("ship", map[string]any{"change_ticket": "CHG-1", "environment": "staging"})
	srv := remotetest.New(t)
	ghOrigin(t, seedStore, srv.URL)
	main, _ := seedStore.Ref(gitstore.MainRef)
	for ref, h := range map[string]plumbing.Hash{gitstore.MainRef: main, "refs/pull/3/head": ship.Commit} {
		if err := seedStore.PushCAS(ctx, "origin", ref, plumbing.ZeroHash, h); err != nil {
			t.Fatal(err)
		}
	}
	gh := githubtest.New(t, "octo-org", "octo-repo", time.Now)
	gh.AddPull(githubtest.Pull{Number: 3, Author: "deploy-bot", HeadSHA: ship.Commit.String(), HeadRef: ship.Branch,
		BaseSHA: main.String(), BaseRef: "main", Files: []string{ship.Path}})
	for _, who := range []string{"alice-gh", "bob-gh"} {
		gh.AddReview(3, githubtest.Review{Login: who, State: "APPROVED", CommitID: ship.Commit.String()})
	}

	srv.RequireToken(tok)
	dir := remotetest.Checkout(t, srv.URL, remotetest.CheckoutOptions{Token: tok, FetchDepth: 1})
	payload, err := ghfixtures.Event("workflow_dispatch.json")
	if err != nil {
		t.Fatal(err)
	}
	eventPath := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(eventPath, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_NAME", "workflow_dispatch")
	t.Setenv("GITHUB_EVENT_PATH", eventPath)
	t.Setenv("GITHUB_REPOSITORY", "octo-org/octo-repo")
	t.Setenv("GITHUB_API_URL", gh.URL)
	t.Setenv("GITHUB_TOKEN", tok)
	t.Setenv(GitTokenEnv, "")
	t.Setenv("WRIT_KEYLESS", "")
	r := writWant(t, ExitOK, "reconcile", "--repo", dir, "--keys", keys.Dir, "--github", "--remote", "origin")
	b64 := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + tok))
	if strings.Contains(r.out+r.err, tok) || strings.Contains(r.out+r.err, b64) {
		t.Fatalf("the output holds the token:\n%s", r)
	}
	if !strings.Contains(r.out, "applied #3 "+ship.Path) {
		t.Fatalf("want #3 applied, got %s", r)
	}
	seedStore.SetCredentials(gitstore.Credentials{Token: tok})
	refs, err := seedStore.RemoteRefs(ctx, "origin")
	if err != nil {
		t.Fatal(err)
	}
	if refs[gitstore.MainRef] == main {
		t.Fatalf("remote main did not move:\n%s", r)
	}
	writWant(t, ExitOK, "replay", "--repo", dir)
}
