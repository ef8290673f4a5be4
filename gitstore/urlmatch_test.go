package gitstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// TestExtraHeaderMatchesGit checks which http.<url>.extraheader applies
// to a URL against git itself (`git config --get-urlmatch`): the last
// header extraHeaders collects is the one git picks.
func TestExtraHeaderMatchesGit(t *testing.T) {
	g := gittest.New(t)
	tests := []struct {
		name string
		keys []string // config URLs in order; the value of each is "X-N: <index>"
		url  string
	}{
		{"origin prefix as checkout writes it", []string{"https://github.com/"}, "https://github.com/o/r.git"},
		{"no trailing slash", []string{"https://github.com"}, "https://github.com/o/r"},
		{"other scheme", []string{"http://github.com/"}, "https://github.com/o/r"},
		{"other host", []string{"https://github.com/"}, "https://gitlab.com/o/r"},
		{"explicit default port", []string{"https://github.com:443/"}, "https://github.com/o/r"},
		{"other port", []string{"http://127.0.0.1:8080/"}, "http://127.0.0.1:9090/repo.git"},
		{"port kept", []string{"http://127.0.0.1:8080/"}, "http://127.0.0.1:8080/repo.git"},
		{"path prefix on a boundary", []string{"https://h/o"}, "https://h/o/r"},
		{"path prefix not on a boundary", []string{"https://h/o"}, "https://h/or/r"},
		{"longer path wins, either order", []string{"https://h/o/", "https://h/"}, "https://h/o/r"},
		{"longer path wins, other order", []string{"https://h/", "https://h/o/"}, "https://h/o/r"},
		{"equal match: the last wins", []string{"https://h/", "https://h"}, "https://h/o/r"},
		{"user must match", []string{"https://alice@h/"}, "https://bob@h/o"},
		{"user matched beats none", []string{"https://alice@h/", "https://h/"}, "https://alice@h/o"},
		{"wildcard label", []string{"https://*.example.com/"}, "https://git.example.com/r"},
		{"exact host beats wildcard", []string{"https://git.example.com/", "https://*.example.com/"}, "https://git.example.com/r"},
		{"wildcard spans one label only", []string{"https://*.com/"}, "https://a.b.com/r"},
		{"dot segments", []string{"https://h/a/../o/"}, "https://h/o/r"},
		{"host case", []string{"https://GitHub.com/"}, "https://github.com/o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			var entries []configEntry
			for i, k := range tt.keys {
				v := "X-N: " + string(rune('0'+i))
				lines = append(lines, "[http \""+k+"\"]\n\textraheader = "+v)
				entries = append(entries, configEntry{section: "http", subsection: k, key: "extraheader", value: v, file: "test"})
			}
			file := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			want, _, _ := g.Exec("", "git", "config", "--file", file, "--get-urlmatch", "http.extraheader", tt.url)
			want = strings.TrimSpace(want)
			got := ""
			if hs := extraHeaders(entries, tt.url); len(hs) > 0 {
				last := hs[len(hs)-1]
				got = last.name + ": " + last.value
			}
			if got != want {
				t.Fatalf("extraHeaders picks %q, git picks %q", got, want)
			}
		})
	}
}

