package release

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// commitDate is the snapshot commit's time: the release's build date.
const commitDate = "2026-01-02T03:04:05Z"

// hostTarget is the one target the default test builds.
var hostTarget = runtime.GOOS + "/" + runtime.GOARCH

// allTargets are the release's targets.
const allTargets = "linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"

// shared is the release TestMain builds for the host (nil with -short),
// sharedErr why it could not.
var (
	shared    *release
	sharedErr error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if testing.Short() {
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "writ-release-test")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		shared, sharedErr = buildRelease(dir, "v0.9.0", hostTarget)
		return m.Run()
	}()
	os.Exit(code)
}

// hostRelease returns the signed release v0.9.0 of the snapshot for the
// host's target that TestMain built.
func hostRelease(t *testing.T) *release {
	t.Helper()
	if testing.Short() {
		t.Skip("builds writ with -trimpath (minutes with a cold build cache); run without -short")
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// release is one run of build.sh on a snapshot.
type release struct {
	repo, commit, version, out string
	key, pubKey                string // the signer's SSH private key file and public key
}

// buildRelease snapshots the module into dir/repo, makes a signing key and
// runs build.sh VERSION dir/out for targets.
func buildRelease(dir, version, targets string) (*release, error) {
	r := &release{repo: filepath.Join(dir, "repo"), version: version, out: filepath.Join(dir, "out"), key: filepath.Join(dir, "release_key")}
	var err error
	if r.commit, err = snapshot(r.repo); err != nil {
		return nil, err
	}
	if _, err := runCmd(dir, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "release@writ", "-f", r.key); err != nil {
		return nil, err
	}
	pub, err := os.ReadFile(r.key + ".pub")
	if err != nil {
		return nil, err
	}
	r.pubKey = strings.TrimSpace(string(pub))
	if err := r.build(r.out, targets, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// build runs the snapshot's build.sh into out with env added.
func (r *release) build(out, targets string, env []string) error {
	env = append([]string{"WRIT_RELEASE_TARGETS=" + targets, "WRIT_RELEASE_SIGNING_KEY=" + r.key}, env...)
	_, err := runCmd(r.repo, env, filepath.Join(r.repo, ".github", "release", "build.sh"), r.version, out)
	return err
}

// runCmd runs name args in dir with env added and returns stdout; the
// error carries stdout and stderr.
func runCmd(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		return o.String(), fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, o.String(), e.String())
	}
	return o.String(), nil
}

// snapshot commits the module's working tree (tracked and untracked files,
// ignored ones left out) to a fresh repository at dir, dated commitDate,
// and returns the commit.
func snapshot(dir string) (string, error) {
	root, err := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	list, err := runCmd(root, nil, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return "", err
	}
	for _, f := range strings.Split(strings.TrimRight(list, "\x00"), "\x00") {
		fi, err := os.Lstat(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			return "", err
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", err
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, b, fi.Mode().Perm()); err != nil {
			return "", err
		}
	}
	env := []string{"GIT_AUTHOR_DATE=" + commitDate, "GIT_COMMITTER_DATE=" + commitDate,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1"}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot"}} {
		if _, err := runCmd(dir, env, "git", args...); err != nil {
			return "", err
		}
	}
	head, err := runCmd(dir, nil, "git", "rev-parse", "HEAD")
	return strings.TrimSpace(head), err
}
