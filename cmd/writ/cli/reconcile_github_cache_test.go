package cli

import (
	"path/filepath"
	"testing"
)

// TestGitHubCacheDir: the flag wins, then $WRIT_GITHUB_CACHE, then the
// runner's temp directory in Actions; "none" or no Actions means no file.
func TestGitHubCacheDir(t *testing.T) {
	tests := []struct {
		name, flag string
		env        map[string]string
		want       string
	}{
		{"flag", "/c/flag", map[string]string{GitHubCacheEnv: "/c/env", "RUNNER_TEMP": "/tmp/r"}, "/c/flag"},
		{"env", "", map[string]string{GitHubCacheEnv: "/c/env", "RUNNER_TEMP": "/tmp/r"}, "/c/env"},
		{"actions", "", map[string]string{"RUNNER_TEMP": "/tmp/r"}, filepath.Join("/tmp/r", "writ-github-cache")},
		{"flag none", "none", map[string]string{"RUNNER_TEMP": "/tmp/r"}, ""},
		{"env none", "", map[string]string{GitHubCacheEnv: "none", "RUNNER_TEMP": "/tmp/r"}, ""},
		{"outside actions", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := githubCacheDir(tt.flag, func(k string) string { return tt.env[k] }); got != tt.want {
				t.Fatalf("githubCacheDir = %q, want %q", got, tt.want)
			}
		})
	}
}
