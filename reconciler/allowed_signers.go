package reconciler

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/schemas"
)

// RefreshAllowedSigners rewrites the allowed-signers file Init configured
// for stock git (<git-dir>/writ/allowed_signers) from rules, which must be
// the verified rules in force on main (never an unverified writ.yaml: a
// foreign commit could otherwise make git trust its own key). It reports
// whether the file changed. A repository Init did not configure (no such
// file: a clone, an Actions checkout) is left alone, so writ never changes
// a git configuration it did not make.
func (e *Engine) RefreshAllowedSigners(rules *schemas.Bundle) (bool, error) {
	if rules == nil {
		return false, nil
	}
	path := filepath.Join(e.Store.GitDir(), AllowedSignersFile)
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("allowed signers: %w", err)
	}
	allowed, err := signing.AllowedSigners(rules.Config.Identities)
	if err != nil {
		return false, err
	}
	if bytes.Equal(old, []byte(allowed)) {
		return false, nil
	}
	// Write beside and rename, so git never reads half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(allowed), 0o644); err != nil {
		return false, fmt.Errorf("write allowed signers: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return false, fmt.Errorf("write allowed signers: %w", err)
	}
	return true, nil
}
