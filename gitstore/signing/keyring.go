package signing

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/schemas"
	"golang.org/x/crypto/ssh"
)

// KeyRing maps SSH key fingerprints (ssh.FingerprintSHA256, "SHA256:...") to
// the identity and signer that own the key. It is immutable after
// NewKeyRing and safe for concurrent use. A nil *KeyRing is an empty ring.
type KeyRing struct {
	byFingerprint map[string]ringEntry
}

type ringEntry struct {
	identity string
	signer   string
	key      ssh.PublicKey
}

// NewKeyRing builds a ring from the identities of writ.yaml. Every signer
// with an SSH key (an authorized_keys line) contributes one entry, named by
// the signer's Name or, when that is empty, its index in the identity's
// Signers. Signers without an SSH key are skipped (other signer kinds).
// A key that does not parse, or one key claimed twice (by two identities or
// two signers), is an error: ownership must be unambiguous.
func NewKeyRing(ids []schemas.Identity) (*KeyRing, error) {
	r := &KeyRing{byFingerprint: make(map[string]ringEntry)}
	for _, id := range ids {
		for i, s := range id.Signers {
			if strings.TrimSpace(s.SSH) == "" {
				continue
			}
			name := signerName(s, i)
			key, err := parseAuthorizedKey(s.SSH)
			if err != nil {
				return nil, fmt.Errorf("key ring: identity %q signer %q: %w", id.Name, name, err)
			}
			fp := ssh.FingerprintSHA256(key)
			if prev, dup := r.byFingerprint[fp]; dup {
				return nil, fmt.Errorf("key ring: identity %q signer %q: key %s already belongs to identity %q signer %q",
					id.Name, name, fp, prev.identity, prev.signer)
			}
			r.byFingerprint[fp] = ringEntry{identity: id.Name, signer: name, key: key}
		}
	}
	return r, nil
}

// Len returns the number of keys in the ring.
func (r *KeyRing) Len() int {
	if r == nil {
		return 0
	}
	return len(r.byFingerprint)
}

// Lookup returns the identity and signer owning key.
func (r *KeyRing) Lookup(key ssh.PublicKey) (identity, signer string, ok bool) {
	if r == nil || key == nil {
		return "", "", false
	}
	e, ok := r.byFingerprint[ssh.FingerprintSHA256(key)]
	return e.identity, e.signer, ok
}

func (r *KeyRing) entry(fp string) (ringEntry, bool) {
	if r == nil {
		return ringEntry{}, false
	}
	e, ok := r.byFingerprint[fp]
	return e, ok
}

func signerName(s schemas.Signer, i int) string {
	if s.Name != "" {
		return s.Name
	}
	return strconv.Itoa(i)
}

func parseAuthorizedKey(line string) (ssh.PublicKey, error) {
	key, _, opts, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("ssh key: %w", err)
	}
	if len(opts) > 0 {
		return nil, fmt.Errorf("ssh key: authorized_keys options are not allowed")
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return nil, fmt.Errorf("ssh key: expected one key, found more lines")
	}
	return key, nil
}

// AllowedSigners renders a git allowed-signers file for the SSH keys of ids,
// one `<principal> namespaces="git" <key>` line per key, sorted, so that
// `git -c gpg.ssh.allowedSignersFile=F verify-commit` trusts the same keys as
// a KeyRing built from ids. The principal is the identity's email, or its
// name when it has none; principals containing whitespace, quotes or commas
// are refused because OpenSSH would read them as several patterns. The
// output is deterministic: the same identities give the same bytes.
func AllowedSigners(ids []schemas.Identity) (string, error) {
	var lines []string
	for _, id := range ids {
		principal := id.Email
		if principal == "" {
			principal = id.Name
		}
		for i, s := range id.Signers {
			if strings.TrimSpace(s.SSH) == "" {
				continue
			}
			if principal == "" || strings.ContainsAny(principal, " \t\r\n\",") {
				return "", fmt.Errorf("allowed signers: identity %q: principal %q is empty or has whitespace, quotes or commas", id.Name, principal)
			}
			key, err := parseAuthorizedKey(s.SSH)
			if err != nil {
				return "", fmt.Errorf("allowed signers: identity %q signer %q: %w", id.Name, signerName(s, i), err)
			}
			k := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(key)), "\n")
			lines = append(lines, principal+` namespaces="git" `+k)
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return "", nil
	}
	return strings.Join(lines, "\n") + "\n", nil
}
