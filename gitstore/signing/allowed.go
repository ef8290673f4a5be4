package signing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/writ-dev/writ/schemas"
	"golang.org/x/crypto/ssh"
)

// AllowedSigners renders a git allowed-signers file for the SSH keys of ids,
// one `<principal> namespaces="git" <key>` line per key, sorted, so that
// `git -c gpg.ssh.allowedSignersFile=F verify-commit` trusts the same keys as
// a KeyRing built from ids. The principal is the identity's email, or its
// name when it has none; principals containing whitespace, quotes or commas
// are refused because OpenSSH would read them as several patterns. The
// output is deterministic: the same identities give the same bytes. Only
// SSH signers appear: git checks the other formats with gpg and gpgsm.
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
