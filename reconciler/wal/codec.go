package wal

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// FormatVersion is the value of the Writ-Version trailer.
const FormatVersion = "1"

// Trailer keys.
const (
	KeyVersion      = "Writ-Version"
	KeyKind         = "Writ-Kind"
	KeyInstance     = "Writ-Instance"
	KeyWorkflow     = "Writ-Workflow"
	KeyTransition   = "Writ-Transition"
	KeyIdemKey      = "Writ-Idem-Key"
	KeyHLC          = "Writ-HLC"
	KeyProposer     = "Writ-Proposer"
	KeyCoAuthor     = "Writ-Co-Author"
	KeyProposal     = "Writ-Proposal"
	KeySubject      = "Writ-Subject"
	KeyContent      = "Writ-Content"
	KeyApproval     = "Writ-Approval"
	KeyGuard        = "Writ-Guard"
	KeyPolicy       = "Writ-Policy"
	KeyOverride     = "Writ-Override"
	KeyRoleGrant    = "Writ-Role-Grant"
	KeyRules        = "Writ-Rules"
	KeyInstancePre  = "Writ-Instance-Pre"
	KeyInstancePost = "Writ-Instance-Post"
	KeyStatePre     = "Writ-State-Pre"
	KeyStatePost    = "Writ-State-Post"
	// KeyQuarantine names one commit a recover entry quarantines (full
	// hash), once per commit, oldest first; no other entry carries it.
	KeyQuarantine = "Writ-Quarantine"
	// KeyWaitingFor names one rule a wait entry's proposal waits for
	// (see wait.go); no other entry carries it.
	KeyWaitingFor = "Writ-Waiting-For"
)

// proposalLine prefixes the body line holding the proposal JSON.
const proposalLine = "Proposal: "

// Record is one WAL entry with everything its commit message carries: the
// entry Apply consumes plus the audit facts around it.
type Record struct {
	Entry core.Entry
	// ProposalPath is the proposal file's path in the tree, and
	// ProposalHead the proposal branch head merged as the second parent
	// (a reject entry has one parent and only names it).
	ProposalPath string
	ProposalHead string
	// RulesHash is the rules hash a genesis or rules entry installs.
	RulesHash string
	// Guards and Policy are the outcome's audit facts.
	Guards []core.GuardResult
	Policy string
	// Roles maps approver identity to the role that made the approval
	// count, for the audit trail.
	Roles map[string]string
	// Override names the identity whose break-glass override applied the
	// entry without a satisfied policy; it is flagged in the audit trail.
	Override string
	// WaitingFor are a wait entry's Writ-Waiting-For values, one per rule
	// the proposal waits for (FormatWaitingFor).
	WaitingFor []string
	// Summary is a short human description of the change.
	Summary                   string
	StatePre, StatePost       string
	InstancePre, InstancePost string
}

