package outbox

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"
)

// TestASaveCarriesEffectsOverWithoutDecodingThem: a save that adds effects
// beside ones recorded earlier writes the earlier ones' JSON as it found
// it, without decoding them (an effect is decoded only to be delivered),
// and the file is still the JSON array of every effect sorted by key,
// byte for byte what encoding them all gives.
func TestASaveCarriesEffectsOverWithoutDecodingThem(t *testing.T) {
	s := newStore(t)
	b, _ := Load(s)
	var old []Effect
	for i := range 50 {
		e := effect(fmt.Sprint("old", i), EventWaiting, fmt.Sprint("p/", i))
		e.Summary, e.Link = "needs <2> & more", "https://example.test/pull/"+fmt.Sprint(i)
		old = append(old, e)
	}
	b.Add(old, t0)
	if err := b.Save(t0, "old"); err != nil {
		t.Fatal(err)
	}
	again, _ := Load(s)
	fresh := []Effect{effect("new1", EventApplied, "p/1"), effect("new2", EventApplied, "p/2")}
	again.Add(fresh, t0)
	if err := again.Save(t0, "new"); err != nil {
		t.Fatal(err)
	}
	for _, e := range old {
		if again.full[e.Key] {
			t.Fatalf("the save decoded the earlier effect %s to write it again", e.Key)
		}
	}
	all := append(append([]Effect(nil), old...), fresh...)
	sort.Slice(all, func(i, j int) bool { return all[i].Key < all[j].Key })
	want, _ := json.Marshal(all)
	got, err := s.ReadFile(again.Head(), "effects.json")
	if err != nil || string(got) != string(want)+"\n" {
		t.Fatalf("effects.json is not the sorted array of every effect (%v):\n got %.200s\nwant %.200s", err, got, want)
	}
	third, _ := Load(s)
	for _, r := range third.Records() {
		if e, err := third.Effect(r); err != nil || e.Key != r.Key || e.Subject == "" {
			t.Fatalf("effect of %s: %+v %v", r.Key, e, err)
		}
	}
}
