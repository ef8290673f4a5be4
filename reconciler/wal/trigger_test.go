package wal

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// TestTriggerTrailer: a transition entry's source trigger is one
// Writ-Trigger trailer, "<kind> [ref=<ref>] url=<url>", after the
// co-authors; an entry without one has none, so its message is what it
// always was; a value that is not canonical, fails
// schemas.CheckSourceTrigger, repeats, or sits on another kind of entry
// is refused when encoding and when decoding.
func TestTriggerTrailer(t *testing.T) {
	plain, err := Encode(sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, KeyTrigger) {
		t.Fatalf("an entry without a source trigger carries %s:\n%s", KeyTrigger, plain)
	}
	r := sampleRecord()
	r.Entry.CoAuthors = []string{"alice"}
	r.Entry.Trigger = &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "octo-org/octo-repo#3", URL: "https://github.com/octo-org/octo-repo/pull/3"}
	msg, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	line := "Writ-Trigger: pull_request ref=octo-org/octo-repo#3 url=https://github.com/octo-org/octo-repo/pull/3\n"
	if !strings.Contains(msg, "Writ-Co-Author: alice\n"+line) {
		t.Fatalf("no %q after the co-authors:\n%s", line, msg)
	}
	noRef := strings.Replace(msg, " ref=octo-org/octo-repo#3", "", 1)
	for name, decode := range map[string]func(string) (Record, error){"Decode": Decode, "referenceDecode": referenceDecode} {
		got, err := decode(msg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got.Entry.Trigger, r.Entry.Trigger) {
			t.Fatalf("%s: trigger %+v, want %+v", name, got.Entry.Trigger, r.Entry.Trigger)
		}
		if got, err := decode(noRef); err != nil || got.Entry.Trigger == nil || got.Entry.Trigger.Ref != "" || got.Entry.Trigger.URL != r.Entry.Trigger.URL {
			t.Fatalf("%s without a ref: %+v %v", name, got.Entry.Trigger, err)
		}
		for _, tt := range []struct{ bad, err string }{
			{"Writ-Trigger: pull_request", "want <kind> [ref=<ref>] url=<url>"},
			{"Writ-Trigger: pull_request url=https://github.com/o/r/pull/3 ref=o/r#3", "want <kind> [ref=<ref>] url=<url>"},
			{"Writ-Trigger: pull_request  url=https://github.com/o/r/pull/3", "want <kind> [ref=<ref>] url=<url>"},
			{"Writ-Trigger: pull_request url=javascript:alert(1)", "is not an absolute http(s) URL"},
			{"Writ-Trigger: pull-request url=https://github.com/o/r/pull/3", `kind "pull-request" is not one of`},
			{"Writ-Trigger: pull_request url=https://x:tok@github.com/o/r/pull/3", "url holds credentials"},
			{"Writ-Trigger: pull_request url=https://github.com/" + strings.Repeat("a", schemas.MaxTriggerURL), "url is longer than 2048 bytes"},
			{line + "Writ-Trigger: issue url=https://jira.example/browse/OPS-1", "appears more than once"},
		} {
			_, err := decode(strings.Replace(msg, strings.TrimSuffix(line, "\n"), tt.bad, 1))
			if err == nil || !strings.Contains(err.Error(), KeyTrigger) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s of %q: %v, want an error naming %s with %q", name, tt.bad, err, KeyTrigger, tt.err)
			}
		}
	}
	// Only a transition entry carries one.
	w := r
	w.Entry.Kind = core.KindReject
	if _, err := Encode(w); err == nil || !strings.Contains(err.Error(), "a reject entry carries no Writ-Trigger") {
		t.Errorf("encoded a reject entry with a trigger: %v", err)
	}
	rejectMsg := strings.Replace(strings.Replace(msg, "Writ-Kind: transition", "Writ-Kind: reject", 1), "writ: ship", "writ: reject ship", 1)
	if _, err := Decode(rejectMsg); err == nil || !strings.Contains(err.Error(), "a reject entry carries no Writ-Trigger") {
		t.Errorf("decoded a reject entry with a trigger: %v", err)
	}
	bad := r
	bad.Entry.Trigger = &schemas.Trigger{Kind: schemas.TriggerPullRequest, URL: "https://github.com/o/r\nWrit-Kind: rules"}
	if _, err := Encode(bad); err == nil || !strings.Contains(err.Error(), "U+000A") {
		t.Errorf("encoded a trigger URL with a newline: %v", err)
	}
}
