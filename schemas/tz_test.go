package schemas

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestZone(t *testing.T) {
	tests := []struct {
		zone   string
		at     time.Time
		offset int // seconds east of UTC
	}{
		{"Europe/Berlin", time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), 3600},
		{"Europe/Berlin", time.Date(2026, 7, 7, 12, 0, 0, 0, time.UTC), 7200},
		{"America/New_York", time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), -5 * 3600},
		{"Asia/Kolkata", time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), 5*3600 + 1800},
		{"UTC", time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := Zone(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			if _, off := tt.at.In(loc).Zone(); off != tt.offset {
				t.Fatalf("offset %d, want %d", off, tt.offset)
			}
		})
	}
	for _, bad := range []string{"", "Mars/Olympus", "europe/berlin", "../etc/passwd"} {
		if _, err := Zone(bad); !errors.Is(err, ErrUnknownZone) {
			t.Errorf("Zone(%q) = %v, want ErrUnknownZone", bad, err)
		}
	}
}

// TestZoneIgnoresTheMachine: a ZONEINFO that says Berlin is UTC changes
// nothing; the embedded database alone answers.
func TestZoneIgnoresTheMachine(t *testing.T) {
	dir := t.TempDir()
	if _, err := Zone("UTC"); err != nil {
		t.Fatal(err)
	}
	rc, err := tzFiles["UTC"].Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	tzMu.Lock()
	clear(tzCache)
	tzMu.Unlock()
	if err := os.MkdirAll(filepath.Join(dir, "Europe"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Europe", "Berlin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZONEINFO", dir)
	loc, err := Zone("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC).In(loc).Zone(); off != 3600 {
		t.Fatalf("Berlin offset %d: the machine's zoneinfo was read", off)
	}
}
