package signing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ProgramSigner signs a commit by running the program git would run for
// `git commit -S`, with the same arguments, so that a signature comes from
// wherever the user's git signs: a key file, an ssh-agent or hardware token
// (ssh), a gpg keyring or smartcard (openpgp), gpgsm or gitsign (x509).
//
//   - ssh: Program (default ssh-keygen) -Y sign -n git -f KEY FILE, with
//     -U when KEY is a public key (a "key::" literal or an "ssh-…" line:
//     the private key is in the agent); the signature is FILE.sig.
//   - openpgp: Program (default gpg) --status-fd=2 -bsau KEY, the payload
//     on stdin, the armoured signature on stdout.
//   - x509: Program (default gpgsm; gitsign when gpg.x509.program says
//     so) with the same arguments as openpgp.
//
// A ProgramSigner holds no state beyond its fields and is safe for
// concurrent use as far as its program is.
type ProgramSigner struct {
	// Format is git's gpg.format: ssh, openpgp or x509.
	Format Format
	// Program is the executable (gpg.ssh.program, gpg.program or
	// gpg.openpgp.program, gpg.x509.program); empty means git's default.
	Program string
	// Key is git's user.signingkey: an SSH key file or public key for
	// ssh, a key id or fingerprint for openpgp and x509.
	Key string
	// Dir is the directory the program runs in (the repository).
	Dir string
	// Timeout bounds one signature (a hardware token waiting for a touch
	// needs time); zero means two minutes.
	Timeout time.Duration
}

// ErrProgramSign is returned when the signing program fails or writes no
// signature.
var ErrProgramSign = errors.New("signing program failed")

// Sign signs message as git would and returns the armoured signature.
func (p ProgramSigner) Sign(message io.Reader) ([]byte, error) {
	payload, err := io.ReadAll(message)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(p.Key) == "" {
		return nil, fmt.Errorf("%w: no signing key: set git's user.signingkey or give --key", ErrProgramSign)
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch p.Format {
	case FormatSSH:
		return p.signSSH(ctx, payload)
	case FormatOpenPGP, FormatX509:
		return p.signGPG(ctx, payload)
	}
	return nil, fmt.Errorf("%w: gpg.format %q: want ssh, openpgp or x509", ErrProgramSign, p.Format)
}

func (p ProgramSigner) program() string {
	switch {
	case p.Program != "":
		return p.Program
	case p.Format == FormatSSH:
		return "ssh-keygen"
	case p.Format == FormatX509:
		return "gpgsm"
	}
	return "gpg"
}

// signGPG runs the program as git's sign_buffer_gpg does and checks the
// status line git checks.
func (p ProgramSigner) signGPG(ctx context.Context, payload []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, p.program(), "--status-fd=2", "-bsau", p.Key)
	cmd.Dir = p.Dir
	cmd.Stdin = bytes.NewReader(payload)
	var out, status bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &status
	err := cmd.Run()
	if err != nil || !strings.Contains("\n"+status.String(), "\n[GNUPG:] SIG_CREATED ") {
		return nil, fmt.Errorf("%w: %s -bsau %s: %v\n%s", ErrProgramSign, p.program(), p.Key, err, strings.TrimSpace(status.String()))
	}
	return out.Bytes(), nil
}

// signSSH runs ssh-keygen -Y sign as git's sign_buffer_ssh does.
func (p ProgramSigner) signSSH(ctx context.Context, payload []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "writ-sign-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	key, literal := strings.CutPrefix(p.Key, "key::")
	literal = literal || strings.HasPrefix(key, "ssh-") || strings.HasPrefix(key, "ecdsa-") || strings.HasPrefix(key, "sk-")
	args := []string{"-Y", "sign", "-n", Namespace, "-f"}
	if literal {
		path := dir + "/key.pub"
		if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
			return nil, err
		}
		args = append(args, path, "-U")
	} else {
		args = append(args, expandHome(key))
	}
	buf := dir + "/payload"
	if err := os.WriteFile(buf, payload, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, p.program(), append(args, buf)...)
	cmd.Dir = p.Dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %s -Y sign -f %s: %v\n%s", ErrProgramSign, p.program(), key, err, strings.TrimSpace(out.String()))
	}
	sig, err := os.ReadFile(buf + ".sig")
	if err != nil {
		return nil, fmt.Errorf("%w: %s wrote no signature: %w", ErrProgramSign, p.program(), err)
	}
	return sig, nil
}

