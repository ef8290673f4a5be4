package audit

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/plan"
)

// Text writes the entry for a terminal: the commit, when and who signed
// it, what it did, who proposed it with what words, the instance and
// repository state before and after, the guards, the policy that judged
// it with its version and the rules in force, the entry's plan digest,
// and every decision with its verdict, justification, what it covers,
// where it is recorded and the plan its decider was shown. Every string a
// proposer or decider chose is neutralised (plan.Clean).
func (en Entry) Text(w io.Writer) {
	var b strings.Builder
	c := plan.Clean
	fmt.Fprintf(&b, "entry %s  %s  signed by %s\n", short(en.Commit), en.Time.Format(time.RFC3339), c(en.SignedBy))
	fmt.Fprintf(&b, "  %s: %s\n", en.Kind, c(en.Summary))
	fmt.Fprintf(&b, "  commit %s  hlc %s  idem_key %s\n", en.Commit, en.HLC, c(en.IdemKey))
	switch {
	case en.Kind == core.KindRules && en.Proposal != "":
		fmt.Fprintf(&b, "  rules change: %s\n", c(en.Proposal))
	case en.Kind == core.KindRecover && en.Proposal != "":
		fmt.Fprintf(&b, "  recovery: %s\n", c(en.Proposal))
	case en.Before == nil && en.After == nil && en.Proposal != "":
		fmt.Fprintf(&b, "  proposal: %s\n", c(en.Proposal))
	}
	fmt.Fprintf(&b, "  proposer: %s", c(en.Proposer))
	if en.Proposal != "" {
		fmt.Fprintf(&b, "  (%s, signed commit %s", c(en.Proposal), short(en.Subject.Commit))
		if s := en.ProposerSignature; s != nil && s.Format != "" {
			fmt.Fprintf(&b, ", %s %s", c(s.Format), c(s.Fingerprint))
		}
		if en.Attested {
			b.WriteString(", not in this repository: attested by the reconciler")
		}
		b.WriteString(")")
	}
	b.WriteByte('\n')
	if en.Subject.Content != "" {
		fmt.Fprintf(&b, "  content: %s\n", en.Subject.Content)
	}
	if len(en.CoAuthors) > 0 {
		fmt.Fprintf(&b, "  co-authors: %s\n", c(strings.Join(en.CoAuthors, ", ")))
	}
	if t := en.Trigger; t != nil {
		who := "named by the proposal"
		if en.TriggerBy == TriggerByReconciler {
			who = "the " + strings.ReplaceAll(string(t.Kind), "_", " ") + " that carried the proposal, on the reconciler's word"
		}
		what := string(t.Kind)
		for _, v := range []string{t.Ref, t.URL} {
			if v != "" {
				what += " " + v
			}
		}
		fmt.Fprintf(&b, "  trigger: %s (%s)\n", c(what), who)
	}
	if en.Proposal != "" {
		writeWords(&b, en)
	}
	switch {
	case en.Before == nil && en.After == nil:
	case en.Kind == core.KindReject:
		fmt.Fprintf(&b, "  instance %s (workflow %s): %s → %s, %s rejected\n", c(en.Instance), c(en.Workflow),
			c(en.Before.String()), c(en.After.String()), c(en.Transition))
	default:
		fmt.Fprintf(&b, "  instance %s (workflow %s): %s → %s by %s\n", c(en.Instance), c(en.Workflow),
			c(en.Before.String()), c(en.After.String()), c(en.Transition))
	}
	if en.InstancePre != "" || en.InstancePost != "" {
		fmt.Fprintf(&b, "    instance hash %s → %s\n", orNone(en.InstancePre), orNone(en.InstancePost))
	}
	for _, g := range en.Guards {
		mark := "pass"
		if !g.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "  guard %s %s: %s\n", c(g.Name), mark, c(g.Detail))
	}
	if j := en.Judge; j != nil {
		what := "policy"
		if j.Governance {
			what = "governance policy"
		}
		fmt.Fprintf(&b, "  judged by: %s %s, version %s, of the rules in force %s\n", what, c(j.Policy), j.Version, j.Rules)
	} else if en.Policy != "" {
		fmt.Fprintf(&b, "  policy: %s\n", c(en.Policy))
	}
	if en.Plan != "" {
		fmt.Fprintf(&b, "  plan: %s (recomputed from the state before this entry)\n", en.Plan)
	}
	for _, d := range en.Decisions {
		writeDecision(&b, d)
	}
	if en.Override != "" {
		fmt.Fprintf(&b, "  OVERRIDE (break-glass) by %s\n", c(en.Override))
	}
	for _, f := range en.Quarantined {
		fmt.Fprintf(&b, "  QUARANTINED %s by %s %q (not written by writ; its changes are not in the state)\n", f.Commit, c(f.Author), c(f.Subject))
	}
	if en.RulesHash != "" {
		fmt.Fprintf(&b, "  rules installed: %s\n", en.RulesHash)
	}
	fmt.Fprintf(&b, "  state %s → %s\n", en.StatePre, en.StatePost)
	_, _ = io.WriteString(w, b.String())
}

// writeWords writes the proposal's justification, evidence and inputs.
func writeWords(b *strings.Builder, en Entry) {
	c := plan.Clean
	if en.Justification == "" {
		b.WriteString("  justification: (none given)\n")
	} else {
		b.WriteString("  justification:\n")
		for _, l := range strings.Split(en.Justification, "\n") {
			fmt.Fprintf(b, "    | %s\n", c(l))
		}
	}
	for _, e := range en.Evidence {
		fmt.Fprintf(b, "  evidence: %s", c(e.Name))
		if e.URI != "" {
			fmt.Fprintf(b, ": %s", c(e.URI))
		}
		if e.Digest != "" {
			fmt.Fprintf(b, " (%s)", c(e.Digest))
		}
		b.WriteByte('\n')
	}
	for _, in := range en.Inputs {
		fmt.Fprintf(b, "  input %s = %s\n", c(in.Name), c(in.Value))
	}
}

// writeDecision writes one decision: verdict, decider and role, what it
// covers, where it is recorded, its justification and its plan.
func writeDecision(b *strings.Builder, d Decision) {
	c := plan.Clean
	role := policies.RoleText(d.Role)
	if role == "" {
		role = "not counted"
		if d.Verdict == policies.VerdictOverride {
			role = "break-glass"
		}
	}
	fmt.Fprintf(b, "  %s: %s (%s) on commit %s", strings.ToUpper(string(d.Verdict)), c(d.Identity), c(role), short(d.Commit))
	if d.Content != "" {
		fmt.Fprintf(b, ", content %s", d.Content)
	}
	fmt.Fprintf(b, ", recorded in %s\n", short(c(d.Ref)))
	if d.Justification != "" {
		fmt.Fprintf(b, "    justification: %s\n", c(d.Justification))
	}
	fmt.Fprintf(b, "    %s\n", d.PlanStatus.Describe(c(d.Plan)))
}

func orNone(h string) string {
	if h == "" {
		return "(none)"
	}
	return h
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
