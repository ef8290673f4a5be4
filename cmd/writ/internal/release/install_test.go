package release

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server serves a release directory as GitHub serves release assets:
// GET /download/<tag>/<asset>; tamper may change a response.
type server struct {
	*httptest.Server
	requests atomic.Int32
}

func serveRelease(t *testing.T, r *release, tamper func(name string, body []byte) ([]byte, int)) *server {
	t.Helper()
	return serveReleaseAs(t, r, r.version, tamper)
}

// serveReleaseAs serves r's assets as those of release tag.
func serveReleaseAs(t *testing.T, r *release, tag string, tamper func(name string, body []byte) ([]byte, int)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.requests.Add(1)
		name, ok := strings.CutPrefix(req.URL.Path, "/download/"+tag+"/")
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, req)
			return
		}
		body, err := os.ReadFile(filepath.Join(r.out, name))
		code := http.StatusOK
		if err != nil {
			body, code = []byte("Not Found"), http.StatusNotFound
		}
		if tamper != nil {
			body, code = tamper(name, body)
		}
		w.WriteHeader(code)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// installResult is one run of install.sh.
type installResult struct {
	err     error
	output  string // what it appended to GITHUB_OUTPUT
	bin     string // the installed binary's path
	elapsed time.Duration
}

func install(t *testing.T, baseURL, version, pubKey string) installResult {
	t.Helper()
	dir := t.TempDir()
	ghOut := filepath.Join(dir, "github_output")
	script := filepath.Join("..", "..", "..", "..", ".github", "release", "install.sh")
	env := []string{"WRIT_VERSION=" + version, "WRIT_DOWNLOAD_URL=" + baseURL, "WRIT_PUBLIC_KEY=" + pubKey,
		"WRIT_INSTALL_DIR=" + filepath.Join(dir, "bin"), "GITHUB_OUTPUT=" + ghOut, "TMPDIR=" + dir, "GITHUB_ACTION_REF="}
	start := time.Now()
	_, err := runCmd(".", env, script)
	res := installResult{err: err, elapsed: time.Since(start), bin: filepath.Join(dir, "bin", "writ")}
	b, _ := os.ReadFile(ghOut)
	res.output = string(b)
	return res
}

func TestInstall(t *testing.T) {
	r := hostRelease(t)
	other := filepath.Join(t.TempDir(), "other")
	if _, err := runCmd(".", nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other); err != nil {
		t.Fatal(err)
	}
	otherPub, err := os.ReadFile(other + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	asset := assets(hostTarget)[0]
	tests := []struct {
		name      string
		version   string
		pubKey    string
		tamper    func(string, []byte) ([]byte, int)
		servedAs  string // the tag the server serves r's assets under (default r.version)
		installed bool   // installed=true and the binary runs
		fails     string // install.sh exits 1 with this on stderr
		noNetwork bool
	}{
		{name: "checksum verified", version: r.version, installed: true},
		{name: "checksum and signature verified", version: r.version, pubKey: r.pubKey, installed: true},
		{name: "signature by another key", version: r.version, pubKey: strings.TrimSpace(string(otherPub)),
			fails: "not a signature by the configured public-key"},
		{name: "unsigned release with a key configured", version: r.version, pubKey: r.pubKey,
			tamper: func(name string, b []byte) ([]byte, int) {
				if name == "SHA256SUMS.sig" {
					return []byte("Not Found"), http.StatusNotFound
				}
				return b, http.StatusOK
			}, fails: "refusing an unsigned release"},
		{name: "tampered binary", version: r.version,
			tamper: func(name string, b []byte) ([]byte, int) {
				if name == asset {
					b = append(append([]byte{}, b...), 0)
				}
				return b, http.StatusOK
			}, fails: "refusing it"},
		{name: "tampered checksums with a key configured", version: r.version, pubKey: r.pubKey,
			tamper: func(name string, b []byte) ([]byte, int) {
				if name == "SHA256SUMS" {
					b = []byte(strings.Replace(string(b), asset, asset+"x", 1) + "0000  " + asset + "\n")
				}
				return b, http.StatusOK
			}, fails: "not a signature by the configured public-key"},
		{name: "server error", version: r.version,
			tamper: func(string, []byte) ([]byte, int) { return []byte("oops"), http.StatusBadGateway },
			fails:  "HTTP 502"},
		{name: "another release's binary under this tag", version: "v0.9.9", servedAs: "v0.9.9",
			fails: `reports "writ v0.9.0", want "writ v0.9.9"`},
		{name: "no such release: build from source", version: "v9.9.9"},
		{name: "a branch ref: build from source", version: "main", noNetwork: true},
		{name: "a commit ref: build from source", version: r.commit, noNetwork: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag := tt.servedAs
			if tag == "" {
				tag = r.version
			}
			s := serveReleaseAs(t, r, tag, tt.tamper)
			res := install(t, s.URL+"/download", tt.version, tt.pubKey)
			_, statErr := os.Stat(res.bin)
			switch {
			case tt.fails != "":
				if res.err == nil || !strings.Contains(res.err.Error(), tt.fails) {
					t.Fatalf("install.sh: want failure %q, got %v", tt.fails, res.err)
				}
				if statErr == nil {
					t.Errorf("a failed install left %s", res.bin)
				}
			case res.err != nil:
				t.Fatal(res.err)
			case tt.installed:
				if res.output != "installed=true\npath="+res.bin+"\n" {
					t.Errorf("GITHUB_OUTPUT = %q", res.output)
				}
				got, err := runCmd(".", nil, res.bin, "version")
				if err != nil {
					t.Fatal(err)
				}
				if want := versionLines(r.version, r.commit, commitDate); got != want {
					t.Errorf("installed writ version:\n got %q\nwant %q", got, want)
				}
			default:
				if res.output != "installed=false\n" || statErr == nil {
					t.Errorf("GITHUB_OUTPUT = %q, binary: %v; want installed=false and none", res.output, statErr)
				}
			}
			if tt.noNetwork && s.requests.Load() != 0 {
				t.Errorf("%d requests for a ref that cannot be a release", s.requests.Load())
			}
		})
	}
}

// TestInstallColdStart measures the Action's cold start with a release:
// from an empty directory to `writ version` running, the download served
// from 127.0.0.1. The README reports the figure; the target is 15 s.
func TestInstallColdStart(t *testing.T) {
	r := hostRelease(t)
	s := serveRelease(t, r, nil)
	start := time.Now()
	res := install(t, s.URL+"/download", r.version, r.pubKey)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if _, err := runCmd(".", nil, res.bin, "version"); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	fi, err := os.Stat(res.bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cold start with a release: %v (install.sh %v, %.1f MB binary, checksum and signature verified)",
		elapsed.Round(time.Millisecond), res.elapsed.Round(time.Millisecond), float64(fi.Size())/1e6)
	if elapsed > 15*time.Second {
		t.Errorf("cold start %v, target under 15 s", elapsed)
	}
}
