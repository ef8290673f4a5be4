package wal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// referenceDecode is Decode as it was before it was made faster, kept to
// hold the two to the same results and errors. (The approval and role-grant
// trailers, unchanged, are parsed by the same helpers.)
func referenceDecode(msg string) (Record, error) {
	_, body, trailers, err := ParseMessage(msg)
	if err != nil {
		return Record{}, fmt.Errorf("wal message: %w", err)
	}
	var r Record
	single := map[string]string{}
	for _, t := range trailers {
		switch t.Key {
		case KeyApproval:
			if err := r.addApproval(t.Value); err != nil {
				return Record{}, err
			}
		case KeyRoleGrant:
			g, err := parseRoleGrant(t.Value)
			if err != nil {
				return Record{}, err
			}
			r.Entry.Grants = append(r.Entry.Grants, g)
		case KeyCoAuthor:
			if err := checkCoAuthor(t.Value); err != nil {
				return Record{}, err
			}
			r.Entry.CoAuthors = append(r.Entry.CoAuthors, t.Value)
		case KeyQuarantine:
			r.Entry.Quarantine = append(r.Entry.Quarantine, t.Value)
		case KeyGuard:
			parts := strings.SplitN(t.Value, " ", 3)
			if len(parts) < 2 || (parts[1] != "pass" && parts[1] != "fail") {
				return Record{}, fmt.Errorf("wal trailer %s %q: want <name> pass|fail <detail>", t.Key, t.Value)
			}
			g := core.GuardResult{Name: parts[0], Passed: parts[1] == "pass"}
			if len(parts) == 3 {
				g.Detail = parts[2]
			}
			r.Guards = append(r.Guards, g)
		case KeyVersion, KeyKind, KeyInstance, KeyWorkflow, KeyTransition, KeyIdemKey, KeyHLC,
			KeyProposer, KeyProposal, KeySubject, KeyContent, KeyPolicy, KeyOverride, KeyRules,
			KeyInstancePre, KeyInstancePost, KeyStatePre, KeyStatePost, KeyTrigger:
			if _, dup := single[t.Key]; dup {
				return Record{}, fmt.Errorf("wal trailer %s appears more than once", t.Key)
			}
			single[t.Key] = t.Value
		default:
			if strings.HasPrefix(t.Key, "Writ-") {
				return Record{}, fmt.Errorf("wal trailer %s is not a known Writ trailer", t.Key)
			}
		}
	}
	need := func(k string) (string, error) {
		v, ok := single[k]
		if !ok || v == "" {
			return "", fmt.Errorf("wal message: missing trailer %s", k)
		}
		return v, nil
	}
	if v, err := need(KeyVersion); err != nil {
		return Record{}, err
	} else if v != FormatVersion {
		return Record{}, fmt.Errorf("wal trailer %s: version %q, want %q", KeyVersion, v, FormatVersion)
	}
	kind, err := need(KeyKind)
	if err != nil {
		return Record{}, err
	}
	r.Entry.Kind = core.EntryKind(kind)
	for _, k := range []string{KeyIdemKey, KeyHLC, KeyProposer, KeyStatePre, KeyStatePost} {
		if _, err := need(k); err != nil {
			return Record{}, err
		}
	}
	if r.Entry.HLC, err = core.ParseHLC(single[KeyHLC]); err != nil {
		return Record{}, fmt.Errorf("wal trailer %s: %w", KeyHLC, err)
	}
	r.Entry.IdemKey, r.Entry.Signer = single[KeyIdemKey], single[KeyProposer]
	r.Entry.Subject = policies.Subject{Commit: single[KeySubject], Content: single[KeyContent]}
	r.StatePre, r.StatePost = single[KeyStatePre], single[KeyStatePost]
	r.InstancePre, r.InstancePost = single[KeyInstancePre], single[KeyInstancePost]
	r.RulesHash, r.Policy, r.Override = single[KeyRules], single[KeyPolicy], single[KeyOverride]
	if v := single[KeyProposal]; v != "" {
		path, head, ok := strings.Cut(v, "@")
		if !ok || path == "" || head == "" {
			return Record{}, fmt.Errorf("wal trailer %s %q: want <path>@<commit>", KeyProposal, v)
		}
		r.ProposalPath, r.ProposalHead = path, head
		r.Entry.ChangedFiles = []string{path}
	}
	switch r.Entry.Kind {
	case core.KindGenesis, core.KindRules:
		if r.RulesHash == "" {
			return Record{}, fmt.Errorf("wal message: %s entry without %s", kind, KeyRules)
		}
	}
	if err := checkQuarantine(r.Entry.Kind, r.Entry.Quarantine); err != nil {
		return Record{}, err
	}
	if v, ok := single[KeyTrigger]; ok {
		t, err := ParseTrigger(v)
		if err != nil {
			return Record{}, err
		}
		if err := checkTrigger(r.Entry.Kind, &t); err != nil {
			return Record{}, err
		}
		r.Entry.Trigger = &t
	}
	switch r.Entry.Kind {
	case core.KindGenesis:
	case core.KindTransition, core.KindReject, core.KindRules, core.KindRecover:
		p, err := referenceDecodeProposal(body)
		if err != nil {
			return Record{}, err
		}
		// (This loop ranged over a map, so when several trailers disagreed
		// the one named was random; Decode names the first in this order.)
		for _, kv := range [][2]string{{KeyInstance, p.Instance}, {KeyWorkflow, p.Workflow}, {KeyTransition, p.Transition}, {KeyIdemKey, p.IdemKey}} {
			if k, v := kv[0], kv[1]; single[k] != v {
				return Record{}, fmt.Errorf("wal trailer %s %q does not match the proposal's %q", k, single[k], v)
			}
		}
		r.Entry.Proposal = p
	default:
		return Record{}, fmt.Errorf("wal trailer %s: unknown kind %q", KeyKind, kind)
	}
	r.Summary = strings.TrimSpace(strings.SplitN(body, "\n\n", 2)[0])
	return r, nil
}