// Encode renders the record as a commit message.
func Encode(r Record) (string, error) {
	e := r.Entry
	t := []Trailer{{Key: KeyVersion, Value: FormatVersion}, {Key: KeyKind, Value: string(e.Kind)}}
	add := func(k, v string) { t = append(t, Trailer{Key: k, Value: v}) }
	var subject string
	var body strings.Builder
	body.WriteString(r.Summary)
	switch e.Kind {
	case core.KindGenesis:
		subject = fmt.Sprintf("writ: %s %s", e.Kind, short(r.RulesHash))
	case core.KindTransition, core.KindGoal, core.KindReject, core.KindRules, core.KindRecover, core.KindWithdraw, core.KindWait, core.KindTimeout, core.KindEscalate:
		p := e.Proposal
		if p == nil {
			return "", fmt.Errorf("encode %s entry: no proposal", e.Kind)
		}
		switch e.Kind {
		case core.KindReject, core.KindWithdraw, core.KindWait, core.KindTimeout, core.KindEscalate:
			subject = fmt.Sprintf("writ: %s %s %s", e.Kind, p.Transition, p.Instance)
		case core.KindRules:
			subject = fmt.Sprintf("writ: rules %s", short(r.RulesHash))
		case core.KindRecover:
			subject = fmt.Sprintf("writ: recover, quarantine %d commit(s)", len(e.Quarantine))
		default:
			subject = fmt.Sprintf("writ: %s %s", p.Transition, p.Instance)
		}
		canon, err := schemas.CanonicalJSON(p)
		if err != nil {
			return "", fmt.Errorf("encode proposal: %w", err)
		}
		body.WriteString("\n\n" + proposalLine + string(canon))
		add(KeyInstance, p.Instance)
		add(KeyWorkflow, p.Workflow)
		add(KeyTransition, p.Transition)
	default:
		return "", fmt.Errorf("encode: unknown entry kind %q", e.Kind)
	}
	add(KeyIdemKey, e.IdemKey)
	add(KeyHLC, e.HLC.String())
	add(KeyProposer, e.Signer)
	for _, a := range e.CoAuthors {
		if err := checkCoAuthor(a); err != nil {
			return "", fmt.Errorf("encode: %w", err)
		}
		add(KeyCoAuthor, a)
	}
	if err := checkTrigger(e.Kind, e.Trigger); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	if e.Trigger != nil {
		add(KeyTrigger, FormatTrigger(*e.Trigger))
	}
	if r.ProposalPath != "" {
		add(KeyProposal, r.ProposalPath+"@"+r.ProposalHead)
	}
	if e.Subject.Commit != "" {
		add(KeySubject, e.Subject.Commit)
	}
	if e.Subject.Content != "" {
		add(KeyContent, e.Subject.Content)
	}
	if err := checkQuarantine(e.Kind, e.Quarantine); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	for _, h := range e.Quarantine {
		add(KeyQuarantine, h)
	}
	if err := checkWait(r); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	for _, w := range r.WaitingFor {
		add(KeyWaitingFor, w)
	}
	for _, d := range e.Decisions {
		add(KeyApproval, formatDecision(d, r.Roles[d.Identity]))
	}
	for _, g := range e.Grants {
		add(KeyRoleGrant, fmt.Sprintf("%s role=%s source=%s", g.Identity, g.Role, g.Source))
	}
	for _, g := range r.Guards {
		verdict := "fail"
		if g.Passed {
			verdict = "pass"
		}
		add(KeyGuard, fmt.Sprintf("%s %s %s", strings.ReplaceAll(g.Name, " ", "-"), verdict, oneLine(g.Detail)))
	}
	if r.Policy != "" {
		add(KeyPolicy, oneLine(r.Policy))
	}
	if r.Override != "" {
		add(KeyOverride, r.Override)
	}
	if r.RulesHash != "" {
		add(KeyRules, r.RulesHash)
	}
	if r.InstancePre != "" {
		add(KeyInstancePre, r.InstancePre)
		add(KeyInstancePost, r.InstancePost)
	}
	add(KeyStatePre, r.StatePre)
	add(KeyStatePost, r.StatePost)
	return FormatMessage(subject, body.String(), t)
}

