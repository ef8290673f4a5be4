package outbox

import (
	"sort"
	"strings"
	"time"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/schemas"
)

// Target is one configured notifier as the derivation sees it: its name,
// the map from writ.yaml identities to its own user ids, and whether it
// speaks only of proposals that link an issue (Jira).
type Target struct {
	Name string
	// Users maps identities of writ.yaml to the target's ids (Slack
	// member ids, Jira account ids).
	Users map[string]string
	// NeedsIssue: the target is only told about proposals whose Issue is
	// known.
	NeedsIssue bool
	// Direct: the target also writes to each person an escalation
	// notifies, and maps, directly (a Slack direct message): one more
	// effect per person, with Effect.Recipient set.
	Direct bool
}

// Derivation is what Derive reads besides the report: the targets and,
// when the source knows it, where a human sees a proposal.
type Derivation struct {
	Targets []Target
	// Link returns the URL of a proposal (a pull request's); nil or ""
	// when the source has none.
	Link func(p intake.Pending) string
}

// Derive returns the effects one reconcile owes the targets, from what the
// loop did (r) and nothing else, in a deterministic order: for each entry
// in r.Applied (log order), an applied, rejected, withdrawn or timed-out
// effect per target; for each escalate entry in r.Waited, an escalated
// effect per target naming whom the step notifies, and for a Direct
// target one more per person it maps (see escalated); then for each proposal r.Skipped holds as waiting for a human
// (in report order), a waiting effect and one approval effect per counted
// approval. Approval effects are keyed per approver, so recording them
// again each run adds only the approvals that are new: the outbox keeps
// the first record of a key. Subjects: the entry's commit for an entry, the
// proposal head for a waiting proposal (head/approver for an approval).
// Derive is pure: no clock, no I/O, no map order.
func Derive(r *outcome.Report, d Derivation) []Effect {
	if r == nil {
		return nil
	}
	var rules *schemas.Bundle
	if r.State.Rules() != nil {
		rules = r.State.Rules()
	}
	var out []Effect
	for _, ap := range r.Applied {
		g := ap.Gate
		ev, ok := closingEvent(g)
		if !ok || g.Pending.Proposal == nil {
			continue
		}
		base := baseEffect(g, d)
		base.Event, base.Subject, base.Entry = ev, ap.Commit.String(), ap.Commit.String()
		base.At = hlcTime(g.Entry.HLC)
		if g.Outcome.Policy != nil {
			base.Approvals = counted(*g.Outcome.Policy)
		}
		out = append(out, forTargets(base, d.Targets)...)
	}
	// The policy as the gate judged each waiting proposal this run, with
	// its decisions: an escalate entry carries none, so its own outcome
	// counts no approval.
	judged := map[string]policies.Result{}
	for _, g := range r.Skipped {
		if g.Verdict == intake.VerdictWaiting && g.Outcome.Policy != nil {
			judged[g.Pending.Path] = *g.Outcome.Policy
		}
	}
	for _, ap := range r.Waited {
		out = append(out, escalated(ap, rules, d, judged)...)
	}
	for _, g := range r.Skipped {
		if g.Verdict != intake.VerdictWaiting || g.Pending.Proposal == nil || g.Outcome.Policy == nil ||
			g.Outcome.Policy.Status != policies.StatusPending {
			continue
		}
		base := baseEffect(g, d)
		head := proposalHead(g.Pending)
		base.Event, base.Subject = EventWaiting, head
		base.Summary = g.Reason
		base.Approvals = counted(*g.Outcome.Policy)
		escalated := escalationsOf(r.State, rules, g)
		for _, t := range d.Targets {
			e := base
			e.MustAct = mustAct(rules, *g.Outcome.Policy, g.Pending.Proposer, t.Users, escalated)
			out = append(out, forTargets(e, []Target{t})...)
			for _, who := range e.Approvals {
				a := e
				a.Event, a.Subject = EventApproval, head+"/"+who
				out = append(out, forTargets(a, []Target{t})...)
			}
		}
	}
	return out
}

// proposalHead is what a waiting proposal's effects are keyed by: the
// last commit that changed the proposal's content (decision commits on
// the branch do not change it, so an approval does not re-key the wait;
// a new revision does), else the branch head.
func proposalHead(p intake.Pending) string {
	if p.Subject.Commit != "" {
		return p.Subject.Commit
	}
	return p.Head.String()
}

// closingEvent maps an applied entry's outcome to its event. A timeout
// entry rejects, but nobody rejected: it is told as a timeout.
func closingEvent(g intake.GateResult) (Event, bool) {
	if g.Entry.Kind == core.KindTimeout && g.Outcome.Status == core.StatusRejected {
		return EventTimedOut, true
	}
	switch g.Outcome.Status {
	case core.StatusApplied:
		return EventApplied, true
	case core.StatusRejected:
		return EventRejected, true
	case core.StatusWithdrawn:
		return EventWithdrawn, true
	}
	return "", false
}

