// Package local is the adapter for the embedded default: a control repo on
// this machine, with identities' SSH private keys in a key directory that
// is never part of the repository's tree (by default <git-dir>/writ/keys).
// It holds no rules; it only finds keys and turns them into signers.
package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/go-git/go-git/v5"

	"github.com/writ-dev/writ/gitstore/signing"
)

// KeyDir keeps one OpenSSH private key per identity, named after it, with
// the public key beside it (<identity>.pub). Both are readable by the stock
// ssh-keygen and git clients.
type KeyDir struct {
	Dir string
}

// ErrNoKey is returned when the directory holds no key for an identity.
var ErrNoKey = errors.New("no key for identity")

var identityName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Path returns where the identity's private key lives.
func (k KeyDir) Path(identity string) (string, error) {
	if !identityName.MatchString(identity) {
		return "", fmt.Errorf("identity %q: not a valid identity name", identity)
	}
	return filepath.Join(k.Dir, identity), nil
}

// Generate makes a new ed25519 key for the identity and returns its public
// key in authorized_keys form. It refuses to overwrite an existing key.
func (k KeyDir) Generate(identity string) (string, error) {
	path, err := k.Path(identity)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("key for %s already exists at %s", identity, path)
	}
	if err := os.MkdirAll(k.Dir, 0o700); err != nil {
		return "", fmt.Errorf("key directory: %w", err)
	}
	return signing.GenerateSSHKey(path, identity)
}

// Signer loads the identity's key as a commit signer.
func (k KeyDir) Signer(identity string) (git.Signer, error) {
	path, err := k.Path(identity)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %s: expected a private key at %s", ErrNoKey, identity, path)
	}
	s, err := signing.LoadSSHSigner(path)
	if err != nil {
		return nil, fmt.Errorf("key for %s: %w", identity, err)
	}
	return s, nil
}
