package wal

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

func sampleRecord() Record {
	p := &schemas.Proposal{Instance: "web-1", Workflow: "release", Transition: "ship", BaseState: "sha256:" + strings.Repeat("a", 64),
		IdemKey: "k-1", Inputs: map[string]any{"change_ticket": "CHG-1", "n": 3, "big": json.Number("12345678901234567890123")}, Justification: "green"}
	return Record{
		Entry: core.Entry{Kind: core.KindTransition, HLC: core.HLC{Wall: 1795408710993, Logical: 2},
			Signer: "deploy-agent", IdemKey: "k-1", Proposal: p,
			Subject: policies.Subject{Commit: strings.Repeat("c", 40), Content: "sha256:" + strings.Repeat("d", 64)},
			Decisions: []policies.Decision{
				{Identity: "alice", Verdict: policies.VerdictApprove, Commit: strings.Repeat("c", 40), Content: "sha256:" + strings.Repeat("d", 64), Ref: strings.Repeat("e", 40), Justification: `looks "fine"`, Plan: "sha256:" + strings.Repeat("5", 64)},
				{Identity: "bob", Verdict: policies.VerdictApprove, Commit: strings.Repeat("c", 40), Ref: strings.Repeat("f", 40)},
			},
			ChangedFiles: []string{"proposals/web-1/ship.yaml"},
			Grants:       []core.RoleGrant{{Identity: "carol", Role: "sre", Source: "acme/sre"}},
		},
		ProposalPath: "proposals/web-1/ship.yaml", ProposalHead: strings.Repeat("9", 40),
		Guards:   []core.GuardResult{{Name: "capability", Passed: true, Detail: "deploy-agent holds propose:release"}, {Name: "input change_ticket", Passed: true, Detail: "set"}},
		Policy:   "release-approval satisfied",
		Roles:    map[string]string{"alice": "sre", "bob": "sre"},
		Summary:  "ship: approved → released",
		StatePre: "sha256:" + strings.Repeat("1", 64), StatePost: "sha256:" + strings.Repeat("2", 64),
		InstancePre: "sha256:" + strings.Repeat("3", 64), InstancePost: "sha256:" + strings.Repeat("4", 64),
	}
}

func TestRoundTrip(t *testing.T) {
	r := sampleRecord()
	msg, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(msg)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, msg)
	}
	// Guard names lose their spaces on the wire; inputs come back as JSON
	// numbers.
	r.Guards[1].Name = "input-change_ticket"
	r.Entry.Proposal.Inputs["n"] = json.Number("3")
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, r)
	}
	again, _ := Encode(got)
	if again != msg {
		t.Fatalf("re-encoding differs:\n%s\n---\n%s", again, msg)
	}
}

// TestWithdrawRoundTrip: a withdraw entry and its withdraw decision
// encode and decode unchanged, under the subject "writ: withdraw …".
func TestWithdrawRoundTrip(t *testing.T) {
	r := sampleRecord()
	r.Entry.Kind = core.KindWithdraw
	r.Entry.Decisions = []policies.Decision{{Identity: "deploy-agent", Verdict: policies.VerdictWithdraw,
		Commit: strings.Repeat("c", 40), Content: r.Entry.Subject.Content, Ref: strings.Repeat("e", 40), Justification: "superseded by k-2"}}
	r.Entry.Proposal.Inputs = map[string]any{"n": json.Number("3")}
	r.Guards = r.Guards[:1]
	r.Roles = nil
	msg, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg, "writ: withdraw ship web-1\n") {
		t.Fatalf("subject of %q", msg)
	}
	got, err := Decode(msg)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, msg)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, r)
	}
	d := r.Entry.Decisions[0]
	dm, err := DecisionMessage(r.ProposalPath, d)
	if err != nil {
		t.Fatal(err)
	}
	d.Ref = ""
	if back, ok, err := ParseDecisionMessage(dm); !ok || err != nil || back != d {
		t.Fatalf("ParseDecisionMessage(%q) = %+v, %v, %v", dm, back, ok, err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	good, err := Encode(sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"missing state post", "Writ-State-Post: ", "X-State-Post: ", "missing trailer Writ-State-Post"},
		{"unknown writ trailer", "Writ-Policy:", "Writ-Polcy:", "not a known Writ trailer"},
		{"repeated trailer", "Writ-HLC: 1795408710993.2", "Writ-HLC: 1795408710993.2\nWrit-HLC: 1795408710993.3", "more than once"},
		{"bad hlc", "Writ-HLC: 1795408710993.2", "Writ-HLC: 01.2", "Writ-HLC"},
		{"trailer disagrees with proposal", "Writ-Instance: web-1", "Writ-Instance: web-2", "does not match the proposal"},
		{"bad verdict", "verdict=approve role=sre commit=cccc", "verdict=maybe role=sre commit=cccc", "verdict"},
		{"non-canonical proposal", `"idem_key":"k-1"`, `"idem_key": "k-1"`, "not canonical"},
		{"unknown proposal field", `"idem_key":"k-1"`, `"idem_key":"k-1","extra":1`, "proposal line"},
		{"wrong version", "Writ-Version: 1", "Writ-Version: 2", "version"},
		{"unknown kind", "Writ-Kind: transition", "Writ-Kind: teleport", "unknown kind"},
		{"bad role grant", "Writ-Role-Grant: carol role=sre source=acme/sre", "Writ-Role-Grant: carol sre", "Writ-Role-Grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := strings.Replace(good, tt.from, tt.to, 1)
			if msg == good {
				t.Fatalf("test did not change the message (%q not found)", tt.from)
			}
			_, err := Decode(msg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(sampleRecord())
	f.Add(good)
	f.Add("writ: genesis\n\nWrit-Version: 1\nWrit-Kind: genesis\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, msg string) {
		r, err := Decode(msg)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same record.
		again, err := Encode(r)
		if err != nil {
			return
		}
		if _, err := Decode(again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%s", err, again)
		}
	})
}
