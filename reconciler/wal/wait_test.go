package wal

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
)

func waitRecord() Record {
	r := sampleRecord()
	r.Entry.Kind, r.Entry.Decisions, r.Entry.Path = core.KindWait, nil, r.ProposalPath
	r.Roles, r.Policy, r.Summary = nil, "release-approval pending", "waiting since 1795408710993.2 for policy release-approval: sre-pair needs 2"
	r.InstancePost = r.InstancePre
	r.WaitingFor = FormatWaitingFor(core.Wait{Policy: "release-approval", Rules: []string{"sre-pair needs 2"}})
	return r
}

// TestWaitRoundTrip: a wait entry's message carries its proposal, path
// and the rules it waits for, and decodes to the same record.
func TestWaitRoundTrip(t *testing.T) {
	r := waitRecord()
	msg, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"writ: wait ship web-1\n", "Writ-Kind: wait\n", "Writ-Waiting-For: policy release-approval rule sre-pair needs 2\n", "Writ-Proposal: proposals/web-1/ship.yaml@"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("message lacks %q:\n%s", want, msg)
		}
	}
	got, err := Decode(msg)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, msg)
	}
	r.Guards[1].Name = "input-change_ticket"
	r.Entry.Proposal.Inputs["n"] = json.Number("3")
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, r)
	}
}

// TestWaitTrailersRefused: only a wait entry carries Writ-Waiting-For, and
// a wait entry carries it and its proposal's path.
func TestWaitTrailersRefused(t *testing.T) {
	wait, err := Encode(waitRecord())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, msg, want string
	}{
		{"on a transition", strings.Replace(wait, "Writ-Kind: wait", "Writ-Kind: transition", 1), "only a wait entry carries it"},
		{"without Writ-Waiting-For", strings.Replace(wait, "Writ-Waiting-For: policy release-approval rule sre-pair needs 2\n", "", 1), "wait entry without Writ-Waiting-For"},
		{"malformed", strings.Replace(wait, "Writ-Waiting-For: policy", "Writ-Waiting-For: rule", 1), "want policy <name>"},
		{"without Writ-Proposal", removeLine(wait, "Writ-Proposal: "), "wait entry without Writ-Proposal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.msg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decode: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	r := waitRecord()
	r.Entry.Path = "proposals/web-1/other.yaml"
	if _, err := Encode(r); err == nil || !strings.Contains(err.Error(), "names") {
		t.Fatalf("encode of a wait whose path is not its Writ-Proposal's: %v", err)
	}
}

func removeLine(msg, prefix string) string {
	var out []string
	for _, l := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestTimeoutRoundTrip: a timeout entry names its proposal's path, which
// keys the wait it ends, and decodes to the same record.
func TestTimeoutRoundTrip(t *testing.T) {
	r := sampleRecord()
	r.Entry.Kind, r.Entry.Decisions, r.Entry.Path, r.Roles = core.KindTimeout, nil, r.ProposalPath, nil
	msg, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg, "writ: timeout ship web-1\n") {
		t.Fatalf("subject: %s", msg)
	}
	got, err := Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Entry.Kind != core.KindTimeout || got.Entry.Path != r.ProposalPath {
		t.Fatalf("decoded %s for %q", got.Entry.Kind, got.Entry.Path)
	}
	r.Entry.Path = ""
	if _, err := Encode(r); err == nil || !strings.Contains(err.Error(), "timeout entry") {
		t.Fatalf("encode of a timeout entry without its path: %v", err)
	}
}
