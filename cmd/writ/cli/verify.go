package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/cmd/writ/internal/readgc"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
)

func (a *app) verifyCommand() *cobra.Command {
	var since string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify [--since REV]",
		Short: "Check signatures and authorization of WAL entries, one line per commit",
		Long: `verify runs the same checks as replay (the reconciler's signature on every
entry, the proposer's and deciders' signatures, capabilities, guards and
policies re-applied, state hashes) and prints one line per entry: the commit,
who signed it and with which signer, who proposed it, and the verdict. With
--since REV only entries after REV are printed (all are still checked, from
the first commit). An entry whose decisions came from GitHub reviews says
so: "decisions: 1 signed, 2 on the reconciler's word (GitHub reviews 11,
12)". A review carries no signature of its own; only the reconciler's
signature on the entry attests it. It exits 1 at the first failure, naming
the commit and the reason. --json prints the same as one object (writ schema
output/verify), with the same exit code.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			if bar := a.progress("verify"); bar != nil {
				e.Progress = func(done, total int) {
					bar.ChangeMax(total)
					_ = bar.Set(done)
				}
				defer func() { _ = bar.Finish() }()
			}
			var after plumbing.Hash
			printing := since == ""
			if since != "" {
				h, err := e.Store.ResolveRevision(since)
				if err != nil {
					return fmt.Errorf("--since %s: %w", since, err)
				}
				after = h
			}
			found := since == ""
			out := verifyJSON{Entries: []verifyEntryJSON{}}
			defer readgc.Replay()()
			res, err := e.Replay(reconciler.ReplayOptions{OnEntry: func(i int, v reconciler.Verified) {
				if printing && asJSON {
					out.Entries = append(out.Entries, toVerifyEntry(i, v))
				} else if printing {
					who := v.Record.Entry.Signer
					fmt.Fprintf(a.out, "%s entry %d %-10s signed by %s (%s %s, %s) proposer %s: ok%s\n",
						short(v.Commit.String()), i, v.Record.Entry.Kind, v.Signer.Identity, v.Signer.Format, v.Signer.Signer,
						v.Signer.Fingerprint, who, onReconcilersWord(v.Record.Entry.Decisions)+triggerOnReconcilersWord(v)+attestedRejection(v))
				}
				if v.Commit == after {
					printing, found = true, true
				}
			}})
			if asJSON {
				if err != nil {
					out.Error = err.Error()
				} else if found {
					out.Verified, out.State = true, res.State.Hash()
				}
				if jerr := a.printJSON(out); jerr != nil {
					return jerr
				}
			}
			if err != nil {
				if !asJSON {
					fmt.Fprintf(a.out, "FAILED: %v\n", err)
				}
				code := ExitFailure
				if errors.Is(err, reconciler.ErrForeign) {
					code = ExitForeign
				}
				return &exitError{code: code, err: err}
			}
			if !found {
				return fmt.Errorf("--since %s: %s is not an entry on main's first-parent history", since, short(after.String()))
			}
			if !asJSON {
				fmt.Fprintf(a.out, "verified %d entries; state %s\n", res.Replayed, res.State.Hash())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "print only entries after this revision (still checks all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	return cmd
}

// attestedRejection says when a rejection, withdrawal or wait rests on
// the reconciler's word because its proposal's commits (refs/writ/rejected/,
// refs/writ/withdrawn/, the proposal branch) were not fetched.
func attestedRejection(v reconciler.Verified) string {
	if !v.Attested {
		return ""
	}
	if v.Record.Entry.Kind.RecordsWait() {
		return fmt.Sprintf("; wait on the reconciler's word (the proposal commit %s is not here: fetch its branch to verify it)", short(v.Record.Entry.Subject.Commit))
	}
	what, ref := "rejection", "refs/writ/rejected/"
	if v.Record.Entry.Kind == core.KindWithdraw {
		what, ref = "withdrawal", "refs/writ/withdrawn/"
	}
	return fmt.Sprintf("; %s on the reconciler's word (proposal commits not here: fetch %s to verify them; head %s)", what, ref, short(v.Record.ProposalHead))
}

// triggerOnReconcilersWord says, for verify's line, when an entry records
// the source trigger of its proposal (Writ-Trigger: the pull request that
// carried it), which rests on the reconciler's word; "" otherwise.
func triggerOnReconcilersWord(v reconciler.Verified) string {
	if v.Record.Entry.Trigger == nil {
		return ""
	}
	return "; trigger on the reconciler's word: " + triggerText(v.Record.Entry.Trigger)
}

// onReconcilersWord describes, for verify's line, the decisions of an entry
// that rest on the reconciler's word (GitHub reviews); "" when none do.
func onReconcilersWord(decisions []policies.Decision) string {
	reviews := wal.OnReconcilersWord(decisions)
	if len(reviews) == 0 {
		return ""
	}
	ids := make([]string, len(reviews))
	for i, r := range reviews {
		ids[i] = strconv.FormatInt(r.ReviewID, 10)
	}
	return fmt.Sprintf("; decisions: %d signed, %d on the reconciler's word (GitHub reviews %s)",
		len(decisions)-len(reviews), len(reviews), strings.Join(ids, ", "))
}

// toVerifyEntry is one entry of `writ verify --json`.
func toVerifyEntry(i int, v reconciler.Verified) verifyEntryJSON {
	en := verifyEntryJSON{Commit: v.Commit.String(), Index: i, Kind: string(v.Record.Entry.Kind), Proposer: v.Record.Entry.Signer,
		AttestedRejection: v.Attested, Trigger: v.Record.Entry.Trigger}
	en.Signer.Identity, en.Signer.Format, en.Signer.Signer, en.Signer.Fingerprint = v.Signer.Identity, string(v.Signer.Format), v.Signer.Signer, v.Signer.Fingerprint
	for _, r := range wal.OnReconcilersWord(v.Record.Entry.Decisions) {
		en.Reviews = append(en.Reviews, r.ReviewID)
	}
	return en
}
