package wal

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// recoverRecord is a recover entry quarantining two commits.
func recoverRecord() Record {
	r := sampleRecord()
	q := []string{strings.Repeat("a", 40), strings.Repeat("b", 40)}
	r.Entry.Kind = core.KindRecover
	r.Entry.Proposal = &schemas.Proposal{Instance: schemas.RulesInstance, Workflow: schemas.RulesInstance,
		Transition: schemas.RecoverTransition, BaseState: "sha256:" + strings.Repeat("5", 64), IdemKey: "k-1",
		Inputs: map[string]any{schemas.RecoverInput: []any{q[0], q[1]}}}
	r.Entry.Quarantine = q
	r.Entry.ChangedFiles = []string{"proposals/rules/recover-1.yaml"}
	r.ProposalPath = "proposals/rules/recover-1.yaml"
	r.InstancePre, r.InstancePost, r.Guards, r.Roles = "", "", nil, nil
	r.Entry.Decisions = r.Entry.Decisions[:1]
	r.Entry.Decisions[0].Justification = ""
	r.Entry.Grants = nil
	return r
}

// recoverSeeds are recover entry messages, good and damaged, for the
// decode fuzzers.
func recoverSeeds(t testing.TB) []string {
	good, err := Encode(recoverRecord())
	if err != nil {
		t.Fatal(err)
	}
	a := "Writ-Quarantine: " + strings.Repeat("a", 40)
	return []string{good,
		strings.Replace(good, a+"\n", "", 1),
		strings.Replace(good, a, "Writ-Quarantine: "+strings.Repeat("b", 40), 1),
		strings.Replace(good, a, "Writ-Quarantine: abc", 1),
		strings.Replace(good, "Writ-Kind: recover", "Writ-Kind: rules", 1),
	}
}

// TestQuarantineRoundTrip: a recover entry's quarantined commits are one
// Writ-Quarantine trailer each, in order, and decode back (by Decode and
// the reference decoder alike); a recover entry without one, a value that
// is not a full hash, a repeated commit, and the trailer on another kind
// of entry are refused, when encoding and when decoding.
func TestQuarantineRoundTrip(t *testing.T) {
	r := recoverRecord()
	msg, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg, "writ: recover, quarantine 2 commit(s)\n") {
		t.Errorf("subject: %q", strings.SplitN(msg, "\n", 2)[0])
	}
	want := "Writ-Quarantine: " + r.Entry.Quarantine[0] + "\nWrit-Quarantine: " + r.Entry.Quarantine[1] + "\n"
	if !strings.Contains(msg, want) {
		t.Fatalf("no ordered Writ-Quarantine trailers in\n%s", msg)
	}
	for name, decode := range map[string]func(string) (Record, error){"Decode": Decode, "referenceDecode": referenceDecode} {
		got, err := decode(msg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Entry.Kind != core.KindRecover || !reflect.DeepEqual(got.Entry.Quarantine, r.Entry.Quarantine) {
			t.Fatalf("%s: kind %s quarantine %v, want recover %v", name, got.Entry.Kind, got.Entry.Quarantine, r.Entry.Quarantine)
		}
		a := "Writ-Quarantine: " + r.Entry.Quarantine[0]
		for _, bad := range []struct{ from, to string }{
			{a + "\nWrit-Quarantine: " + r.Entry.Quarantine[1] + "\n", ""},
			{a, "Writ-Quarantine: " + strings.Repeat("A", 40)},
			{a, "Writ-Quarantine: " + r.Entry.Quarantine[1]},
			{"Writ-Kind: recover", "Writ-Kind: transition"},
		} {
			if _, err := decode(strings.Replace(msg, bad.from, bad.to, 1)); err == nil || !strings.Contains(err.Error(), KeyQuarantine) {
				t.Errorf("%s with %q -> %q: %v, want an error naming %s", name, bad.from, bad.to, err, KeyQuarantine)
			}
		}
	}
	for _, q := range [][]string{nil, {"abc"}, {r.Entry.Quarantine[0], r.Entry.Quarantine[0]}} {
		bad := recoverRecord()
		bad.Entry.Quarantine = q
		if _, err := Encode(bad); err == nil {
			t.Errorf("encoded a recover entry quarantining %v", q)
		}
	}
	plain := sampleRecord()
	plain.Entry.Quarantine = r.Entry.Quarantine
	if _, err := Encode(plain); err == nil {
		t.Errorf("encoded a transition entry with %s", KeyQuarantine)
	}
}
