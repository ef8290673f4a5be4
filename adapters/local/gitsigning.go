package local

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"

	"github.com/writ-dev/writ/gitstore/signing"
)

// KeySource finds the signer of an identity: the method set of the
// engine's Keys, which KeyDir implements.
type KeySource interface {
	Signer(identity string) (git.Signer, error)
}

// GitSigning finds a person's signer: their key in Keys when it holds one,
// else whatever git in RepoDir is configured to sign commits with
// (gpg.format ssh, openpgp or x509, gitsign through gpg.x509.program, and
// user.signingkey), run as `git commit -S` runs it, so a hardware-backed,
// agent-held, gpg or gitsign identity signs writ's decisions and
// proposals. Key (a --key flag) replaces user.signingkey and, like Always,
// skips Keys. GitSigning holds no state of its own.
type GitSigning struct {
	// Keys is the key directory tried first (nil: none).
	Keys KeySource
	// RepoDir is the repository whose git configuration counts.
	RepoDir string
	// Key, when set, is the signing key to use (an SSH key file, or a
	// gpg/gpgsm key id) instead of user.signingkey.
	Key string
	// Always signs through git's configuration even when Keys holds a
	// key for the identity.
	Always bool
}

var _ KeySource = GitSigning{}

// Signer returns the identity's signer: from Keys, unless Key or Always
// is set or Keys has no key for it (ErrNoKey), in which case git's
// configuration decides. The signature is checked against writ.yaml's
// signers of the identity when the commit is judged, not here.
func (g GitSigning) Signer(identity string) (git.Signer, error) {
	if g.Key == "" && !g.Always && g.Keys != nil {
		s, err := g.Keys.Signer(identity)
		if err == nil || !errors.Is(err, ErrNoKey) {
			return s, err
		}
		p, gerr := signing.ProgramSignerFromGit(g.RepoDir, "")
		if gerr != nil {
			return nil, fmt.Errorf("%w; and git is not configured to sign for %s either: %w (or give --key FILE)", err, identity, gerr)
		}
		return p, nil
	}
	p, err := signing.ProgramSignerFromGit(g.RepoDir, g.Key)
	if err != nil {
		return nil, fmt.Errorf("sign as %s: %w", identity, err)
	}
	return p, nil
}
