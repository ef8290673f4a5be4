package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// craftOutbox points refs/writ/outbox of repo at a commit holding the
// given state.tsv, as anyone who can push that ref may.
func craftOutbox(t *testing.T, repo, state string) {
	t.Helper()
	s, err := gitstore.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "x", Email: "x@example.invalid", When: time.Unix(1796565626, 0)}
	h, err := s.WriteCommit(gitstore.CommitRequest{Files: map[string][]byte{"state.tsv": []byte(state), "effects.json": []byte("[]\n")},
		Message: "crafted\n", Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(outbox.Ref, plumbing.ZeroHash, h); err != nil {
		t.Fatal(err)
	}
}

// TestOutboxSkipsAShortKeyWithANote: anyone with push access can write
// the outbox ref. A pending record whose key is two characters long (keys
// are what outbox.KeyOf makes: 64 hex digits) is skipped by writ outbox
// with a note naming the ref and the field, never a panic.
func TestOutboxSkipsAShortKeyWithANote(t *testing.T) {
	repo := newControlRepo(t)
	craftOutbox(t, repo, fmt.Sprintf("ab\tslack\twaiting\tpending\t1\t0\t0\t%d\t0\t0\t\"web-1\"\t\"p/1\"\t\"\"\t\"\"\n", time.Unix(1796565626, 0).UnixNano()))
	var r writResult
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("writ outbox panicked on a crafted outbox ref: %v", p)
			}
		}()
		r = runWrit("--repo", repo, "outbox")
	}()
	if r.code != ExitOK || !strings.Contains(r.err, outbox.Ref) || !strings.Contains(r.err, `field key: "ab" is not a key`) ||
		!strings.Contains(r.out, "nothing pending") {
		t.Fatalf("writ outbox: %s", r)
	}
}

func TestShortKeyNeverSlicesPastTheKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"ab", "ab"},
		{"0123456789ab", "0123456789ab"},
		{"0123456789abcdef", "0123456789ab"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := shortKey(tt.in); got != tt.want {
				t.Fatalf("shortKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
