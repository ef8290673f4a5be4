package remotetest

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// CheckoutOptions are the inputs of actions/checkout that Checkout
// follows.
type CheckoutOptions struct {
	// Token is checkout's token input; empty fetches without credentials.
	Token string
	// NoPersist is persist-credentials: false: the token is removed from
	// git config once the checkout is done.
	NoPersist bool
	// FetchDepth is fetch-depth: 1 (checkout's default) fetches main's
	// head alone into a shallow clone, 0 all history of all branches.
	FetchDepth int
	// SeparateFile persists the credentials as actions/checkout v6 does:
	// in a file of their own, included from .git/config by an
	// includeIf "gitdir:" entry; otherwise (v4 and v5) directly in
	// .git/config.
	SeparateFile bool
}

// Checkout makes a clone of the repository at repoURL exactly as
// actions/checkout makes one of main, with git's own commands: `git init`,
// `git remote add origin`, the token persisted as
// http.<scheme://host[:port]>/.extraheader = "AUTHORIZATION: basic
// base64(x-access-token:<token>)", `git fetch` at the given depth, and
// `git checkout -B main`. It returns the clone's directory.
func Checkout(t testing.TB, repoURL string, o CheckoutOptions) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "workspace")
	env := isolatedEnv(t.TempDir())
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("checkout: git %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	git("init", "--quiet", dir)
	git("remote", "add", "origin", repoURL)
	key := ExtraHeaderKey(t, repoURL)
	gitDir := filepath.ToSlash(filepath.Join(dir, ".git"))
	var credFile string
	if o.Token != "" {
		value := "AUTHORIZATION: basic " + base64.StdEncoding.EncodeToString([]byte(TokenUser+":"+o.Token))
		if o.SeparateFile {
			credFile = filepath.Join(t.TempDir(), "git-credentials-"+strconv.Itoa(os.Getpid())+".config")
			git("config", "--file", credFile, key, value)
			git("config", "--local", "includeIf.gitdir:"+gitDir+".path", credFile)
			git("config", "--local", "includeIf.gitdir:"+gitDir+"/worktrees/*.path", credFile)
		} else {
			git("config", "--local", key, value)
		}
	}
	if o.FetchDepth > 0 {
		git("-c", "protocol.version=2", "fetch", "--no-tags", "--prune", "--no-recurse-submodules",
			"--depth="+strconv.Itoa(o.FetchDepth), "origin", "+refs/heads/main:refs/remotes/origin/main")
	} else {
		git("-c", "protocol.version=2", "fetch", "--prune", "--no-recurse-submodules", "origin",
			"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
	}
	git("checkout", "--quiet", "--force", "-B", "main", "refs/remotes/origin/main")
	if o.Token != "" && o.NoPersist {
		if o.SeparateFile {
			git("config", "--local", "--unset-all", "includeIf.gitdir:"+gitDir+".path")
			git("config", "--local", "--unset-all", "includeIf.gitdir:"+gitDir+"/worktrees/*.path")
		} else {
			git("config", "--local", "--unset-all", key)
		}
	}
	return dir
}

// ExtraHeaderKey is the git config key under which actions/checkout
// persists its token for a repository URL: http.<scheme://host[:port]>/.extraheader.
func ExtraHeaderKey(t testing.TB, repoURL string) string {
	t.Helper()
	u, err := url.Parse(repoURL)
	if err != nil {
		t.Fatalf("checkout: %v", err)
	}
	return "http." + u.Scheme + "://" + u.Host + "/.extraheader"
}
