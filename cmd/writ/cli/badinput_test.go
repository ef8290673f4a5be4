package cli

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore/signing"
)

// createProposal is a valid creating proposal for instance, as YAML.
func createProposal(instance, idem string) string {
	return fmt.Sprintf("instance: %s\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: %s\nowner: web-team\n", instance, idem)
}

// reconcileLine returns the line of reconcile output about a branch.
func reconcileLine(out, branch string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " "+branch+":") {
			return l
		}
	}
	return ""
}

// TestBadInputNeverBlocksOthers puts proposals made by hand with git next
// to a valid one made by writ: the bad ones are refused with a reason, the
// valid one applies, and reconcile succeeds.
func TestBadInputNeverBlocksOthers(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	agentKey := keyPath(repo, "deploy-agent")
	foreignKey := filepath.Join(t.TempDir(), "foreign")
	if _, err := signing.GenerateSSHKey(foreignKey, "mallory"); err != nil {
		t.Fatal(err)
	}

	bad := []struct {
		name   string
		branch string
		key    string
		files  map[string]string
		reason *regexp.Regexp
	}{
		{"malformed YAML", "proposals/web-9/bad", agentKey,
			map[string]string{"proposals/web-9/bad.yaml": "instance: web-9\nworkflow: release\ntransition: [create\n"},
			regexp.MustCompile(`proposals/web-9/bad\.yaml:[1-9]\d*:\d+: .*invalid YAML`)},
		{"unsigned", "proposals/web-3/unsigned", "",
			map[string]string{"proposals/web-3/unsigned.yaml": createProposal("web-3", "u-1")},
			regexp.MustCompile(`(?i)unsigned|signature`)},
		{"signed by a key not in writ.yaml", "proposals/web-4/foreign", foreignKey,
			map[string]string{"proposals/web-4/foreign.yaml": createProposal("web-4", "f-1")},
			regexp.MustCompile(`(?i)(unknown signer|not in the key ring).*writ\.yaml`)},
		{"changes a rules file", "proposals/web-5/sneaky", agentKey,
			map[string]string{"proposals/web-5/sneaky.yaml": createProposal("web-5", "s-1"), "writ.yaml": "version: 1\n"},
			regexp.MustCompile(`changes writ\.yaml`)},
		{"proposal at the wrong path", "proposals/web-6/wrong", agentKey,
			map[string]string{"proposals/web-6/other.yaml": createProposal("web-6", "w-1")},
			regexp.MustCompile(`proposals/web-6/wrong\.yaml`)},
		{"instance does not match the directory", "proposals/web-7/mismatch", agentKey,
			map[string]string{"proposals/web-7/mismatch.yaml": createProposal("web-8", "m-1")},
			regexp.MustCompile(`proposals/web-7/mismatch\.yaml:1:\d+: instance`)},
	}
	for _, b := range bad {
		g.gitProposal(repo, b.branch, b.key, b.files)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "create", "--owner", "web-team", "--name", "create")

	r := writWant(t, ExitOK, "--repo", repo, "reconcile")
	if !strings.Contains(r.out, "applied proposals/web-1/create:") {
		t.Errorf("the valid proposal was not applied: %s", r)
	}
	if got := instanceState(t, repo, "web-1"); got != "draft" {
		t.Errorf("web-1 in %q, want draft", got)
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			line := reconcileLine(r.out, b.branch)
			if !strings.HasPrefix(line, "refused "+b.branch+": ") {
				t.Fatalf("reconcile should refuse %s; its line is %q in\n%s", b.branch, line, r.out)
			}
			if !b.reason.MatchString(line) {
				t.Errorf("refusal of %s: %q does not match %s", b.branch, line, b.reason)
			}
			name := strings.TrimPrefix(b.branch, "proposals/")
			gr := runWrit("--repo", repo, "gate", name)
			if gr.code != ExitRefused || !b.reason.MatchString(gr.out) {
				t.Errorf("gate %s: want exit 3 matching %s, got %s", name, b.reason, gr)
			}
		})
	}
	// Nothing but the genesis and web-1 made it to main, and it verifies.
	l := readLog(t, repo)
	if len(l) != 2 || l[1].Instance != "web-1" {
		t.Errorf("log after reconcile: %+v", l)
	}
	for _, id := range []string{"web-3", "web-4", "web-5", "web-6", "web-7", "web-8", "web-9"} {
		if s := instanceState(t, repo, id); s != "" {
			t.Errorf("refused proposal created %s (in %s)", id, s)
		}
	}
	writWant(t, ExitOK, "--repo", repo, "replay")

	// A second reconcile refuses them again and writes nothing.
	head := readState(t, repo).Main
	r = writWant(t, ExitOK, "--repo", repo, "reconcile")
	if strings.Contains(r.out, "applied ") || readState(t, repo).Main != head {
		t.Errorf("second reconcile wrote something: %s", r)
	}
}
