package gitobj

import (
	"strings"
	"testing"
)

// TestSignatureLen: the length ParseCommit reserves for a commit's
// signature is the signature's, for signatures of one line, of many, and
// before a message that starts with a space.
func TestSignatureLen(t *testing.T) {
	head := "tree " + strings.Repeat("a", 40) + "\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n"
	for _, sig := range []string{
		"x",
		"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\nAAAA\n-----END SSH SIGNATURE-----",
		"-----BEGIN PGP SIGNATURE-----\n\nwsFcBAAB\n=abcd\n-----END PGP SIGNATURE-----",
	} {
		lines := strings.Split(sig, "\n")
		raw := head + "gpgsig " + lines[0] + "\n"
		for _, l := range lines[1:] {
			raw += " " + l + "\n"
		}
		raw += "\n message\n"
		c, err := ParseCommit([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if c.Signature != sig+"\n" {
			t.Fatalf("signature %q, want %q", c.Signature, sig+"\n")
		}
		_, rest, _ := strings.Cut(raw, "gpgsig ")
		first, rest, _ := strings.Cut(rest, "\n")
		if n := signatureLen([]byte(first), []byte(rest)); n != len(c.Signature) {
			t.Errorf("signatureLen = %d, the signature is %d bytes: %q", n, len(c.Signature), sig)
		}
	}
}
