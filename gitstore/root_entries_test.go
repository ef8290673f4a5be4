package gitstore

import (
	"errors"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestRootEntriesListsOnlyTheRoot(t *testing.T) {
	s, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "t", Email: "t@example.invalid", When: time.Unix(1796565626, 0)}
	h, err := s.WriteCommit(CommitRequest{Files: map[string][]byte{"a.tsv": []byte("a\n"), "d/e/f": []byte("f\n"), "b.json": []byte("[]\n")},
		Message: "m\n", Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		limit int
		want  []RootEntry
		err   error
	}{
		{"no limit", 0, []RootEntry{{"a.tsv", "100644"}, {"b.json", "100644"}, {"d", "40000"}}, nil},
		{"at the limit", 3, []RootEntry{{"a.tsv", "100644"}, {"b.json", "100644"}, {"d", "40000"}}, nil},
		{"over the limit", 2, nil, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RootEntries(h, tt.limit)
			if !errors.Is(err, tt.err) || len(got) != len(tt.want) {
				t.Fatalf("RootEntries = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("entry %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
