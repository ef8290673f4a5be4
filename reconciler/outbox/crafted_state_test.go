package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
)

// craftState points Ref at a commit on top of the book's head whose
// state.tsv is state, as whoever can push the ref may.
func craftState(t *testing.T, s *gitstore.Store, parent plumbing.Hash, state string) {
	t.Helper()
	sig := object.Signature{Name: "x", Email: "x@example.invalid", When: t0}
	req := gitstore.CommitRequest{Files: map[string][]byte{"state.tsv": []byte(state)}, Message: "crafted\n", Author: sig, Committer: sig}
	if !parent.IsZero() {
		req.Parents = []plumbing.Hash{parent}
	}
	h, err := s.WriteCommit(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(Ref, parent, h); err != nil {
		t.Fatal(err)
	}
}

// stateLine is a pending record's state line for key with the given seq,
// attempts and started fields, as appendLine writes them.
func stateLine(key, seq, attempts, started string) string {
	return fmt.Sprintf("%s\tfake\twaiting\tpending\t%s\t%s\t%s\t%d\t0\t0\t\"web-1\"\t\"p/1\"\t\"\"\t\"\"\n", key, seq, attempts, started, t0.UnixNano())
}

// TestCraftedStateLinesAreSkippedWithANote: whoever can push Ref can
// write a state line writ never writes: attempts -1 (whose next failure
// used to make Backoff shift by -1 and panic in a delivery goroutine), a
// key that is not what KeyOf makes (short, with "/" or non-ASCII bytes,
// which would name files), a negative seq. Each such line is skipped with
// a note naming the ref, the record and the field; the other records load
// and are delivered; the next save rewrites the file without it.
func TestCraftedStateLinesAreSkippedWithANote(t *testing.T) {
	good := effect("good", EventWaiting, "p/1")
	bad := KeyOf("crafted", EventWaiting, "fake")
	tests := []struct {
		name, line, note string
	}{
		{"negative attempts", stateLine(bad, "2", "-1", "0"), "key " + bad[:12] + ": field attempts: -1 is out of range"},
		{"attempts too large", stateLine(bad, "2", "9999999999", "0"), "field attempts: 9999999999 is out of range"},
		{"negative started", stateLine(bad, "2", "0", "-5"), "field started: -5 is out of range"},
		{"negative seq", stateLine(bad, "-2", "0", "0"), "field seq: -2 is out of range"},
		{"short key", stateLine("ab", "2", "0", "0"), `field key: "ab" is not a key`},
		{"key with a slash", stateLine("/"+bad[1:], "2", "0", "0"), "field key:"},
		{"key with non-ASCII bytes", stateLine("é"+bad[2:], "2", "0", "0"), "field key:"},
		{"upper-case key", stateLine(strings.ToUpper(bad), "2", "0", "0"), "field key:"},
		{"target with markup", strings.Replace(stateLine(bad, "2", "0", "0"), "\tfake\t", "\tfa/ke\t", 1), "field target:"},
		{"unknown state", strings.Replace(stateLine(bad, "2", "0", "0"), "\tpending\t", "\tlost\t", 1), "field state:"},
		{"too few fields", bad + "\tfake\n", "want 14 tab-separated fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			b, _ := Load(s)
			b.Add([]Effect{good}, t0)
			if err := b.Save(t0, "record"); err != nil {
				t.Fatal(err)
			}
			gr, _ := b.Get(good.Key)
			var line strings.Builder
			line.WriteString(tt.line)
			line.Write(appendLine(nil, gr))
			craftState(t, s, b.Head(), line.String())

			crafted, err := Load(s)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			notes := strings.Join(crafted.Notes(), "\n")
			if !strings.Contains(notes, Ref) || !strings.Contains(notes, "state.tsv line 1") || !strings.Contains(notes, tt.note) {
				t.Fatalf("notes %q do not name the ref, the line and %q", notes, tt.note)
			}
			if crafted.Len() != 1 {
				t.Fatalf("want the good record only, got %d records", crafted.Len())
			}
			n := &fakeNotifier{deliver: func(Effect, []Receipt) (Receipt, error) { return Receipt{}, errors.New("503") }}
			d := &Deliverer{Notifiers: map[string]Notifier{"fake": n}, Now: func() time.Time { return t0.Add(time.Minute) },
				Jitter: func(time.Duration) time.Duration { return 0 }}
			res, err := d.Deliver(context.Background(), crafted)
			if err != nil || res.Failed != 1 {
				t.Fatalf("deliver: %+v %v", res, err)
			}
			if err := crafted.Save(t0.Add(time.Minute), "after"); err != nil {
				t.Fatal(err)
			}
			again, err := Load(s)
			if err != nil || len(again.Notes()) != 0 || again.Len() != 1 {
				t.Fatalf("after a save the crafted line is still there: %v %q, %d records", err, again.Notes(), again.Len())
			}
		})
	}
}
