package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// assets lists the binaries a build of targets writes.
func assets(targets string) []string {
	var names []string
	for _, t := range strings.Fields(targets) {
		names = append(names, "writ_"+strings.ReplaceAll(t, "/", "_"))
	}
	slices.Sort(names)
	return names
}

// checkRelease checks that out holds exactly the targets' binaries, a
// SHA256SUMS that lists their hashes and a signature of it by pubKey.
func checkRelease(t *testing.T, out, targets, pubKey string) {
	t.Helper()
	var want strings.Builder
	for _, name := range assets(targets) {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("release asset: %v", err)
		}
		sum := sha256.Sum256(b)
		want.WriteString(hex.EncodeToString(sum[:]) + "  " + name + "\n")
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if string(sums) != want.String() {
		t.Errorf("SHA256SUMS:\n%s\nwant\n%s", sums, want.String())
	}
	signers := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(signers, []byte(`release@writ namespaces="file" `+pubKey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := []string{"-Y", "verify", "-f", signers, "-I", "release@writ", "-n", "file", "-s", filepath.Join(out, "SHA256SUMS.sig")}
	if out, err := runStdin(t, string(sums), "ssh-keygen", cmd...); err != nil {
		t.Errorf("SHA256SUMS.sig does not verify: %v\n%s", err, out)
	}
}

func TestReleaseBuildIsReproducible(t *testing.T) {
	r, targets := hostRelease(t), hostTarget
	var env []string
	if os.Getenv("WRIT_RELEASE_TEST") == "1" {
		// Every target, and the second build with an empty build cache.
		var err error
		targets = allTargets
		if r, err = buildRelease(t.TempDir(), "v0.9.0", targets); err != nil {
			t.Fatal(err)
		}
		env = []string{"GOCACHE=" + t.TempDir()}
	} else {
		t.Logf("host target %s only; WRIT_RELEASE_TEST=1 builds %s with a cold cache", hostTarget, allTargets)
	}
	checkRelease(t, r.out, targets, r.pubKey)
	again := t.TempDir()
	if err := r.build(again, targets, env); err != nil {
		t.Fatal(err)
	}
	for _, name := range append(assets(targets), "SHA256SUMS") {
		a, errA := os.ReadFile(filepath.Join(r.out, name))
		b, errB := os.ReadFile(filepath.Join(again, name))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", name, errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds of the same commit (%d and %d bytes)", name, len(a), len(b))
		}
	}
}

// versionLines is what `writ version` must print for a build.
func versionLines(version, commit, date string) string {
	return "writ " + version + "\ncommit " + commit + "\ndate " + date + "\ngo " + runtime.Version() + " " + hostTarget + "\n"
}

func TestReleaseBinaryVersion(t *testing.T) {
	r := hostRelease(t)
	bin := filepath.Join(r.out, assets(hostTarget)[0])
	want := versionLines(r.version, r.commit, commitDate)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		got, err := runCmd(t.TempDir(), nil, bin, args...)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("writ %s:\n got %q\nwant %q", args[0], got, want)
		}
	}
	js, err := runCmd(t.TempDir(), nil, bin, "version", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(js), &info); err != nil {
		t.Fatalf("writ version --json: %v\n%s", err, js)
	}
	wantJSON := map[string]any{"version": r.version, "commit": r.commit, "date": commitDate, "modified": false,
		"go": runtime.Version(), "platform": hostTarget}
	for k, v := range wantJSON {
		if info[k] != v {
			t.Errorf("writ version --json: %s = %v, want %v", k, info[k], v)
		}
	}
}

// A build without the release's -ldflags takes the version, commit and
// date from what the toolchain stamps, and says when the tree was dirty.
func TestVersionFromBuildInfo(t *testing.T) {
	r := hostRelease(t)
	env := []string{"GOFLAGS=", "CGO_ENABLED=0"}
	bin := filepath.Join(t.TempDir(), "writ")
	build := func() string {
		t.Helper()
		if _, err := runCmd(r.repo, env, "go", "build", "-trimpath", "-buildvcs=true", "-o", bin, "./cmd/writ"); err != nil {
			t.Fatal(err)
		}
		got, err := runCmd(t.TempDir(), nil, bin, "version")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	pseudo := "v0.0.0-20260102030405-" + r.commit[:12]
	if got, want := build(), versionLines(pseudo, r.commit, commitDate); got != want {
		t.Errorf("clean tree:\n got %q\nwant %q", got, want)
	}
	readme := filepath.Join(r.repo, "README.md")
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readme, append(b, "\nlocal edit\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(readme, b, 0o644)
	if got, want := build(), versionLines(pseudo+"+dirty", r.commit+" (modified)", commitDate); got != want {
		t.Errorf("dirty tree:\n got %q\nwant %q", got, want)
	}
}
