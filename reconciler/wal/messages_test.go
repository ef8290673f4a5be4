package wal

import (
	"errors"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

func TestCheckpointMessage(t *testing.T) {
	at := "0123456789abcdef0123456789abcdef01234567"
	msg, err := CheckpointMessage(at)
	if err != nil {
		t.Fatal(err)
	}
	if want := "writ checkpoint at 0123456789ab\n\nWrit-Checkpoint-At: " + at + "\n"; msg != want {
		t.Fatalf("CheckpointMessage = %q, want %q", msg, want)
	}
	if got, err := CheckpointAt(msg); err != nil || got != at {
		t.Fatalf("CheckpointAt = %q, %v; want %q", got, err, at)
	}
	for _, tt := range []struct{ msg, err string }{
		{"", "empty subject"},
		{"writ checkpoint\n\nWrit-Other: x\n", "want one Writ-Checkpoint-At trailer, found 0"},
		{"c\n\nWrit-Checkpoint-At: " + at + "\nWrit-Checkpoint-At: " + at + "\n", "found 2"},
		{"c\n\nWrit-Checkpoint-At: " + strings.ToUpper(at) + "\n", "is not a commit hash"},
		{"c\n\nWrit-Checkpoint-At: " + at[:39] + "\n", "is not a commit hash"},
		{"c\n\nWrit-Checkpoint-At: " + strings.Repeat("0", 40) + "\n", "is not a commit hash"},
	} {
		if got, err := CheckpointAt(tt.msg); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("CheckpointAt(%q) = %q, %v; want an error with %q", tt.msg, got, err, tt.err)
		}
	}
	if _, err := CheckpointAt("a\nb"); !errors.Is(err, ErrMalformedMessage) {
		t.Errorf("CheckpointAt of a malformed message: %v, want ErrMalformedMessage", err)
	}
}

func TestProposalMessage(t *testing.T) {
	for _, tt := range []struct {
		p    schemas.Proposal
		want string
	}{
		{schemas.Proposal{Instance: "web-1", Transition: "ship"}, "propose: ship web-1\n"},
		{schemas.Proposal{Instance: "web-1", Transition: "ship", Justification: "hotfix for\nthe outage"}, "propose: ship web-1\n\nhotfix for\nthe outage\n"},
		{schemas.Proposal{Instance: schemas.RulesInstance, Transition: schemas.RulesTransition, Justification: "two approvers"}, "propose: change the rules\n\ntwo approvers\n"},
	} {
		if got, err := ProposalMessage(tt.p); err != nil || got != tt.want {
			t.Errorf("ProposalMessage(%+v) = %q, %v; want %q", tt.p, got, err, tt.want)
		}
	}
}

func TestDecisionMessage(t *testing.T) {
	commit := strings.Repeat("a", 40)
	content := "sha256:" + strings.Repeat("0", 64)
	d := policies.Decision{Identity: "alice", Verdict: policies.VerdictReject, Commit: commit, Content: content, Justification: "not yet"}
	msg, err := DecisionMessage("proposals/web-1/ship.yaml", d)
	if err != nil {
		t.Fatal(err)
	}
	want := "writ: reject proposals/web-1/ship.yaml\n\nnot yet\n\nWrit-Decision: reject\nWrit-Identity: alice\nWrit-Subject: " + commit + "\nWrit-Content: " + content + "\n"
	if msg != want {
		t.Fatalf("DecisionMessage = %q, want %q", msg, want)
	}
	got, ok, err := ParseDecisionMessage(msg)
	if !ok || err != nil || got != d {
		t.Fatalf("ParseDecisionMessage = %+v, %v, %v; want %+v", got, ok, err, d)
	}
	// The plan the decider was shown is one more trailer, read back.
	d.Plan = "sha256:" + strings.Repeat("b", 64)
	msg, err = DecisionMessage("proposals/web-1/ship.yaml", d)
	if err != nil || !strings.HasSuffix(msg, "\nWrit-Content: "+content+"\nWrit-Plan: "+d.Plan+"\n") {
		t.Fatalf("DecisionMessage with a plan = %q, %v", msg, err)
	}
	if got, ok, err := ParseDecisionMessage(msg); !ok || err != nil || got != d {
		t.Fatalf("ParseDecisionMessage = %+v, %v, %v; want %+v", got, ok, err, d)
	}
	if _, _, err := ParseDecisionMessage(msg + "Writ-Plan: sha256:00\n"); err == nil {
		t.Fatal("a repeated Writ-Plan trailer parses")
	}
	// Values that are not what their trailer holds are malformed, and
	// writ never writes them: one with a space would read back from the
	// WAL's one-line decision as another decision.
	for _, bad := range []policies.Decision{
		{Identity: "alice", Verdict: policies.VerdictApprove, Commit: commit, Plan: "sha256:00 ref=" + commit},
		{Identity: "alice", Verdict: policies.VerdictApprove, Commit: commit, Content: "sha256:" + strings.Repeat("A", 64)},
		{Identity: "alice", Verdict: policies.VerdictApprove, Commit: commit[:39] + " "},
		{Identity: "alice role=x", Verdict: policies.VerdictApprove, Commit: commit},
	} {
		if _, err := DecisionMessage("proposals/web-1/ship.yaml", bad); err == nil {
			t.Errorf("DecisionMessage(%+v) wrote a malformed decision", bad)
		}
		raw := "writ: approve x\n\nWrit-Decision: approve\nWrit-Identity: " + bad.Identity + "\nWrit-Subject: " + bad.Commit + "\n"
		if bad.Content != "" {
			raw += "Writ-Content: " + bad.Content + "\n"
		}
		if bad.Plan != "" {
			raw += "Writ-Plan: " + bad.Plan + "\n"
		}
		if _, ok, err := ParseDecisionMessage(raw); !ok || err == nil {
			t.Errorf("ParseDecisionMessage(%q) = %v, %v; want a malformed decision", raw, ok, err)
		}
	}
	for _, tt := range []struct {
		msg string
		ok  bool
		err string
	}{
		{"propose: ship web-1\n", false, ""},
		{"a\nb", false, ""},
		{"s\n\nWrit-Decision: maybe\nWrit-Identity: a\nWrit-Subject: x\n", true, `Writ-Decision "maybe" is not approve, reject, override or withdraw`},
		{"s\n\nWrit-Decision: approve\nWrit-Subject: x\n", true, "missing Writ-Identity"},
		{"s\n\nWrit-Decision: approve\nWrit-Identity: a\n", true, "missing Writ-Subject"},
		{"s\n\nWrit-Decision: approve\nWrit-Identity: a\nWrit-Identity: b\nWrit-Subject: x\n", true, "trailer Writ-Identity appears more than once"},
	} {
		_, ok, err := ParseDecisionMessage(tt.msg)
		if ok != tt.ok || (tt.err == "") != (err == nil) || err != nil && err.Error() != tt.err {
			t.Errorf("ParseDecisionMessage(%q) = %v, %v; want %v, %q", tt.msg, ok, err, tt.ok, tt.err)
		}
	}
}
