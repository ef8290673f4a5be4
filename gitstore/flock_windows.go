//go:build windows

package gitstore

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// tryFlock takes an exclusive lock on f without waiting; false means
// another open file holds it. Closing f releases it, as does the death of
// the process.
func tryFlock(f *os.File) (bool, error) {
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION):
		return false, nil
	}
	return false, err
}

// syncDir is a no-op: Windows makes renames durable without a directory
// flush, and cannot open a directory for one.
func syncDir(string) error { return nil }
