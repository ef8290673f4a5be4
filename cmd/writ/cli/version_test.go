package cli

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/writ-dev/writ/cmd/writ/internal/buildinfo"
)

// The binary-level checks (a release build's version, commit and date)
// are in cmd/writ/internal/release; these check the wiring.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	want := buildinfo.Read()
	v := writWant(t, ExitOK, "version")
	if v.out != want.String() {
		t.Errorf("writ version:\n got %q\nwant %q", v.out, want.String())
	}
	if flag := writWant(t, ExitOK, "--version"); flag.out != v.out {
		t.Errorf("writ --version differs from writ version:\n%q\n%q", flag.out, v.out)
	}
	var got buildinfo.Info
	if err := json.Unmarshal([]byte(writWant(t, ExitOK, "version", "--json").out), &got); err != nil {
		t.Fatalf("writ version --json: %v", err)
	}
	if got != want {
		t.Errorf("writ version --json: got %+v, want %+v", got, want)
	}
	if got.GoVersion != runtime.Version() || got.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("go %q on %q, want %q on %s/%s", got.GoVersion, got.Platform, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
}
