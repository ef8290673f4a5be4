package intake

import "github.com/writ-dev/writ/gitstore/signing"

// SignerOf returns how a commit of the proposal (a proposal commit or a
// counted decision) verified when it was read; ok is false for a commit
// that was not read or did not verify.
func (p Pending) SignerOf(commit string) (v signing.Verified, ok bool) {
	v, ok = p.signedBy[commit]
	return v, ok
}
