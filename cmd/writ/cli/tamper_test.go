package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestTamperDetection changes a copy of the demo repo behind writ's back
// with stock git; replay must fail, name the commit and say why, and
// reconcile must not build on the damaged log.
func TestTamperDetection(t *testing.T) {
	t.Parallel()
	src, _ := sharedDemo(t)
	tests := []struct {
		name string
		// tamper damages repo and returns the commit replay must name ("" if
		// none).
		tamper func(t *testing.T, g *gitEnv, repo string) string
		why    *regexp.Regexp
		// foreign: the damage is a commit after the last verified entry,
		// which is quarantined (ExitForeign) rather than a broken log.
		foreign bool
	}{
		{
			name: "foreign commit on main",
			tamper: func(t *testing.T, g *gitEnv, repo string) string {
				g.run(repo, "reset", "-q", "--hard", "main")
				args := append(signWith(keyPath(repo, "alice")), "commit", "-q", "-S", "--allow-empty", "-m", "hotfix")
				g.run(repo, args...)
				return strings.TrimSpace(g.run(repo, "rev-parse", "main"))
			},
			why:     regexp.MustCompile(`not a WAL entry written by the reconciler`),
			foreign: true,
		},
		{
			name: "entry forged by alice",
			tamper: func(t *testing.T, g *gitEnv, repo string) string {
				// A copy of the last entry (same tree, parents and message),
				// signed by alice instead of the reconciler.
				msg := g.run(repo, "log", "-1", "--format=%B", "main")
				args := append(signWith(keyPath(repo, "alice")), "commit-tree", "-S",
					"-p", "main~1", "-p", "main^2", "main^{tree}")
				forged := strings.TrimSpace(g.runInput(repo, msg, args...))
				g.run(repo, "update-ref", "refs/heads/main", forged)
				g.run(repo, "update-ref", "-d", "refs/writ/checkpoint")
				return forged
			},
			why:     regexp.MustCompile(`signed by alice, not by the reconciler`),
			foreign: true,
		},
		{
			name: "history rewritten",
			tamper: func(t *testing.T, g *gitEnv, repo string) string {
				g.run(repo, "update-ref", "refs/heads/main", "main~2")
				return ""
			},
			why: regexp.MustCompile(`rewritten`),
		},
		{
			name: "trailer edited",
			tamper: func(t *testing.T, g *gitEnv, repo string) string {
				raw := g.run(repo, "cat-file", "commit", "main")
				re := regexp.MustCompile(`(?m)^Writ-State-Post: sha256:([0-9a-f])`)
				m := re.FindStringSubmatch(raw)
				if m == nil {
					t.Fatalf("no Writ-State-Post trailer in\n%s", raw)
				}
				flip := "0"
				if m[1] == "0" {
					flip = "1"
				}
				edited := re.ReplaceAllString(raw, "Writ-State-Post: sha256:"+flip)
				c := strings.TrimSpace(g.runInput(repo, edited, "hash-object", "-t", "commit", "-w", "--stdin"))
				g.run(repo, "update-ref", "refs/heads/main", c)
				g.run(repo, "update-ref", "-d", "refs/writ/checkpoint")
				return c
			},
			why:     regexp.MustCompile(`signature`),
			foreign: true,
		},
		{
			name: "checkpoint deleted only (control: still verifies)",
			tamper: func(t *testing.T, g *gitEnv, repo string) string {
				g.run(repo, "update-ref", "-d", "refs/writ/checkpoint")
				return ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGit(t)
			repo := copyRepo(t, src)
			want := lastLine(writWant(t, ExitOK, "--repo", repo, "replay").out)
			commit := tt.tamper(t, g, repo)
			head := strings.TrimSpace(g.run(repo, "rev-parse", "main"))

			r := runWrit("--repo", repo, "replay")
			if tt.why == nil {
				if r.code != ExitOK || lastLine(r.out) != want {
					t.Fatalf("replay: want exit 0 and %q, got %s", want, r)
				}
				return
			}
			wantCode := ExitFailure
			if tt.foreign {
				wantCode = ExitForeign
			}
			if r.code != wantCode {
				t.Fatalf("replay of a tampered repo: want exit %d, got %s", wantCode, r)
			}
			if commit != "" && !strings.Contains(r.err, commit) {
				t.Errorf("replay error does not name commit %s: %q", commit, r.err)
			}
			if !tt.why.MatchString(r.err) {
				t.Errorf("replay error does not say why (%s): %q", tt.why, r.err)
			}
			if !tt.foreign && strings.Contains(r.out, "state sha256:") {
				t.Errorf("a failed replay printed a state: %q", r.out)
			}
			if tt.foreign {
				// Quarantined: reconcile applies nothing and exits
				// ExitForeign; state serves the last verified state.
				if r := runWrit("--repo", repo, "reconcile"); r.code != ExitForeign || !tt.why.MatchString(r.err) || !strings.Contains(r.err, commit) {
					t.Errorf("reconcile: want exit %d naming %s and matching %s, got %s", ExitForeign, commit, tt.why, r)
				}
				if r := runWrit("--repo", repo, "state"); r.code != ExitOK || !tt.why.MatchString(r.err) || !strings.Contains(r.out, "state sha256:") {
					t.Errorf("state: want the last verified state and a warning matching %s, got %s", tt.why, r)
				}
				if got := strings.TrimSpace(g.run(repo, "rev-parse", "main")); got != head {
					t.Errorf("main moved from %s to %s", head, got)
				}
				return
			}

			// Nothing builds on a log that does not verify.
			for _, args := range [][]string{
				{"reconcile"},
				{"propose", "--as", "deploy-agent", "--instance", "web-2", "--transition", "create", "--owner", "t"},
				{"state"},
			} {
				r := runWrit(append([]string{"--repo", repo}, args...)...)
				if r.code != ExitFailure || !tt.why.MatchString(r.err) {
					t.Errorf("writ %s on a tampered repo: want exit 1 matching %s, got %s", args[0], tt.why, r)
				}
			}
			if got := strings.TrimSpace(g.run(repo, "rev-parse", "main")); got != head {
				t.Errorf("main moved from %s to %s on a tampered repo", head, got)
			}
		})
	}
}
