package intake

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// MainFiles returns the bytes at main of every governed path the rules
// change p changes or deletes (not its proposal file): what a diff of the
// change is against. A path missing on main is one the change adds and is
// absent from the result. nil for any other proposal or an empty main.
// The error names the path that could not be read.
func MainFiles(store *gitstore.Store, main plumbing.Hash, p Pending) (map[string][]byte, error) {
	if !p.IsRules() || main.IsZero() {
		return nil, nil
	}
	out := map[string][]byte{}
	for _, path := range p.ChangedFiles() {
		if path == p.Path {
			continue
		}
		b, err := store.ReadFile(main, path)
		switch {
		case errors.Is(err, gitstore.ErrNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("%s: the file on main: %w", p.Branch, err)
		}
		out[path] = b
	}
	return out, nil
}
