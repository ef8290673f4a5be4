package schemas

// The time zones of windows and freezes come from a copy of the time zone
// database embedded in writ (Go's lib/time/zoneinfo.zip, tzdata
// TZDataVersion, in tzdata/), never from the machine: windows and freezes
// judge an entry the same way on every clone, whatever zoneinfo the
// machine has installed or the ZONEINFO environment variable names.
// Updating the database is a change to writ, made on purpose: a zone whose
// rules changed may judge old entries differently on replay.

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// TZDataVersion names the tz database release embedded in writ.
const TZDataVersion = "2025c"

//go:embed tzdata/zoneinfo.zip
var tzZip []byte

// ErrUnknownZone: the name is not a zone of the embedded database.
var ErrUnknownZone = errors.New("unknown time zone")

var (
	tzOnce  sync.Once
	tzFiles map[string]*zip.File
	tzErr   error

	tzMu    sync.Mutex
	tzCache = map[string]*time.Location{}
)

func openTZ() {
	r, err := zip.NewReader(bytes.NewReader(tzZip), int64(len(tzZip)))
	if err != nil {
		tzErr = fmt.Errorf("embedded time zone database: %w", err)
		return
	}
	tzFiles = make(map[string]*zip.File, len(r.File))
	for _, f := range r.File {
		tzFiles[f.Name] = f
	}
}

// loadZone returns the named IANA zone ("Europe/Berlin", "UTC") from the
// embedded database. It is deterministic and safe for concurrent use; it
// reads no file and no environment. An unknown name is ErrUnknownZone.
func loadZone(name string) (*time.Location, error) {
	tzMu.Lock()
	loc, ok := tzCache[name]
	tzMu.Unlock()
	if ok {
		return loc, nil
	}
	tzOnce.Do(openTZ)
	if tzErr != nil {
		return nil, tzErr
	}
	f, ok := tzFiles[name]
	if !ok || name == "" {
		return nil, fmt.Errorf("%w %q: name an IANA zone such as Europe/Berlin, America/New_York or UTC", ErrUnknownZone, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	loc, err = time.LoadLocationFromTZData(name, data)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	tzMu.Lock()
	tzCache[name] = loc
	tzMu.Unlock()
	return loc, nil
}