// TestGitConfigIncludes reads the headers through the files git reads:
// includeIf "gitdir:" (as actions/checkout v6 persists credentials),
// include.path, a non-matching includeIf, GIT_CONFIG_COUNT, and an empty
// value that clears the list; a file that does not parse is skipped and
// named.
func TestGitConfigIncludes(t *testing.T) {
	dir := t.TempDir()
	gitDir := filepath.Join(dir, "repo", ".git")
	if err := os.MkdirAll(gitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	creds := write("creds.config", "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic Y3JlZHM=\n")
	other := write("other.config", "[http]\n\textraheader = X-Other: no\n")
	write("plain.config", "[http]\n\textraheader = X-Plain: yes\n")
	write("repo/.git/config", "[core]\n\tbare = false\n"+
		"[include]\n\tpath = ../../plain.config\n"+
		"[includeIf \"gitdir:"+filepath.ToSlash(gitDir)+"\"]\n\tpath = "+creds+"\n"+
		"[includeIf \"gitdir:/nowhere/.git\"]\n\tpath = "+other+"\n")
	env := map[string]string{"GIT_CONFIG_NOSYSTEM": "1", "HOME": dir,
		"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.https://github.com/o.extraheader", "GIT_CONFIG_VALUE_0": "X-Env: 1"}
	write(".gitconfig", "[unclosed\n\textraheader = X-Secret: s3cr3t\n") // a global file git would refuse
	entries, skipped := gitConfig(gitDir, func(k string) string { return env[k] })
	if len(skipped) != 1 || !strings.Contains(skipped[0], ".gitconfig (does not parse") || strings.Contains(skipped[0], "s3cr3t") {
		t.Fatalf("skipped = %q, want the global file named without its content", skipped)
	}
	var got []string
	for _, h := range extraHeaders(entries, "https://github.com/o/r.git") {
		got = append(got, h.name+": "+h.value)
	}
	want := []string{"X-Plain: yes", "AUTHORIZATION: basic Y3JlZHM=", "X-Env: 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("headers = %q, want %q", got, want)
	}
	env["GIT_CONFIG_COUNT"] = "2"
	env["GIT_CONFIG_KEY_1"], env["GIT_CONFIG_VALUE_1"] = "http.https://github.com/o/r.git.extraheader", ""
	entries, _ = gitConfig(gitDir, func(k string) string { return env[k] })
	if hs := extraHeaders(entries, "https://github.com/o/r.git"); len(hs) != 0 {
		t.Fatalf("an empty value must clear the headers, got %v", hs)
	}
}

// TestResolveAuth: which Authorization writ sends for a URL, by the
// precedence Credentials documents.
func TestResolveAuth(t *testing.T) {
	const extra = "AUTHORIZATION: basic ZXh0cmE="
	tests := []struct {
		name      string
		url       string
		header    bool // an extraheader for https://github.com/ in .git/config
		creds     Credentials
		wantValue string // the Authorization sent; "" none
		wantFrom  string
	}{
		{name: "nothing", url: "https://github.com/o/r.git"},
		{name: "extraheader", url: "https://github.com/o/r.git", header: true, wantValue: "basic ZXh0cmE=", wantFrom: "http.https://github.com/.extraheader"},
		{name: "explicit token beats extraheader", url: "https://github.com/o/r.git", header: true,
			creds: Credentials{Token: "tok1", TokenFrom: "$WRIT_GIT_TOKEN"}, wantValue: basicToken("tok1"), wantFrom: "$WRIT_GIT_TOKEN"},
		{name: "extraheader beats the GitHub token", url: "https://github.com/o/r.git", header: true,
			creds: Credentials{GitHubToken: "tok2"}, wantValue: "basic ZXh0cmE=", wantFrom: "http.https://github.com/.extraheader"},
		{name: "URL password beats the GitHub token", url: "https://u:p4ss@github.com/o/r.git",
			creds: Credentials{GitHubToken: "tok2"}, wantValue: "Basic dTpwNHNz", wantFrom: "the user and password in the remote's URL"},
		{name: "GitHub token on github.com", url: "https://github.com/o/r.git",
			creds: Credentials{GitHubToken: "tok2", GitHubTokenFrom: "$GITHUB_TOKEN"}, wantValue: basicToken("tok2"), wantFrom: "$GITHUB_TOKEN"},
		{name: "GitHub token on the configured server", url: "https://ghe.example.com/o/r.git",
			creds: Credentials{GitHubToken: "tok2", GitHubHost: "ghe.example.com"}, wantValue: basicToken("tok2"), wantFrom: "the GitHub token"},
		{name: "GitHub token not over plain http", url: "http://github.com/o/r.git", creds: Credentials{GitHubToken: "tok2"}},
		{name: "GitHub token not to another host", url: "https://gitlab.com/o/r.git", creds: Credentials{GitHubToken: "tok2"}},
		{name: "extraheader of another host", url: "https://gitlab.com/o/r.git", header: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			if tt.header {
				f := filepath.Join(s.GitDir(), "config")
				old, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, append(old, []byte("[http \"https://github.com/\"]\n\textraheader = "+extra+"\n")...), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tt.creds.Getenv = isolatedGetenv(t)
			s.SetCredentials(tt.creds)
			ep, err := transport.NewEndpoint(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.resolveAuth(tt.url, ep)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, h := range a.headers {
				if isAuthorization(h.name) {
					got = h.value
				}
			}
			if got != tt.wantValue || !strings.HasPrefix(a.from, tt.wantFrom) {
				t.Fatalf("Authorization %q from %q, want %q from %q", got, a.from, tt.wantValue, tt.wantFrom)
			}
			if strings.Contains(a.String(), "tok1") || strings.Contains(a.String(), "tok2") || strings.Contains(a.String(), "ZXh0cmE") || strings.Contains(a.String(), "p4ss") {
				t.Fatalf("String shows a secret: %s", a)
			}
		})
	}
}