func referenceDecodeProposal(body string) (*schemas.Proposal, error) {
	for _, line := range strings.Split(body, "\n") {
		raw, ok := strings.CutPrefix(line, proposalLine)
		if !ok {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.DisallowUnknownFields()
		dec.UseNumber() // numbers keep their exact digits, as the loader keeps them
		var p schemas.Proposal
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("wal message: proposal line: %w", err)
		}
		canon, err := schemas.CanonicalJSON(&p)
		if err != nil || string(canon) != raw {
			return nil, fmt.Errorf("wal message: proposal line is not canonical JSON")
		}
		return &p, nil
	}
	return nil, fmt.Errorf("wal message: no %q line in the body", strings.TrimSpace(proposalLine))
}

// checkSameDecode holds Decode to referenceDecode on msg.
func checkSameDecode(t *testing.T, msg string) {
	t.Helper()
	got, err := Decode(msg)
	want, wantErr := referenceDecode(msg)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("Decode(%q) error:\n got %v\nwant %v", msg, err, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%q):\n got %#v\nwant %#v", msg, got, want)
	}
}

// decodeSeeds are messages that decode and messages that do not, each
// failing a different check.
func decodeSeeds(t testing.TB) []string {
	good, err := Encode(sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	seeds := []string{good, "", "writ: genesis\n\nWrit-Version: 1\nWrit-Kind: genesis\n",
		"writ: genesis\n\nWrit-Version: 1\nWrit-Kind: genesis\nWrit-Rules: sha256:1\nWrit-Idem-Key: k\nWrit-HLC: 1.0\nWrit-Proposer: x\nWrit-State-Pre: a\nWrit-State-Post: b\n"}
	for _, r := range [][2]string{
		{"Writ-State-Post: ", "X-State-Post: "},
		{"Writ-Policy:", "Writ-Polcy:"},
		{"Writ-HLC: 1795408710993.2", "Writ-HLC: 1795408710993.2\nWrit-HLC: 1795408710993.3"},
		{"Writ-HLC: 1795408710993.2", "Writ-HLC: 01.2"},
		{"Writ-Instance: web-1", "Writ-Instance: web-2"},
		{"Writ-Instance: web-1\nWrit-Workflow: release", "Writ-Instance: web-2\nWrit-Workflow: other"},
		{"verdict=approve role=sre commit=cccc", "verdict=maybe role=sre commit=cccc"},
		{`"idem_key":"k-1"`, `"idem_key": "k-1"`},
		{`"idem_key":"k-1"`, `"idem_key":"k-1","extra":1`},
		{"Writ-Version: 1", "Writ-Version: 2"},
		{"Writ-Kind: transition", "Writ-Kind: teleport"},
		{"Writ-Kind: transition", "Writ-Kind: rules"},
		{"Writ-Role-Grant: carol role=sre source=acme/sre", "Writ-Role-Grant: carol sre"},
		{"Writ-Guard: capability pass", "Writ-Guard: capability maybe"},
		{"Writ-Guard: capability pass deploy-agent holds propose:release", "Writ-Guard: capability"},
		{"Writ-Guard: capability pass deploy-agent holds propose:release", "Writ-Guard: capability pass"},
		{"Writ-Proposal: proposals/web-1/ship.yaml@", "Writ-Proposal: @"},
		{"Proposal: ", "Proposol: "},
		{"Proposal: {", "Proposal: ["},
		{"\n\nProposal: ", "\n\nSummary line\n\nProposal: "},
	} {
		msg := strings.Replace(good, r[0], r[1], 1)
		if msg == good {
			t.Fatalf("seed replacement %q not found", r[0])
		}
		seeds = append(seeds, msg)
	}
	seeds = append(seeds, recoverSeeds(t)...)
	// Proposal lines with every kind of value and escape, and lines that
	// are valid JSON but not canonical.
	tricky := sampleRecord()
	tricky.Entry.Proposal.Justification = "a \"quoted\" \\ line\nwith\ttabs \x01 \u2028 \u2029 <&> grün 🎉 \ufffd"
	tricky.Entry.Proposal.Owner, tricky.Entry.Proposal.Materiality = "team-\x7f", schemas.MaterialityHigh
	tricky.Entry.Proposal.Inputs = map[string]any{"n": json.Number("-1.5e+07"), "b": true, "f": false, "z": nil,
		"l": []any{"x", json.Number("0"), []any{}, map[string]any{}, map[string]any{"k\n": []any{nil}}}, "é": "\u2028"}
	tricky.Entry.Proposal.Evidence = []schemas.Evidence{{Name: "ci", URI: "https://ci/1", Digest: "sha256:ab"}, {Name: "log"}}
	trickyMsg, err := Encode(tricky)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := referenceDecode(trickyMsg); err != nil {
		t.Fatalf("the tricky message does not decode: %v", err)
	}
	seeds = append(seeds, trickyMsg)
	for _, r := range [][2]string{
		{`"b":true`, `"b": true`},
		{`"b":true`, `"b":true,"b":false`},
		{`"b":true`, `"b":"\u0041"`},
		{`"b":true`, `"b":"\/"`},
		{`"b":true`, `"b":"\ud83c\udf89"`},
		{`"b":true`, `"b":"\ud83c"`},
		{`"b":true`, `"b":"\u00e9"`},
		{`"b":true`, `"b":1.0`},
		{`"b":true`, `"b":01`},
		{`"b":true`, `"b":1e400`},
		{`"b":true`, `"b":tru`},
		{`"b":true`, `"b":[1,]`},
		{`"owner":"team-`, `"owner":null,"x":"team-`},
		{`"owner":"team-`, `"owner":"\u007f`},
		{`"evidence":[`, `"evidence":[],"x":[`},
		{`"name":"log"`, `"name":"log","size":1`},
		{`"name":"log"`, `"uri":"u"`},
		{`,"idem_key"`, `,"inputs":{},"idem_key"`},
		{`"materiality":"high"`, `"materiality":7`},
		{`"workflow":"release"}`, `"workflow":"release"} `},
		{`"workflow":"release"}`, `"workflow":"release"}x`},
		{`"workflow":"release"}`, `"workflow":"release"`},
	} {
		msg := strings.Replace(trickyMsg, r[0], r[1], 1)
		if msg == trickyMsg {
			t.Fatalf("seed replacement %q not found in\n%s", r[0], trickyMsg)
		}
		seeds = append(seeds, msg)
	}
	// And FuzzDecode's corpus.
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzDecode", "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, arg, _ := strings.Cut(string(data), "\n")
		arg = strings.TrimSpace(arg)
		if q, ok := strings.CutPrefix(arg, "string("); ok {
			if msg, err := strconv.Unquote(strings.TrimSuffix(q, ")")); err == nil {
				seeds = append(seeds, msg)
			}
		}
	}
	return seeds
}

