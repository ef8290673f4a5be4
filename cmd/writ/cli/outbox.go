package cli

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/outbox"
)

func (a *app) outboxCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "List the notifications not yet delivered, with their last error",
		Long: `outbox lists the effects (Slack messages, Jira comments) that reconciles
recorded in refs/writ/outbox and that are not delivered yet: each with its
key, target, event, instance, failed attempts, the time of its next attempt
and its last error (tokens redacted). A reconcile delivers what is due;
writ outbox retry makes effects due now and delivers them.

It lists the ref as it stands, without checking who wrote it: a reconcile
and writ outbox retry deliver only what the reconciler signed. A record or
a tree writ does not write is skipped with a note on stderr.

--json prints {"pending": [...], "done": N} (writ schema output/outbox).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := gitstore.Open(a.repo)
			if err != nil {
				return fmt.Errorf("open control repo %s: %w", a.repo, err)
			}
			b, err := outbox.Load(store)
			if err != nil {
				return err
			}
			for _, n := range b.Notes() {
				fmt.Fprintln(a.err, "writ: note:", n)
			}
			out := toOutboxJSON(b)
			if asJSON {
				return a.printJSON(out)
			}
			a.printOutbox(out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.AddCommand(a.outboxRetryCommand())
	return cmd
}

func (a *app) outboxRetryCommand() *cobra.Command {
	var remote string
	cmd := &cobra.Command{
		Use:   "retry [KEY...]",
		Short: "Deliver pending notifications now (all, or those whose keys or key prefixes are given)",
		Long: `retry makes the pending effects with the given keys (a unique prefix of at
least 8 hex digits is enough; none: all of them) due now and delivers them
at once with the notifiers writ.yaml's notifications: configures, tokens
from the environment. What fails again stays pending with its new error.
It exits 1 when a key is not pending.

With --remote NAME the remote's outbox (pushed there by reconciles run
against it, such as the GitHub Action's) is fetched and merged first, and
the result pushed back by compare-and-swap.`,
		RunE: func(cmd *cobra.Command, keys []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			res, err := a.state(e)
			if err != nil {
				return err
			}
			trust, err := outboxTrust(res.State.Rules(), e.Keys)
			if err != nil {
				return err
			}
			b, err := outbox.LoadTrusted(e.Store, trust)
			if err != nil {
				return err
			}
			defer func() {
				for _, n := range b.Notes() {
					fmt.Fprintln(a.err, "writ: note:", n)
				}
			}()
			var theirs plumbing.Hash
			if remote != "" {
				if theirs, err = outbox.Fetch(cmd.Context(), e.Store, remote); err != nil {
					return err
				}
				if err := b.Merge(theirs); err != nil {
					return err
				}
			}
			if missing := b.Retry(a.now(), keys); len(missing) > 0 {
				return fmt.Errorf("not pending in the outbox: %s (writ outbox lists what is)", strings.Join(missing, ", "))
			}
			built := buildNotifications(res.State.Rules().Config.Notifications, os.Getenv)
			for _, n := range built.notes {
				fmt.Fprintln(a.err, "writ: note:", n)
			}
			d := a.deliverer(built)
			d.Begin(b)
			if err := b.Save(a.now(), "outbox: retry"); err != nil {
				return err
			}
			r, derr := d.Deliver(cmd.Context(), b)
			if err := b.Save(a.now(), fmt.Sprintf("outbox: retry: %d delivered, %d failed, %d pending", r.Delivered, r.Failed, r.Pending)); err != nil {
				return err
			}
			if derr != nil {
				return derr
			}
			if remote != "" {
				if err := outbox.Push(cmd.Context(), e.Store, remote, theirs, b.Head()); err != nil {
					return fmt.Errorf("outbox delivered but not pushed to %s (the next reconcile against it merges it): %w", remote, err)
				}
			}
			for _, line := range r.Errors {
				fmt.Fprintln(a.err, "writ: failed:", line)
			}
			if !a.quiet {
				fmt.Fprintf(a.out, "%d delivered, %d failed, %d pending\n", r.Delivered, r.Failed, r.Pending)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&remote, "remote", "", "merge the outbox of this git remote first and push the result back")
	return cmd
}

// outboxJSON is `writ outbox --json`.
type outboxJSON struct {
	Pending []outboxEntryJSON `json:"pending"`
	Done    int               `json:"done"`
}

type outboxEntryJSON struct {
	Key         string `json:"key"`
	Target      string `json:"target"`
	Event       string `json:"event"`
	Instance    string `json:"instance"`
	Thread      string `json:"thread"`
	Recorded    string `json:"recorded"`
	Attempts    int    `json:"attempts"`
	NextAttempt string `json:"next_attempt"`
	LastError   string `json:"last_error,omitempty"`
}

func toOutboxJSON(b *outbox.Book) outboxJSON {
	out := outboxJSON{Pending: []outboxEntryJSON{}}
	for _, r := range b.Pending() {
		out.Pending = append(out.Pending, outboxEntryJSON{
			Key: r.Key, Target: r.Target, Event: string(r.Event), Instance: r.Instance,
			Thread: r.Thread, Recorded: r.Recorded.UTC().Format(time.RFC3339),
			Attempts: r.Attempts, NextAttempt: r.NextAttempt.UTC().Format(time.RFC3339), LastError: r.LastError,
		})
	}
	out.Done = b.Len() - len(out.Pending)
	return out
}

func (a *app) printOutbox(o outboxJSON) {
	if len(o.Pending) == 0 {
		if !a.quiet {
			fmt.Fprintf(a.out, "outbox: nothing pending (%d delivered effects kept)\n", o.Done)
		}
		return
	}
	w := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tTARGET\tEVENT\tINSTANCE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, p := range o.Pending {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", shortKey(p.Key), p.Target, p.Event, p.Instance, p.Attempts, p.NextAttempt, p.LastError)
	}
	w.Flush()
	if !a.quiet {
		fmt.Fprintf(a.out, "%d pending, %d delivered\n", len(o.Pending), o.Done)
	}
}

// shortKey is the first 12 characters of an outbox key, as writ outbox
// lists it (the whole key when shorter).
func shortKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return k
}
