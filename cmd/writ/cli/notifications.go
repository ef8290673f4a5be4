package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/slack"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/schemas"
)

// notifications are the notifiers writ.yaml's notifications: configures,
// built with their tokens from the environment.
type notifications struct {
	targets   []outbox.Target
	notifiers map[string]outbox.Notifier
	// secrets are the tokens read, redacted from everything recorded.
	secrets []string
	// notes say what is configured but cannot be used (a token variable
	// not set): its effects are recorded and stay pending.
	notes []string
}

// buildNotifications builds the notifiers of cfg. A target whose token is
// missing is still a target: its effects are recorded, pending, until a
// run has the token.
func buildNotifications(cfg *schemas.Notifications, getenv func(string) string) notifications {
	n := notifications{notifiers: map[string]outbox.Notifier{}}
	if cfg == nil {
		return n
	}
	hc := outbox.HTTPClient(outbox.DefaultCallBudget)
	if c := cfg.Slack; c != nil {
		n.targets = append(n.targets, outbox.Target{Name: slack.TargetName, Users: c.Users, Direct: true})
		token := getenv(c.TokenEnv)
		if token == "" {
			n.notes = append(n.notes, fmt.Sprintf("slack: $%s (notifications.slack.token_env) is not set: Slack effects stay pending", c.TokenEnv))
		} else if s, err := slack.New(slack.Config{Channel: c.Channel, Token: token, APIURL: c.APIURL, HTTPClient: hc}); err != nil {
			n.notes = append(n.notes, err.Error())
		} else {
			n.notifiers[slack.TargetName] = s
			n.secrets = append(n.secrets, token)
		}
	}
	if c := cfg.Jira; c != nil {
		token, email := getenv(c.TokenEnv), ""
		if c.EmailEnv != "" {
			email = getenv(c.EmailEnv)
		}
		n.targets = append(n.targets, outbox.Target{Name: jira.Target, Users: c.Users, NeedsIssue: true})
		switch {
		case token == "":
			n.notes = append(n.notes, fmt.Sprintf("jira: $%s (notifications.jira.token_env) is not set: Jira effects stay pending", c.TokenEnv))
		default:
			jn, err := jira.New(jira.Config{BaseURL: c.BaseURL, Project: c.Project, Token: token, Email: email,
				ApplyTransition: c.TransitionOnApply, Users: c.Users, HTTPClient: hc})
			if err != nil {
				n.notes = append(n.notes, err.Error())
				break
			}
			n.notifiers[jira.Target] = jn
			n.secrets = append(n.secrets, token)
			if email != "" {
				n.secrets = append(n.secrets, email)
			}
		}
	}
	return n
}

// deliverer is the outbox's delivery settings for a CLI run: the
// machine's clock, random jitter from here, the edge.
func (a *app) deliverer(n notifications) *outbox.Deliverer {
	return &outbox.Deliverer{Notifiers: n.notifiers, Now: a.now, Jitter: rand.N[time.Duration], Secrets: n.secrets}
}

// notifyReporter is the outbox plugged into a reconcile as a reporter:
// it reads notifications: from the rules the run ended with. Without
// notifications configured it does nothing (and writes no outbox ref).
type notifyReporter struct {
	a     *app
	store *gitstore.Store
	// keys find the reconciler's key, which signs the outbox.
	keys   reconciler.Keys
	remote string
	link   func(intake.Pending) string
	getenv func(string) string
}

var _ reconciler.Reporter = (*notifyReporter)(nil)

// Report runs the outbox for rep; it never fails the run.
func (n *notifyReporter) Report(ctx context.Context, rep *outcome.Report) error {
	rules := rep.State.Rules()
	if rules == nil || rules.Config.Notifications == nil {
		return nil
	}
	getenv := n.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	built := buildNotifications(rules.Config.Notifications, getenv)
	for _, note := range built.notes {
		rep.Note(note)
	}
	trust, err := outboxTrust(rules, n.keys)
	if err != nil {
		rep.Note(err.Error() + ": nothing is recorded nor delivered")
		return nil
	}
	o := &outbox.Reporter{Store: n.store, Remote: n.remote, Deliverer: n.a.deliverer(built), Trust: trust,
		Derivation: outbox.Derivation{Targets: built.targets, Link: n.link}}
	return o.Report(ctx, rep)
}

// pullLink is the link of a pull request candidate ("pull/7") of a GitHub
// run: $GITHUB_SERVER_URL/<repo>/pull/7.
func pullLink(getenv func(string) string, repository string) func(intake.Pending) string {
	server := strings.TrimRight(getenv("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	return func(p intake.Pending) string {
		if n, ok := strings.CutPrefix(p.Branch, "pull/"); ok && repository != "" {
			return server + "/" + repository + "/pull/" + n
		}
		return ""
	}
}