// TestParseProposalLine checks that canonical lines do not need
// encoding/json.
func TestParseProposalLine(t *testing.T) {
	r := sampleRecord()
	r.Entry.Proposal.Inputs = map[string]any{"n": json.Number("3"), "s": "x\u2028\"y\"", "l": []any{true, nil}}
	r.Entry.Proposal.Evidence = []schemas.Evidence{{Name: "ci", URI: "u"}}
	canon, err := schemas.CanonicalJSON(r.Entry.Proposal)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := parseProposalLine(string(canon))
	if !ok {
		t.Fatalf("parseProposalLine(%s) failed", canon)
	}
	if !reflect.DeepEqual(p, r.Entry.Proposal) {
		t.Fatalf("parseProposalLine(%s) = %#v, want %#v", canon, p, r.Entry.Proposal)
	}
}

func TestDecodeMatchesReference(t *testing.T) {
	for i, msg := range decodeSeeds(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkSameDecode(t, msg) })
	}
}

func FuzzDecodeMatchesReference(f *testing.F) {
	for _, msg := range decodeSeeds(f) {
		f.Add(msg)
	}
	f.Fuzz(checkSameDecode)
}

func BenchmarkDecode(b *testing.B) {
	msg, err := Encode(sampleRecord())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParsedProposalDoesNotPinLine checks that the proposal's strings are
// not substrings of the line: the state keeps idempotency keys for good,
// and a substring would keep every commit message body alive with them.
func TestParsedProposalDoesNotPinLine(t *testing.T) {
	canon, err := schemas.CanonicalJSON(sampleRecord().Entry.Proposal)
	if err != nil {
		t.Fatal(err)
	}
	line := string(canon)
	p, ok := parseProposalLine(line)
	if !ok {
		t.Fatalf("parseProposalLine(%s) failed", line)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(line)))
	end := start + uintptr(len(line))
	for _, s := range []string{p.IdemKey, p.Instance, p.Workflow, p.Transition, p.BaseState, p.Justification, p.Inputs["change_ticket"].(string)} {
		if at := uintptr(unsafe.Pointer(unsafe.StringData(s))); at >= start && at < end {
			t.Errorf("proposal string %q points into the line", s)
		}
	}
}
