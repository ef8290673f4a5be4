package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
)

func (a *app) logCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Print the audit trail: every verified WAL entry",
		Long: `log replays and verifies main, then prints per entry: the commit, when,
the reconciler's signer, what changed, who proposed it (and the signed
proposal commit), who approved or rejected on which commit and in which
role, every guard's outcome, and the pre/post state hashes. --json prints
the same as a JSON array.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			res, err := e.Replay(reconciler.ReplayOptions{Collect: true})
			foreign := errors.Is(err, reconciler.ErrForeign) && res != nil
			if err != nil && !foreign {
				return err
			}
			a.refreshAllowedSigners(e, res.State)
			entries := make([]auditEntry, 0, len(res.Entries))
			for _, v := range res.Entries {
				entries = append(entries, toAudit(v))
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				if jerr := enc.Encode(entries); jerr != nil {
					return jerr
				}
				return err // nil, or the foreign commits after the trail
			}
			for _, en := range entries {
				printAudit(a, en)
			}
			if foreign {
				// The trail up to the last verified entry, then why it stops.
				return err
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// auditEntry is one WAL entry as the audit trail shows it.
type auditEntry struct {
	Commit       string             `json:"commit"`
	Time         time.Time          `json:"time"`
	SignedBy     string             `json:"signed_by"`
	Kind         core.EntryKind     `json:"kind"`
	Summary      string             `json:"summary"`
	Instance     string             `json:"instance,omitempty"`
	Transition   string             `json:"transition,omitempty"`
	IdemKey      string             `json:"idem_key"`
	HLC          string             `json:"hlc"`
	Proposer     string             `json:"proposer"`
	Proposal     string             `json:"proposal,omitempty"`
	ProposalHead string             `json:"proposal_head,omitempty"`
	Subject      policies.Subject   `json:"subject"`
	Decisions    []auditDecision    `json:"decisions,omitempty"`
	Guards       []core.GuardResult `json:"guards"`
	Policy       string             `json:"policy,omitempty"`
	Override     string             `json:"override,omitempty"`
	StatePre     string             `json:"state_pre"`
	StatePost    string             `json:"state_post"`
	RulesHash    string             `json:"rules,omitempty"`
	// Quarantined are the foreign commits a recover entry quarantined.
	Quarantined []auditForeign `json:"quarantined,omitempty"`
}

// auditForeign is a commit a recover entry quarantined.
type auditForeign struct {
	Commit  string `json:"commit"`
	Author  string `json:"author"`
	Subject string `json:"subject"`
	Parents int    `json:"parents"`
}

type auditDecision struct {
	Identity      string           `json:"identity"`
	Verdict       policies.Verdict `json:"verdict"`
	Role          string           `json:"role,omitempty"`
	Commit        string           `json:"commit"`
	Ref           string           `json:"ref"`
	Justification string           `json:"justification,omitempty"`
}

func toAudit(v reconciler.Verified) auditEntry {
	r := v.Record
	en := auditEntry{
		Commit: v.Commit.String(), Time: v.Author.When.UTC(), SignedBy: v.Signer.Identity,
		Kind: r.Entry.Kind, Summary: v.Outcome.Reason, IdemKey: r.Entry.IdemKey, HLC: r.Entry.HLC.String(),
		Proposer: r.Entry.Signer, Proposal: r.ProposalPath, ProposalHead: r.ProposalHead, Subject: r.Entry.Subject,
		Guards: v.Outcome.Guards, Policy: r.Policy, Override: r.Override, StatePre: r.StatePre, StatePost: r.StatePost, RulesHash: r.RulesHash,
	}
	if p := r.Entry.Proposal; p != nil {
		en.Instance, en.Transition = p.Instance, p.Transition
	}
	for _, f := range v.Quarantined {
		en.Quarantined = append(en.Quarantined, auditForeign{Commit: f.Commit.String(), Author: f.Author, Subject: f.Subject, Parents: f.Parents})
	}
	for _, d := range r.Entry.Decisions {
		en.Decisions = append(en.Decisions, auditDecision{Identity: d.Identity, Verdict: d.Verdict, Role: r.Roles[d.Identity],
			Commit: d.Commit, Ref: d.Ref, Justification: d.Justification})
	}
	return en
}

func printAudit(a *app, en auditEntry) {
	fmt.Fprintf(a.out, "entry %s  %s  signed by %s\n", short(en.Commit), en.Time.Format(time.RFC3339), en.SignedBy)
	fmt.Fprintf(a.out, "  %s: %s\n", en.Kind, en.Summary)
	fmt.Fprintf(a.out, "  proposer: %s", en.Proposer)
	if en.Proposal != "" {
		fmt.Fprintf(a.out, "  (%s, signed commit %s)", en.Proposal, short(en.Subject.Commit))
	}
	fmt.Fprintf(a.out, "  idem_key %s  hlc %s\n", en.IdemKey, en.HLC)
	for _, d := range en.Decisions {
		role := d.Role
		if role == "" {
			role = "not counted"
		}
		fmt.Fprintf(a.out, "  %s: %s (%s) on commit %s, recorded in %s", d.Verdict, d.Identity, role, short(d.Commit), short(d.Ref))
		if d.Justification != "" {
			fmt.Fprintf(a.out, ": %q", d.Justification)
		}
		fmt.Fprintln(a.out)
	}
	if en.Policy != "" {
		fmt.Fprintf(a.out, "  policy: %s\n", en.Policy)
	}
	if en.Override != "" {
		fmt.Fprintf(a.out, "  OVERRIDE (break-glass) by %s\n", en.Override)
	}
	for _, f := range en.Quarantined {
		fmt.Fprintf(a.out, "  QUARANTINED %s by %s %q (not written by writ; its changes are not in the state)\n", f.Commit, f.Author, f.Subject)
	}
	for _, g := range en.Guards {
		mark := "pass"
		if !g.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(a.out, "  guard %s %s: %s\n", g.Name, mark, g.Detail)
	}
	fmt.Fprintf(a.out, "  state %s → %s\n\n", en.StatePre, en.StatePost)
}
