package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFrom(t *testing.T) {
	t.Parallel()
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/writ-dev/writ", Version: "v0.0.0-20261206041808-7339366ea85f"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "7339366ea85fb8d8440e3e30768d1ca6b116e28f"},
			{Key: "vcs.time", Value: "2026-12-06T04:18:08Z"},
			{Key: "vcs.modified", Value: "false"},
		},
	}
	dirty := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		o    Overrides
		want Info
	}{
		{"no build info", nil, Overrides{}, Info{Version: "(devel)", Commit: Unknown, Date: Unknown, GoVersion: Unknown, Platform: "linux/amd64"}},
		{"vcs stamped", stamped, Overrides{}, Info{Version: "v0.0.0-20261206041808-7339366ea85f",
			Commit: "7339366ea85fb8d8440e3e30768d1ca6b116e28f", Date: "2026-12-06T04:18:08Z", GoVersion: "go1.26.8", Platform: "linux/amd64"}},
		{"release overrides win", stamped, Overrides{Version: "v1.2.3", Commit: "c0ffee", Date: "2026-01-02T03:04:05Z"},
			Info{Version: "v1.2.3", Commit: "c0ffee", Date: "2026-01-02T03:04:05Z", GoVersion: "go1.26.8", Platform: "linux/amd64"}},
		{"partial override keeps the rest", stamped, Overrides{Version: "v1.2.3"}, Info{Version: "v1.2.3",
			Commit: "7339366ea85fb8d8440e3e30768d1ca6b116e28f", Date: "2026-12-06T04:18:08Z", GoVersion: "go1.26.8", Platform: "linux/amd64"}},
		{"modified tree", dirty, Overrides{}, Info{Version: "(devel)", Commit: "abc", Date: Unknown, Modified: true, GoVersion: "go1.26.8", Platform: "linux/amd64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := From(tt.bi, tt.o, "linux/amd64"); got != tt.want {
				t.Errorf("From:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	i := Info{Version: "v1.2.3", Commit: "abc", Date: "2026-01-02T03:04:05Z", Modified: true, GoVersion: "go1.26.8", Platform: "darwin/arm64"}
	want := "writ v1.2.3\ncommit abc (modified)\ndate 2026-01-02T03:04:05Z\ngo go1.26.8 darwin/arm64\n"
	if got := i.String(); got != want {
		t.Errorf("String:\n got %q\nwant %q", got, want)
	}
}
