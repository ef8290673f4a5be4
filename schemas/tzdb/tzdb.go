// Package tzdb loads IANA time zones from a copy of the time zone database
// embedded in writ (Go's lib/time/zoneinfo.zip, tzdata 2025c), never from
// the machine: the time windows and freezes of the rules judge an entry the
// same way on every clone, whatever zoneinfo the machine has installed or
// the ZONEINFO environment variable names.
//
// Updating the database is a change to writ, made on purpose: a zone whose
// rules changed may judge old entries differently on replay.
package tzdb

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

// Version names the tz database release embedded here.
const Version = "2025c"

//go:embed zoneinfo.zip
var zoneinfo []byte

// ErrUnknownZone: the name is not a zone of the embedded database.
var ErrUnknownZone = errors.New("unknown time zone")

var (
	openOnce sync.Once
	files    map[string]*zip.File
	openErr  error

	mu    sync.Mutex
	cache = map[string]*time.Location{}
)

func open() {
	r, err := zip.NewReader(bytes.NewReader(zoneinfo), int64(len(zoneinfo)))
	if err != nil {
		openErr = fmt.Errorf("embedded time zone database: %w", err)
		return
	}
	files = make(map[string]*zip.File, len(r.File))
	for _, f := range r.File {
		files[f.Name] = f
	}
}

// Load returns the named IANA zone ("Europe/Berlin", "UTC") from the
// embedded database. It is deterministic and safe for concurrent use; it
// reads no file and no environment. An unknown name is ErrUnknownZone.
func Load(name string) (*time.Location, error) {
	mu.Lock()
	loc, ok := cache[name]
	mu.Unlock()
	if ok {
		return loc, nil
	}
	openOnce.Do(open)
	if openErr != nil {
		return nil, openErr
	}
	f, ok := files[name]
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
	mu.Lock()
	cache[name] = loc
	mu.Unlock()
	return loc, nil
}
