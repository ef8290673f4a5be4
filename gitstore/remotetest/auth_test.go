package remotetest

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestRequireToken: the server answers as GitHub's git endpoint does:
// 401 with a Basic challenge without credentials or with wrong ones, 403
// to a push with a read-only token, the repository otherwise; and real
// git, configured as actions/checkout configures it, gets through.
func TestRequireToken(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	s := New(t)
	// main: one commit of the empty tree.
	env := append(isolatedEnv(t.TempDir()), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	cmd := exec.Command("git", "-C", s.Dir, "commit-tree", "-m", "root", "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command("git", "-C", s.Dir, "update-ref", "refs/heads/main", strings.TrimSpace(string(out)))
	cmd.Env = env
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	s.RequireToken("good-token")
	s.AllowReadOnly("read-token")
	tests := []struct {
		name, user, pass, service string
		want                      int
	}{
		{"no credentials", "", "", "git-upload-pack", http.StatusUnauthorized},
		{"wrong token", TokenUser, "bad-token", "git-upload-pack", http.StatusUnauthorized},
		{"wrong user", "someone", "good-token", "git-upload-pack", http.StatusUnauthorized},
		{"fetch", TokenUser, "good-token", "git-upload-pack", http.StatusOK},
		{"push", TokenUser, "good-token", "git-receive-pack", http.StatusOK},
		{"read-only fetch", TokenUser, "read-token", "git-upload-pack", http.StatusOK},
		{"read-only push", TokenUser, "read-token", "git-receive-pack", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.URL+"/info/refs?service="+tt.service, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if got := res.Header.Get("WWW-Authenticate"); tt.want == http.StatusUnauthorized && got != `Basic realm="GitHub"` {
				t.Fatalf("WWW-Authenticate = %q", got)
			}
		})
	}
	before := s.Refused()
	Checkout(t, s.URL, CheckoutOptions{Token: "good-token", FetchDepth: 1, SeparateFile: true})
	if s.Refused() != before {
		t.Fatalf("git with the persisted extraheader was refused")
	}
	s.OpenAccess()
	Checkout(t, s.URL, CheckoutOptions{})
}
