//go:build !unix

package gitobj

import "os"

// mapFile reads a file into memory where mapping it is not supported.
func mapFile(path string) ([]byte, func([]byte) error, error) {
	b, err := os.ReadFile(path)
	return b, nil, err
}
