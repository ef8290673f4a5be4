package core

import (
	"math/rand"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// canonicalBlockID is BlockID as its contract states it: the hash of the
// canonical JSON of the three members.
func canonicalBlockID(t *testing.T, blocked, prerequisite string) string {
	t.Helper()
	b, err := schemas.CanonicalJSON(map[string]string{"blocked": blocked, "domain": blockIdentityDomain, "prerequisite": prerequisite})
	if err != nil {
		t.Fatal(err)
	}
	return schemas.HashBytes(b)
}

// TestBlockIDIsTheCanonicalHash: BlockID equals the hash of the canonical
// JSON for task ids and for any string, those JSON must escape included.
func TestBlockIDIsTheCanonicalHash(t *testing.T) {
	cases := [][2]string{
		{"sha256:" + string(make([]byte, 0)), ""},
		{"a", "b"},
		{`with "quotes"`, `back\slash`},
		{"<html>&", "tab\there"},
		{"ünïcode", "\u2028line"},
		{"\xff\xfe", "nul\x00"},
	}
	rng := rand.New(rand.NewSource(5))
	alphabet := []byte("ab09:<>&\"\\\x00\x1f\x7f~ \xc3\xa9\xe2\x80\xa8\xff")
	for range 2000 {
		var pair [2]string
		for i := range pair {
			b := make([]byte, rng.Intn(12))
			for j := range b {
				b[j] = alphabet[rng.Intn(len(alphabet))]
			}
			pair[i] = string(b)
		}
		cases = append(cases, pair)
	}
	for _, c := range cases {
		if got, want := BlockID(c[0], c[1]), canonicalBlockID(t, c[0], c[1]); got != want {
			t.Fatalf("BlockID(%q, %q) = %s, the canonical hash is %s", c[0], c[1], got, want)
		}
	}
}
