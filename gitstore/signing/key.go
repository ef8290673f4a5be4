package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// SSHSigner signs git objects with an SSH key the way git does for
// gpg.format=ssh: an SSHSIG signature in namespace "git" with a SHA-512
// message hash, armoured like ssh-keygen -Y sign. It satisfies go-git's
// git.Signer, so it can be passed as CommitOptions.Signer.
//
// An SSHSigner is safe for concurrent use if its underlying ssh.Signer is
// (the in-memory keys from LoadSSHSigner and GenerateSSHKey are).
type SSHSigner struct {
	signer ssh.Signer
}

var _ git.Signer = (*SSHSigner)(nil)

// NewSSHSigner wraps an ssh.Signer (an in-memory key, or an agent key).
func NewSSHSigner(s ssh.Signer) *SSHSigner { return &SSHSigner{signer: s} }

// LoadSSHSigner reads an unencrypted private key file (OpenSSH, PKCS#1,
// PKCS#8 or SEC1 PEM), such as one written by GenerateSSHKey or by
// ssh-keygen with an empty passphrase. Passphrase-protected keys are
// refused.
func LoadSSHSigner(path string) (*SSHSigner, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load ssh key: %w", err)
	}
	return ParseSSHSigner(b, path)
}

// ParseSSHSigner parses an unencrypted private key in the forms
// LoadSSHSigner reads; source names where it came from (a file, an
// environment variable) in errors, which never quote the key's bytes.
func ParseSSHSigner(pem []byte, source string) (*SSHSigner, error) {
	s, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return nil, fmt.Errorf("load ssh key %s: passphrase-protected keys are not supported: %w", source, err)
		}
		return nil, fmt.Errorf("load ssh key %s: %w", source, err)
	}
	return NewSSHSigner(s), nil
}

// PublicKey returns the signer's public key.
func (s *SSHSigner) PublicKey() ssh.PublicKey { return s.signer.PublicKey() }

// AuthorizedKey returns the public key as one authorized_keys line without a
// comment, the form schemas.Signer.SSH expects.
func (s *SSHSigner) AuthorizedKey() string {
	return strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(s.signer.PublicKey())), "\n")
}

// Sign reads the whole message (the object encoded without its signature)
// and returns the armoured SSH signature, byte for byte in the layout
// ssh-keygen writes. It implements git.Signer.
func (s *SSHSigner) Sign(message io.Reader) ([]byte, error) {
	if s == nil || s.signer == nil {
		return nil, errors.New("ssh sign: nil signer")
	}
	sig, err := sshsig.Sign(message, s.signer, sshsig.HashSHA512, Namespace)
	if err != nil {
		return nil, fmt.Errorf("ssh sign: %w", err)
	}
	return armor(sig.Marshal()), nil
}

// GenerateSSHKey creates a new ed25519 key pair: the private key in OpenSSH
// format (PEM "OPENSSH PRIVATE KEY", unencrypted, mode 0600) at path and the
// public key in authorized_keys format at path+".pub". Both work with
// `git -c gpg.format=ssh -c user.signingkey=<path> commit -S` and
// `ssh-keygen -Y sign -f <path>`. It refuses to overwrite existing files and
// returns the authorized_keys line ("ssh-ed25519 AAAA... comment").
func GenerateSSHKey(path, comment string) (authorizedKey string, err error) {
	if strings.ContainsAny(comment, "\r\n") {
		return "", fmt.Errorf("generate ssh key: comment must be one line")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate ssh key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return "", fmt.Errorf("generate ssh key: marshal private key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("generate ssh key: %w", err)
	}
	line := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(sshPub)), "\n")
	if comment != "" {
		line += " " + comment
	}
	if err := writeNew(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return "", fmt.Errorf("generate ssh key: %w", err)
	}
	if err := writeNew(path+".pub", []byte(line+"\n"), 0o644); err != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("generate ssh key: %w", err)
	}
	return line, nil
}

// writeNew writes data to a file that must not exist yet.
func writeNew(path string, data []byte, mode os.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	if err := f.Chmod(mode); err != nil { // umask must not widen or narrow it
		return err
	}
	_, err = f.Write(data)
	return err
}
