package outbox

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
)

// TestCraftedKeysNeverNameFiles: past PerFile records the outbox splits
// into files named by the key's first hex digits, so a crafted key with
// "/" or non-ASCII bytes at its start would name files such as
// "state-/.tsv" or half a UTF-8 sequence. Such a key is refused when the
// state is read: a save of the other records, in the split layout,
// succeeds, and the outbox reads back whole.
func TestCraftedKeysNeverNameFiles(t *testing.T) {
	for _, bad := range []string{"/" + strings.Repeat("a", 63), "\xc3" + strings.Repeat("a", 63), "é/" + strings.Repeat("a", 61)} {
		t.Run(fmt.Sprintf("%q", bad[:2]), func(t *testing.T) {
			s := newStore(t)
			b, _ := Load(s)
			effects := make([]Effect, PerFile)
			for i := range effects {
				effects[i] = effect(fmt.Sprint(i), EventWaiting, fmt.Sprintf("p/%d", i))
			}
			b.Add(effects, t0)
			if err := b.Save(t0, "record"); err != nil {
				t.Fatal(err)
			}
			state, err := s.ReadFile(b.Head(), "state.tsv")
			if err != nil {
				t.Fatal(err)
			}
			sig := object.Signature{Name: "x", Email: "x@example.invalid", When: t0}
			h, err := s.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{b.Head()}, Author: sig, Committer: sig, Message: "crafted\n",
				Files: map[string][]byte{"state.tsv": append(state, stateLine(bad, "5000", "0", "0")...)}})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CompareAndSwap(Ref, b.Head(), h); err != nil {
				t.Fatal(err)
			}
			b, err = Load(s)
			if err != nil {
				t.Fatal(err)
			}
			b.Add([]Effect{effect("new", EventWaiting, "p/2")}, t0)
			if err := b.Save(t0, "record"); err != nil {
				t.Fatalf("save past %d records with a crafted key: %v", PerFile, err)
			}
			again, err := Load(s)
			if err != nil || again.Len() != PerFile+1 {
				t.Fatalf("read back: %v, %d records, want %d", err, again.Len(), PerFile+1)
			}
		})
	}
}
