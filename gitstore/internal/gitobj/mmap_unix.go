//go:build unix

package gitobj

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps a file read-only into memory, as git maps pack indexes.
// The mapping outlives the file descriptor, which is closed here; unmap
// releases it.
func mapFile(path string) ([]byte, func([]byte) error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size == 0 || size != int64(int(size)) {
		// Nothing to map, or too large to: the caller rejects it.
		return nil, nil, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("map %s: %w", path, err)
	}
	return b, syscall.Munmap, nil
}
