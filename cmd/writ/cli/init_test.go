package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var identities = []string{"deploy-agent", "alice", "bob", "carol", "writ-bot"}

func TestInit(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	dir := filepath.Join(t.TempDir(), "control")
	r := writWant(t, ExitOK, "init", dir)
	keys := filepath.Join(dir, ".git", "writ", "keys")
	for _, want := range []string{"initialized control repo " + dir, "genesis entry", "private keys in " + keys} {
		if !strings.Contains(r.out, want) {
			t.Errorf("init output lacks %q:\n%s", want, r.out)
		}
	}

	// Every identity has a private key (0600) outside the tree, and its
	// public key is the one writ.yaml names.
	cfg := g.run(dir, "show", "main:writ.yaml")
	for _, id := range identities {
		fi, err := os.Stat(filepath.Join(keys, id))
		if err != nil {
			t.Errorf("no key for %s: %v", id, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key for %s has mode %v, want 0600", id, fi.Mode().Perm())
		}
		pub, err := os.ReadFile(filepath.Join(keys, id+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(pub))
		if len(f) < 2 || !strings.Contains(cfg, f[0]+" "+f[1]) {
			t.Errorf("writ.yaml does not carry %s's fresh public key %q", id, pub)
		}
	}
	tree := strings.Fields(g.run(dir, "ls-tree", "-r", "--name-only", "main"))
	want := []string{".github/workflows/writ-apply.yml", ".github/workflows/writ-judge.yml",
		"policies/governance.yaml", "policies/release-approval.yaml", "workflows/release.yaml", "writ.yaml"}
	if !slices.Equal(tree, want) {
		t.Errorf("genesis tree: %v, want %v", tree, want)
	}

	// git is set up to check signatures against writ.yaml.
	if got := strings.TrimSpace(g.run(dir, "config", "gpg.format")); got != "ssh" {
		t.Errorf("gpg.format = %q, want ssh", got)
	}
	signers := strings.TrimSpace(g.run(dir, "config", "gpg.ssh.allowedSignersFile"))
	if _, err := os.Stat(signers); err != nil {
		t.Errorf("gpg.ssh.allowedSignersFile %q: %v", signers, err)
	}
	if out, errOut, err := g.exec(dir, "", "verify-commit", "main"); err != nil {
		t.Errorf("git verify-commit main: %v\n%s%s", err, out, errOut)
	}

	// One genesis entry, and a second init refuses.
	if l := readLog(t, dir); len(l) != 1 || l[0].Kind != "genesis" {
		t.Errorf("log after init: %+v", l)
	}
	r = runWrit("init", dir)
	if r.code != ExitFailure || !strings.Contains(r.err, "already holds a git repository") {
		t.Errorf("second init: %s", r)
	}
	// Nothing to reconcile yet.
	r = writWant(t, ExitOK, "--repo", dir, "reconcile")
	if !strings.Contains(r.out, "nothing to do") {
		t.Errorf("reconcile of a fresh repo: %s", r)
	}
}

func TestInitQuiet(t *testing.T) {
	t.Parallel()
	r := writWant(t, ExitOK, "init", "-q", filepath.Join(t.TempDir(), "c"))
	if r.out != "" || r.err != "" {
		t.Errorf("init -q printed %s", r)
	}
}

func TestCommandsOutsideARepo(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, args := range [][]string{{"replay"}, {"state"}, {"log"}, {"reconcile"}, {"gate", "a/b"}, {"allowed-signers"}} {
		r := runWrit(append([]string{"--repo", empty}, args...)...)
		if r.code != ExitFailure || !strings.HasPrefix(r.err, "writ: ") {
			t.Errorf("writ %s outside a repo: want exit 1 with a writ: error, got %s", args[0], r)
		}
	}
}

// Regression: `writ init` with a relative DIR stored a relative
// gpg.ssh.allowedSignersFile (e.g. "control/.git/writ/allowed_signers"),
// which git resolves against its own working directory, so stock
// `git verify-commit` in the repo finds no signers file.
func TestInitRelativeDirConfiguresGit(t *testing.T) {
	g := newGit(t)
	t.Chdir(t.TempDir())
	writWant(t, ExitOK, "init", "-q", "control")
	abs, err := filepath.Abs("control")
	if err != nil {
		t.Fatal(err)
	}
	signers := strings.TrimSpace(g.run(abs, "config", "gpg.ssh.allowedSignersFile"))
	if !filepath.IsAbs(signers) {
		t.Errorf("gpg.ssh.allowedSignersFile is relative: %q", signers)
	}
	if _, errOut, err := g.exec(abs, "", "verify-commit", "main"); err != nil {
		t.Errorf("git verify-commit main in a repo made by `writ init control`: %v\n%s", err, errOut)
	}
}

// TestWorkingTreeFollowsMain: init checks main out, reconcile brings the
// working tree along, and a local edit survives a reconcile.
func TestWorkingTreeFollowsMain(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	dir := newControlRepo(t)
	if st := g.run(dir, "status", "--porcelain"); st != "" {
		t.Errorf("git status after init:\n%s", st)
	}
	writWant(t, ExitOK, "--repo", dir, "validate")

	edited := filepath.Join(dir, "workflows", "release.yaml")
	orig, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	local := append(orig, []byte("# a local note\n")...)
	if err := os.WriteFile(edited, local, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"web-1", "web-2"} {
		writWant(t, ExitOK, "--repo", dir, "propose", "-q", "--as", "deploy-agent", "--instance", id,
			"--transition", "create", "--owner", "t", "--name", "create")
	}
	// A local file where the web-2 entry will add one: kept, not clobbered.
	draft := filepath.Join(dir, "proposals", "web-2", "create.yaml")
	if err := os.MkdirAll(filepath.Dir(draft), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(draft, []byte("# my draft\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", dir, "reconcile", "-q")
	if l := readLog(t, dir); len(l) != 3 {
		t.Fatalf("want both creates applied, got %d entries", len(l))
	}
	created, err := os.ReadFile(filepath.Join(dir, "proposals", "web-1", "create.yaml"))
	if want := g.run(dir, "show", "main:proposals/web-1/create.yaml"); err != nil || string(created) != want {
		t.Errorf("the applied proposal is not in the working tree: %v\n%q", err, created)
	}
	if got, _ := os.ReadFile(draft); string(got) != "# my draft\n" {
		t.Errorf("reconcile overwrote a local file: %q", got)
	}
	if got, _ := os.ReadFile(edited); string(got) != string(local) {
		t.Errorf("reconcile dropped a local edit of workflows/release.yaml")
	}
	if st := g.run(dir, "status", "--porcelain"); st != " M proposals/web-2/create.yaml\n M workflows/release.yaml\n" {
		t.Errorf("git status after reconcile: %q, want only the local edits", st)
	}
}

// Regression: a failed init (template rules invalid) left DIR/.git and
// some keys behind, so the retry said "already holds a git repository".
func TestInitFailureCanBeRetried(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "control")
	bad := filepath.Join("..", "..", "..", "fixtures", "invalid", "unknown-role")
	if r := runWrit("init", "-q", "--template", bad, dir); r.code != ExitFailure {
		t.Fatalf("init with an invalid template: %s", r)
	}
	writWant(t, ExitOK, "init", "-q", dir)
}

// Regression: init validated the re-marshalled writ.yaml (fresh keys,
// yaml.v3 layout), so problem positions did not match the template file.
func TestInitTemplateProblemsPointIntoTheTemplate(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "..", "fixtures", "invalid")
	r := runWrit("init", "-q", "--template", filepath.Join(root, "unknown-role"), filepath.Join(t.TempDir(), "c"))
	golden, err := os.ReadFile(filepath.Join(root, "unknown-role.expected"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(golden)), "\n") {
		if !strings.Contains(r.err, l) {
			t.Errorf("init error lacks %q:\n%s", l, r.err)
		}
	}
}