func formatDecision(d policies.Decision, role string) string {
	if role == "" {
		role = "-"
	}
	s := fmt.Sprintf("%s verdict=%s role=%s commit=%s", d.Identity, d.Verdict, role, d.Commit)
	if d.Content != "" {
		s += " content=" + d.Content
	}
	if d.Ref != "" {
		s += " ref=" + d.Ref
	}
	if d.Plan != "" {
		s += " plan=" + d.Plan
	}
	if d.Justification != "" {
		s += " justification=" + strconv.Quote(oneLine(d.Justification))
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func short(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// singleKeys are the trailers that may appear at most once, in the order
// of their slots in Decode's table.
var singleKeys = [...]string{
	KeyVersion, KeyKind, KeyInstance, KeyWorkflow, KeyTransition, KeyIdemKey, KeyHLC,
	KeyProposer, KeyProposal, KeySubject, KeyContent, KeyPolicy, KeyOverride, KeyRules,
	KeyInstancePre, KeyInstancePost, KeyStatePre, KeyStatePost, KeyTrigger,
}

// singleSlots maps each of singleKeys to its slot.
var singleSlots = func() map[string]int {
	m := make(map[string]int, len(singleKeys))
	for i, k := range singleKeys {
		m[k] = i
	}
	return m
}()

// singleSlot returns the slot of a single-valued trailer key, or -1.
func singleSlot(key string) int {
	if i, ok := singleSlots[key]; ok {
		return i
	}
	return -1
}

// singles holds the single-valued trailers of one message by slot.
type singles struct {
	value [len(singleKeys)]string
	seen  [len(singleKeys)]bool
}

func (s *singles) get(key string) string { return s.value[singleSlot(key)] }

// addApproval records a Writ-Approval trailer's decision and the role it
// counted in.
func (r *Record) addApproval(value string) error {
	d, role, err := parseDecision(value)
	if err != nil {
		return fmt.Errorf("wal trailer %s %q: %w", KeyApproval, value, err)
	}
	r.Entry.Decisions = append(r.Entry.Decisions, d)
	if role != "-" {
		if r.Roles == nil {
			r.Roles = map[string]string{}
		}
		r.Roles[d.Identity] = role
	}
	return nil
}

// checkCoAuthor refuses a Writ-Co-Author value that is not one identity
// name (empty, or with spaces).
func checkCoAuthor(v string) error {
	if v == "" || len(strings.Fields(v)) != 1 || strings.TrimSpace(v) != v {
		return fmt.Errorf("wal trailer %s %q: want one identity name", KeyCoAuthor, v)
	}
	return nil
}

// parseRoleGrant parses a Writ-Role-Grant trailer:
// "<identity> role=<role> source=<org/team>".
func parseRoleGrant(value string) (core.RoleGrant, error) {
	var g core.RoleGrant
	var role, source string
	fields := strings.Fields(value)
	if len(fields) == 3 {
		g.Identity = fields[0]
		role, _ = strings.CutPrefix(fields[1], "role=")
		source, _ = strings.CutPrefix(fields[2], "source=")
	}
	if g.Identity == "" || role == "" || source == "" || strings.Contains(role, "=") || strings.Contains(source, "=") ||
		!strings.HasPrefix(fields[1], "role=") || !strings.HasPrefix(fields[2], "source=") {
		return g, fmt.Errorf("wal trailer %s %q: want <identity> role=<role> source=<org/team>", KeyRoleGrant, value)
	}
	g.Role, g.Source = role, source
	return g, nil
}

// Decode parses a WAL commit message. It never panics; every error names
// the trailer or line at fault.
func Decode(msg string) (Record, error) {
	_, body, trailers, err := ParseMessage(msg)
	if err != nil {
		return Record{}, fmt.Errorf("wal message: %w", err)
	}
	var r Record
	var single singles
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
		case KeyWaitingFor:
			r.WaitingFor = append(r.WaitingFor, t.Value)
		case KeyGuard:
			name, rest, spaced := strings.Cut(t.Value, " ")
			verdict, detail, hasDetail := strings.Cut(rest, " ")
			if !spaced || (verdict != "pass" && verdict != "fail") {
				return Record{}, fmt.Errorf("wal trailer %s %q: want <name> pass|fail <detail>", t.Key, t.Value)
			}
			g := core.GuardResult{Name: name, Passed: verdict == "pass"}
			if hasDetail {
				g.Detail = detail
			}
			r.Guards = append(r.Guards, g)
		default:
			if i := singleSlot(t.Key); i >= 0 {
				if single.seen[i] {
					return Record{}, fmt.Errorf("wal trailer %s appears more than once", t.Key)
				}
				single.value[i], single.seen[i] = t.Value, true
			} else if strings.HasPrefix(t.Key, "Writ-") {
				return Record{}, fmt.Errorf("wal trailer %s is not a known Writ trailer", t.Key)
			}
		}
	}
	need := func(k string) (string, error) {
		v := single.get(k)
		if v == "" {
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
	for _, k := range [...]string{KeyIdemKey, KeyHLC, KeyProposer, KeyStatePre, KeyStatePost} {
		if _, err := need(k); err != nil {
			return Record{}, err
		}
	}
	if r.Entry.HLC, err = core.ParseHLC(single.get(KeyHLC)); err != nil {
		return Record{}, fmt.Errorf("wal trailer %s: %w", KeyHLC, err)
	}
	r.Entry.IdemKey, r.Entry.Signer = single.get(KeyIdemKey), single.get(KeyProposer)
	r.Entry.Subject = policies.Subject{Commit: single.get(KeySubject), Content: single.get(KeyContent)}
	r.StatePre, r.StatePost = single.get(KeyStatePre), single.get(KeyStatePost)
	r.InstancePre, r.InstancePost = single.get(KeyInstancePre), single.get(KeyInstancePost)
	r.RulesHash, r.Policy, r.Override = single.get(KeyRules), single.get(KeyPolicy), single.get(KeyOverride)
	if v := single.get(KeyProposal); v != "" {
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
	if v := single.get(KeyTrigger); single.seen[singleSlot(KeyTrigger)] {
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
	case core.KindTransition, core.KindGoal, core.KindReject, core.KindRules, core.KindRecover, core.KindWithdraw, core.KindWait, core.KindTimeout, core.KindEscalate:
		p, err := decodeProposal(body)
		if err != nil {
			return Record{}, err
		}
		// In this order, so that the error is always the same one.
		for _, kv := range [...][2]string{{KeyInstance, p.Instance}, {KeyWorkflow, p.Workflow}, {KeyTransition, p.Transition}, {KeyIdemKey, p.IdemKey}} {
			if k, v := kv[0], kv[1]; single.get(k) != v {
				return Record{}, fmt.Errorf("wal trailer %s %q does not match the proposal's %q", k, single.get(k), v)
			}
		}
		r.Entry.Proposal = p
		if r.Entry.Kind.RecordsWait() || r.Entry.Kind == core.KindTimeout {
			r.Entry.Path = r.ProposalPath
		}
	default:
		return Record{}, fmt.Errorf("wal trailer %s: unknown kind %q", KeyKind, kind)
	}
	if err := checkWait(r); err != nil {
		return Record{}, err
	}
	summary, _, _ := strings.Cut(body, "\n\n")
	r.Summary = strings.TrimSpace(summary)
	return r, nil
}

func decodeProposal(body string) (*schemas.Proposal, error) {
	for rest := body; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		raw, ok := strings.CutPrefix(line, proposalLine)
		if !ok {
			continue
		}
		if p, ok := parseProposalLine(raw); ok {
			if canon, err := schemas.CanonicalJSON(p); err == nil && string(canon) == raw {
				return p, nil
			}
		}
		dec := json.NewDecoder(strings.NewReader(raw))
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

// parseDecision parses "<identity> key=value ..." where a value may be a
// Go-quoted string.
func parseDecision(s string) (policies.Decision, string, error) {
	id, rest, _ := strings.Cut(s, " ")
	if id == "" {
		return policies.Decision{}, "", fmt.Errorf("no identity")
	}
	d := policies.Decision{Identity: id}
	role := "-"
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			return d, "", fmt.Errorf("want key=value at %q", rest)
		}
		var val string
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				return d, "", fmt.Errorf("%s: bad quoted value", key)
			}
			val, _ = strconv.Unquote(q)
			rest = after[len(q):]
		} else {
			val, rest, _ = strings.Cut(after, " ")
		}
		switch key {
		case "verdict":
			d.Verdict = policies.Verdict(val)
		case "role":
			role = val
		case "commit":
			d.Commit = val
		case "content":
			d.Content = val
		case "ref":
			d.Ref = val
		case "justification":
			d.Justification = val
		case "plan":
			d.Plan = val
		default:
			return d, "", fmt.Errorf("unknown field %q", key)
		}
	}
	switch d.Verdict {
	case policies.VerdictApprove, policies.VerdictReject, policies.VerdictOverride, policies.VerdictWithdraw:
	default:
		return d, "", fmt.Errorf("verdict %q is not approve, reject, override or withdraw", d.Verdict)
	}
	return d, role, nil
}
