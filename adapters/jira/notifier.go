package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/writ-dev/writ/reconciler/outbox"
)

// Target is the name Jira effects carry in outbox.Effect.Target.
const Target = "jira"

// Notifier delivers outbox effects to Jira issues. It is safe for
// concurrent use. Jira holds the markers that make redelivery idempotent;
// the only thing a Notifier remembers between deliveries is its own
// account (self), learnt once.
type Notifier struct {
	client     *client
	project    string
	transition string
	users      map[string]string
	cloud      bool
	// deliverTimeout bounds one Deliver whose context has no deadline.
	deliverTimeout time.Duration

	mu sync.Mutex
	me *account // nil until self has asked Jira
}

var _ outbox.Notifier = (*Notifier)(nil)

// New checks cfg and returns a Notifier. An error names the writ.yaml
// field to fix (notifications.jira.…) and never carries the token.
func New(cfg Config) (*Notifier, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	// Go keeps the Authorization header on a redirect to another port of
	// the same host, and on a downgrade to http: never follow one.
	hc = outbox.NoRedirects(hc)
	timeout := cfg.DeliverTimeout
	if timeout <= 0 {
		timeout = defaultDeliverTimeout
	}
	users := make(map[string]string, len(cfg.Users))
	for k, v := range cfg.Users {
		users[k] = v
	}
	return &Notifier{
		client:     newClient(base, hc, cfg.Email, cfg.Token),
		project:    cfg.Project,
		transition: cfg.ApplyTransition,
		users:      users,
		cloud:      cfg.Email != "",

		deliverTimeout: timeout,
	}, nil
}

// Target returns "jira".
func (n *Notifier) Target() string { return Target }

// Deliver comments e on its issue and, for EventApplied with a configured
// transition, moves the issue through it.
//
// An effect without an Issue, or whose issue is outside the configured
// project, is a success with an empty Receipt.Ref: there is nothing to
// tell. Otherwise the Receipt's Ref is "<issue>/<comment id>". Deliver is
// idempotent for e.Key: the comment carries the key, and a second delivery
// edits that comment instead of adding another; a transition the issue
// already went through is not repeated. thread is not needed: each effect
// is its own comment, found again by its key.
//
// A Deliver whose ctx has no deadline stops after Config.DeliverTimeout
// (5 minutes by default), however slowly Jira answers or however many
// pages of comments it claims: a hostile or broken endpoint cannot hold a
// delivery for hours.
//
// Errors: a *RateLimitError (outbox.RetryAfter) when Jira asks for a
// wait; an *APIError for other error statuses (5xx: retry; 4xx: says what
// to fix); ErrNoTransition when the issue cannot take the transition;
// ErrIssueKey for an Issue that is not a Jira key.
func (n *Notifier) Deliver(ctx context.Context, e outbox.Effect, thread []outbox.Receipt) (outbox.Receipt, error) {
	receipt := outbox.Receipt{Key: e.Key, Target: Target}
	if e.Target != "" && e.Target != Target {
		return outbox.Receipt{}, fmt.Errorf("jira: effect %s is for target %q, not %q", e.Key, e.Target, Target)
	}
	if e.Key == "" {
		return outbox.Receipt{}, fmt.Errorf("jira: effect for %s has no idempotency key: the outbox must set Key (outbox.KeyOf)", e.Issue)
	}
	if e.Issue == "" {
		return receipt, nil
	}
	m := issueKeyRE.FindStringSubmatch(e.Issue)
	if m == nil {
		return outbox.Receipt{}, fmt.Errorf("%w: effect %s names issue %q; a Jira issue key is PROJECT-123 (from evidence jira:OPS-12 or the branch name)", ErrIssueKey, e.Key, e.Issue)
	}
	if n.project != "" && m[1] != n.project {
		return receipt, nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.deliverTimeout)
		defer cancel()
	}
	body := render(e, n.mention)
	id, err := n.upsertComment(ctx, e.Issue, e.Key, body)
	if err != nil {
		return outbox.Receipt{}, err
	}
	if e.Event == outbox.EventApplied && n.transition != "" {
		if err := n.applyTransition(ctx, e.Issue, n.transition); err != nil {
			return outbox.Receipt{}, err
		}
	}
	receipt.Ref = e.Issue + "/" + id
	return receipt, nil
}

// mention renders an actor: a Jira mention when the actor is mapped
// (Actor.TargetID first, then Config.Users), else the escaped identity.
func (n *Notifier) mention(a outbox.Actor) string {
	id := a.TargetID
	if id == "" {
		id = n.users[a.Identity]
	}
	if id == "" || !validMentionID(id) {
		return escape(a.Identity)
	}
	if n.cloud {
		return "[~accountid:" + id + "]"
	}
	return "[~" + id + "]"
}

// issuePath is the REST path of an issue's resource below the base URL.
func issuePath(issue string, rest ...string) string {
	p := "rest/api/2/issue/" + url.PathEscape(issue)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}
