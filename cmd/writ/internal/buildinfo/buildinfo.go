// Package buildinfo says which writ is running: the module version, the
// commit it was built from, when that commit was made, and the Go
// toolchain. Release builds set the values with -ldflags -X (see
// .github/release/build.sh); any other build takes them from the
// information the Go toolchain stamps into the binary
// (runtime/debug.ReadBuildInfo: the main module's version and the
// vcs.revision, vcs.time and vcs.modified settings of -buildvcs).
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set by the release build with
//
//	-ldflags "-X github.com/writ-dev/writ/cmd/writ/internal/buildinfo.version=v1.2.3 ..."
//
// Empty in every other build.
var (
	version string
	commit  string
	date    string
)

// Unknown is the value of a field no source provided.
const Unknown = "unknown"

// Info is what `writ version` prints.
type Info struct {
	// Version is the module version: the release tag, else the version the
	// toolchain derived from the VCS (a tag or a pseudo-version, with
	// "+dirty" for a modified tree), else "(devel)".
	Version string `json:"version"`
	// Commit is the full commit hash the binary was built from.
	Commit string `json:"commit"`
	// Date is the commit time (not the build's wall clock), RFC 3339 UTC.
	Date string `json:"date"`
	// Modified is true when the working tree had uncommitted changes.
	Modified bool `json:"modified"`
	// GoVersion is the toolchain that built the binary, e.g. go1.26.8.
	GoVersion string `json:"go"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

// Overrides are the values a release build sets with -ldflags -X; an
// empty field keeps what the toolchain stamped.
type Overrides struct {
	Version, Commit, Date string
}

// Read returns the running binary's Info.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return From(bi, Overrides{Version: version, Commit: commit, Date: date}, runtime.GOOS+"/"+runtime.GOARCH)
}

// From builds an Info from the toolchain's build information (nil when
// the binary carries none), the release overrides and the platform. It
// is pure: the same arguments give the same Info.
func From(bi *debug.BuildInfo, o Overrides, platform string) Info {
	info := Info{Version: "(devel)", Commit: Unknown, Date: Unknown, GoVersion: Unknown, Platform: platform}
	if bi != nil {
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.time":
				info.Date = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if o.Version != "" {
		info.Version = o.Version
	}
	if o.Commit != "" {
		info.Commit = o.Commit
	}
	if o.Date != "" {
		info.Date = o.Date
	}
	return info
}

// String renders the Info as `writ version` prints it: one field per
// line, "name value".
func (i Info) String() string {
	commit := i.Commit
	if i.Modified {
		commit += " (modified)"
	}
	return fmt.Sprintf("writ %s\ncommit %s\ndate %s\ngo %s %s\n", i.Version, commit, i.Date, i.GoVersion, i.Platform)
}