// expandHome expands a leading ~/ as git does for user.signingkey.
func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return home + "/" + rest
		}
	}
	return path
}

// ProgramSignerFromGit reads how git in dir signs commits (gpg.format,
// user.signingkey, and the program for the format) with the real git, so
// repository, global and system configuration all count as they do for
// `git commit -S`. key, when not empty, replaces user.signingkey; without
// either, a gpg.format of openpgp or x509 signs with the committer's
// "Name <email>" as the key, as git does (gitsign ignores the key), and
// ssh or no gpg.format at all is an error; a key
// that is a file holding an OpenSSH key (private or public) is signed with
// as gpg.format=ssh whatever git's gpg.format says. gitsign is
// gpg.format=x509 with gpg.x509.program=gitsign.
func ProgramSignerFromGit(dir, key string) (ProgramSigner, error) {
	get := func(name string) string {
		out, err := exec.Command("git", "-C", dir, "config", "--get", name).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	configured := get("gpg.format")
	p := ProgramSigner{Format: Format(configured), Key: key, Dir: dir}
	if isSSHKeyFile(key) {
		p.Format = FormatSSH
	}
	if p.Format == "" {
		p.Format = FormatOpenPGP // git's default
	}
	if p.Key == "" {
		p.Key = get("user.signingkey")
	}
	switch p.Format {
	case FormatSSH:
		p.Program = get("gpg.ssh.program")
	case FormatOpenPGP:
		if p.Program = get("gpg.openpgp.program"); p.Program == "" {
			p.Program = get("gpg.program")
		}
	case FormatX509:
		p.Program = get("gpg.x509.program")
	default:
		return p, fmt.Errorf("%w: git's gpg.format is %q: want ssh, openpgp or x509", ErrProgramSign, p.Format)
	}
	if p.Key == "" && configured != "" && p.Format != FormatSSH {
		// As git does without user.signingkey (get_signing_key): the
		// committer's "Name <email>", which gpg and gpgsm look up and
		// gitsign ignores, so a gitsign setup needs no signing key. Only
		// when gpg.format says how to sign: a git never set up to sign
		// gets the error below, not gpg's "No secret key".
		p.Key = committerKey(dir)
	}
	if p.Key == "" {
		return p, fmt.Errorf("%w: git in %s has no user.signingkey (gpg.format %s): set it (git config user.signingkey KEY) or give --key", ErrProgramSign, dir, p.Format)
	}
	return p, nil
}

// committerKey is the committer identity git in dir would sign with when
// no signing key is set ("Name <email>", `git var GIT_COMMITTER_IDENT`
// without its date), or "" when git has none.
func committerKey(dir string) string {
	out, err := exec.Command("git", "-C", dir, "var", "GIT_COMMITTER_IDENT").Output()
	if err != nil {
		return ""
	}
	ident := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(ident, '>'); i >= 0 {
		return ident[:i+1]
	}
	return ""
}

// isSSHKeyFile reports whether path names a file holding an OpenSSH
// private key or an SSH public key.
func isSSHKeyFile(path string) bool {
	if path == "" {
		return false
	}
	f, err := os.Open(expandHome(path))
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	s := string(head[:n])
	return strings.HasPrefix(s, "-----BEGIN OPENSSH PRIVATE KEY-----") ||
		strings.HasPrefix(s, "ssh-") || strings.HasPrefix(s, "ecdsa-") || strings.HasPrefix(s, "sk-")
}
