package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// githubOptions are the flags of `writ reconcile --github`.
type githubOptions struct {
	enabled bool
	noApply bool
	// cache is --github-cache: the ETag cache directory ("" for the
	// default, "none" for no cache file).
	cache  string
	getenv func(string) string
}

// GitHubCacheEnv names the ETag cache directory when --github-cache is not
// given.
const GitHubCacheEnv = "WRIT_GITHUB_CACHE"

// githubCacheDir is where the ETag cache lives: --github-cache, else
// $WRIT_GITHUB_CACHE, else $RUNNER_TEMP/writ-github-cache in GitHub
// Actions; "" (no cache file) outside Actions or when the flag or variable
// says "none".
func githubCacheDir(flag string, getenv func(string) string) string {
	dir := flag
	if dir == "" {
		dir = getenv(GitHubCacheEnv)
	}
	switch {
	case dir == "none":
		return ""
	case dir != "":
		return dir
	case getenv("RUNNER_TEMP") != "":
		return filepath.Join(getenv("RUNNER_TEMP"), "writ-github-cache")
	}
	return ""
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
	cfg := githubClientConfig(st.State.Rules().Config.GitHub, ev.Repository, getenv)
	client, err := github.New(cfg, getenv)
	if err != nil {
		return err
	}
	// The ETag cache is only a cache: trouble reading or writing it is a
	// note, never a failure.
	var cachePath string
	if dir := githubCacheDir(o.cache, getenv); dir != "" {
		cachePath = github.CachePath(dir, cfg.APIURL, ev.Repository)
		if cerr := client.LoadCache(cachePath); cerr != nil {
			fmt.Fprintln(a.err, "writ: note:", cerr, "(starting with an empty cache)")
		}
		defer func() {
			if cerr := client.SaveCache(cachePath); cerr != nil {
				fmt.Fprintln(a.err, "writ: note:", cerr)
			}
		}()
	}
	pulls := &github.PullRequests{Client: client, Store: e.Store, Event: ev, ReadOnly: o.noApply}
	var _ reconciler.Source = pulls
	var _ reconciler.Reporter = pulls
	notify := &notifyReporter{a: a, store: e.Store, keys: e.Keys, remote: remote, link: pullLink(getenv, ev.Repository), getenv: getenv}
	opts.Source, opts.Reporters = pulls, []reconciler.Reporter{notify, pulls}
	_, err = e.ReconcileWith(ctx, opts)
	defer func() {
		if !a.quiet {
			st := client.Stats()
			fmt.Fprintf(a.out, "github api: %d calls, %d counted against the rate limit, %d answered 304 from the cache\n", st.Calls, st.Counted, st.NotModified)
		}
	}()
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
