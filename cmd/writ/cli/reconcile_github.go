package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// githubOptions are the flags of `writ reconcile --github`.
type githubOptions struct {
	enabled bool
	noApply bool
	getenv  func(string) string
}

// githubClientConfig builds the GitHub client's configuration from the
// github: section of writ.yaml as the remote's main has it (never the
// working tree, which in a pull request's checkout is the proposer's):
// the token from token_env (default GITHUB_TOKEN), the API root from
// api_url, else $GITHUB_API_URL, else api.github.com.
func githubClientConfig(cfgGitHub *schemas.GitHubConfig, repository string, getenv func(string) string) github.Config {
	c := github.Config{Repository: repository, TokenEnv: "GITHUB_TOKEN", APIURL: getenv("GITHUB_API_URL")}
	if cfgGitHub != nil {
		if cfgGitHub.TokenEnv != "" {
			c.TokenEnv = cfgGitHub.TokenEnv
		}
		if cfgGitHub.APIURL != "" {
			c.APIURL = cfgGitHub.APIURL
		}
		c.Budget = cfgGitHub.Budget
	}
	return c
}

// reconcileGitHub runs `writ reconcile --github`: read the event (a
// malformed one fails before anything is fetched or written), load the
// rules from the remote's main, then judge, apply and publish.
func (a *app) reconcileGitHub(ctx context.Context, e *reconciler.Engine, opts reconciler.ReconcileOptions, o githubOptions) error {
	getenv := o.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	ev, err := github.ReadEvent(getenv)
	if err != nil {
		return fmt.Errorf("github event: %w", err)
	}
	remote := opts.Remote
	if remote == "" {
		return fmt.Errorf("--github needs --remote (the git remote that holds main, e.g. origin)")
	}
	st, err := e.FetchState(ctx, remote)
	if err != nil {
		return fmt.Errorf("load state from %s: %w", remote, err)
	}
	client, err := github.New(githubClientConfig(st.State.Rules().Config.GitHub, ev.Repository, getenv), getenv)
	if err != nil {
		return err
	}
	pulls := &github.PullRequests{Client: client, Store: e.Store, Event: ev, ReadOnly: o.noApply}
	var _ reconciler.Source = pulls
	var _ reconciler.Reporter = pulls
	opts.Source, opts.Reporters = pulls, []reconciler.Reporter{pulls}
	_, err = e.ReconcileWith(ctx, opts)
	if rep := pulls.Last(); rep != nil {
		for _, n := range rep.Notes {
			fmt.Fprintln(a.err, "writ: note:", n)
		}
		a.printGitHubReport(ev, rep)
		if werr := writeGitHubStep(getenv, ev, rep, err); werr != nil {
			if err != nil {
				fmt.Fprintln(a.err, "writ:", werr)
			} else {
				err = werr
			}
		}
	}
	return err
}

// printGitHubReport prints what a GitHub run applied and why the rest
// waits.
func (a *app) printGitHubReport(ev github.Event, rep *github.RunReport) {
	for _, p := range rep.Pulls {
		switch {
		case p.Applied:
			fmt.Fprintf(a.out, "applied #%d %s: %s (entry %s)\n", p.Number, p.Gate.Pending.Path, p.Gate.Outcome.Reason, short(p.Entry.String()))
		case p.Held != "":
			fmt.Fprintf(a.out, "%s #%d %s: %s; not applied: %s\n", p.Gate.Verdict, p.Number, p.Gate.Pending.Path, p.Gate.Reason, p.Held)
		default:
			fmt.Fprintf(a.out, "%s #%d %s: %s\n", p.Gate.Verdict, p.Number, p.Gate.Pending.Path, p.Gate.Reason)
		}
	}
	if a.quiet {
		return
	}
	if len(rep.Pulls) == 0 {
		fmt.Fprintf(a.out, "%s: no open pull requests to judge\n", ev.Name)
	}
	fmt.Fprintf(a.out, "github %s: %d pull requests judged, %d entries applied, %d lost races\n",
		ev.Name, len(rep.Pulls), len(rep.Applied), rep.Races)
	if !rep.Main.IsZero() {
		fmt.Fprintf(a.out, "main %s\n", short(rep.Main.String()))
	}
}
