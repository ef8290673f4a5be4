package wal

import (
	"reflect"
	"strings"
	"testing"
)

// TestCoAuthors: an entry's co-authors (a pull request's opener) are one
// Writ-Co-Author trailer each, after Writ-Proposer; an entry without any
// has none, so its message is what it always was; a co-author that is not
// one identity name is refused.
func TestCoAuthors(t *testing.T) {
	plain, err := Encode(sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, KeyCoAuthor) {
		t.Fatalf("an entry without co-authors carries %s:\n%s", KeyCoAuthor, plain)
	}
	r := sampleRecord()
	r.Entry.CoAuthors = []string{"alice", "erin"}
	msg, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "Writ-Proposer: deploy-agent\nWrit-Co-Author: alice\nWrit-Co-Author: erin\n") {
		t.Fatalf("co-authors not after the proposer:\n%s", msg)
	}
	for name, decode := range map[string]func(string) (Record, error){"Decode": Decode, "referenceDecode": referenceDecode} {
		got, err := decode(msg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got.Entry.CoAuthors, r.Entry.CoAuthors) {
			t.Fatalf("%s: co-authors %v, want %v", name, got.Entry.CoAuthors, r.Entry.CoAuthors)
		}
		for _, bad := range []string{"Writ-Co-Author: two words", "Writ-Co-Author: "} {
			if _, err := decode(strings.Replace(msg, "Writ-Co-Author: erin", bad, 1)); err == nil || !strings.Contains(err.Error(), KeyCoAuthor) {
				t.Errorf("%s of %q: %v, want an error naming %s", name, bad, err, KeyCoAuthor)
			}
		}
	}
	r.Entry.CoAuthors = []string{"two words"}
	if _, err := Encode(r); err == nil {
		t.Errorf("encoded a co-author %q", r.Entry.CoAuthors[0])
	}
}
