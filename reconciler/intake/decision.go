package intake

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
)

// Trailers of a local decision commit: an empty, signed commit on the
// proposal branch that records one human's approval or rejection.
const (
	keyDecision = "Writ-Decision"
	keyIdentity = "Writ-Identity"
	keySubject  = "Writ-Subject"
	keyContent  = "Writ-Content"
)

// DecisionMessage renders a decision commit message.
func DecisionMessage(proposalPath string, d policies.Decision) (string, error) {
	return gitstore.FormatMessage(
		fmt.Sprintf("writ: %s %s", d.Verdict, proposalPath),
		d.Justification,
		[]gitstore.Trailer{
			{Key: keyDecision, Value: string(d.Verdict)},
			{Key: keyIdentity, Value: d.Identity},
			{Key: keySubject, Value: d.Commit},
			{Key: keyContent, Value: d.Content},
		})
}

// ParseDecision reads a decision commit message. ok is false when the
// message is not a decision at all.
func ParseDecision(msg string) (d policies.Decision, ok bool, err error) {
	_, body, trailers, err := gitstore.ParseMessage(msg)
	if err != nil {
		return d, false, nil
	}
	one := map[string]string{}
	for _, t := range trailers {
		if _, dup := one[t.Key]; dup && (t.Key == keyDecision || t.Key == keyIdentity || t.Key == keySubject || t.Key == keyContent) {
			return d, true, fmt.Errorf("trailer %s appears more than once", t.Key)
		}
		one[t.Key] = t.Value
	}
	v, isDecision := one[keyDecision]
	if !isDecision {
		return d, false, nil
	}
	d = policies.Decision{Identity: one[keyIdentity], Verdict: policies.Verdict(v),
		Commit: one[keySubject], Content: one[keyContent], Justification: oneLine(body)}
	switch {
	case d.Verdict != policies.VerdictApprove && d.Verdict != policies.VerdictReject && d.Verdict != policies.VerdictOverride:
		return d, true, fmt.Errorf("%s %q is not approve, reject or override", keyDecision, v)
	case d.Identity == "":
		return d, true, fmt.Errorf("missing %s", keyIdentity)
	case d.Commit == "":
		return d, true, fmt.Errorf("missing %s", keySubject)
	}
	return d, true, nil
}

// dropContradictions moves to Ignored every decision that names the
// proposal commit being judged but a content hash other than that
// commit's content: it contradicts itself (the commit fixes the content),
// so it is not known what its decider saw, and counting it would record in
// the WAL an approval of content nobody proposed. A decision on another
// commit with the same content still counts (a rebase). A proposal with
// problems is refused anyway and its content may not be final (a rule
// change refused before its whole change was read): its decisions are
// left as they are.
func (p *Pending) dropContradictions() {
	if p.Subject.Content == "" || len(p.Problems) > 0 {
		return
	}
	kept := p.Decisions[:0:0]
	for _, d := range p.Decisions {
		if err := CheckDecisionSubject(d, p.Subject); err != nil {
			p.Ignored = append(p.Ignored, Ignored{Commit: d.Ref, Identity: d.Identity, Reason: err.Error()})
			continue
		}
		kept = append(kept, d)
	}
	p.Decisions = kept
}

// oneLine folds a justification to one line, as decision commits carry it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