// baseEffect fills what every effect of one proposal shares.
func baseEffect(g intake.GateResult, d Derivation) Effect {
	p := g.Pending
	e := Effect{
		Thread: p.Path, Instance: p.Proposal.Instance, Workflow: p.Proposal.Workflow,
		Transition: p.Proposal.Transition, Proposer: p.Proposer, Issue: IssueOf(p.Proposal, p.Branch),
	}
	if d.Link != nil {
		e.Link = d.Link(p)
	}
	return e
}

// forTargets copies e once per target that wants it, with its target and
// key.
func forTargets(e Effect, targets []Target) []Effect {
	var out []Effect
	for _, t := range targets {
		if t.NeedsIssue && e.Issue == "" {
			continue
		}
		c := e
		c.Target = t.Name
		c.Key = c.KeyFor()
		c.MustAct = append([]Actor(nil), e.MustAct...)
		c.Notify = append([]Actor(nil), e.Notify...)
		out = append(out, c)
	}
	return out
}

// counted lists the identities whose approvals count anywhere in the
// policy tree, sorted, once each.
func counted(r policies.Result) []string {
	seen := map[string]bool{}
	var walk func(n policies.Result)
	walk = func(n policies.Result) {
		for _, v := range n.Counted {
			seen[v.Identity] = true
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r)
	out := make([]string, 0, len(seen))
	for who := range seen {
		out = append(out, who)
	}
	sort.Strings(out)
	return out
}

// escalationsOf returns the escalation steps that the wait state s records
// for g's proposal (same content) reached: whose approvals count for it
// besides its policy's rules.
func escalationsOf(s core.State, rules *schemas.Bundle, g intake.GateResult) []policies.Escalation {
	w, ok := s.WaitOf(g.Pending.Path)
	if !ok || rules == nil || len(w.Escalated) == 0 || w.Content != g.Entry.Subject.Content {
		return nil
	}
	return core.EscalationsOf(rules, w)
}

// mustAct resolves the pending rules of a policy result to the identities
// whose approval would count (policies.EscalatedApprovers: those the
// escalation steps reached admit included), once each in identity order,
// with the role that makes each eligible and its id in the target.
func mustAct(rules *schemas.Bundle, res policies.Result, author string, users map[string]string, escalated []policies.Escalation) []Actor {
	if rules == nil {
		return nil
	}
	pol, ok := rules.Policy(res.Name)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []Actor
	var walk func(n policies.Result)
	walk = func(n policies.Result) {
		if n.Kind == policies.KindRule && n.Status == policies.StatusPending {
			for _, a := range policies.EscalatedApprovers(pol, rules.Config.Identities, n, author, escalated) {
				if !seen[a.Identity] {
					seen[a.Identity] = true
					out = append(out, Actor{Identity: a.Identity, Role: a.Role, TargetID: users[a.Identity]})
				}
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(res)
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out
}

// issueKey is a Jira issue key, as the Jira notifier takes it
// (schemas.JiraIssueKey: at most schemas.MaxJiraIssueDigits digits).
var issueKey = schemas.JiraIssueKey

// IssueOf returns the Jira issue a proposal links, upper-cased ("OPS-12"):
// the first evidence named "jira" whose uri is an issue key or ends in one
// (".../browse/OPS-12"); else the last segment of the branch name when it
// starts with an issue key followed by nothing or '-', '_' or '.'
// ("proposals/web-1/ops-12-fix" -> OPS-12). "" when neither names one.
func IssueOf(p *schemas.Proposal, branch string) string {
	if p != nil {
		for _, ev := range p.Evidence {
			if !strings.EqualFold(ev.Name, "jira") {
				continue
			}
			uri := strings.TrimRight(ev.URI, "/")
			uri = uri[strings.LastIndex(uri, "/")+1:]
			if m := issueKey.FindString(uri); m != "" && m == uri {
				return strings.ToUpper(m)
			}
		}
	}
	last := branch[strings.LastIndex(branch, "/")+1:]
	m := issueKey.FindString(last)
	if m == "" {
		return ""
	}
	if rest := last[len(m):]; rest != "" && !strings.ContainsRune("-_.", rune(rest[0])) {
		return ""
	}
	return strings.ToUpper(m)
}

// hlcTime is an entry clock's wall time in RFC 3339, UTC.
func hlcTime(h core.HLC) string {
	if h.Wall == 0 {
		return ""
	}
	return time.UnixMilli(h.Wall).UTC().Format(time.RFC3339)
}
