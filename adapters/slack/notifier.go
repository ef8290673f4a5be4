package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/writ-dev/writ/reconciler/outbox"
)

// TargetName is the name the Slack notifier's effects carry.
const TargetName = "slack"

// metaType is the metadata event type of every message writ posts.
const metaType = "writ_effect"

// historyLimit bounds how far back a repeated delivery looks for the
// message it may have made: the last messages of the channel (or thread).
const historyLimit = 200

// Config configures a Notifier. Token is the bot token itself (read by the
// caller from the environment variable writ.yaml names); it is sent to
// Slack and nowhere else, and is scrubbed from every error.
type Config struct {
	Channel string
	Token   string
	// APIURL replaces https://slack.com/api/ (must end in '/'); empty:
	// Slack's.
	APIURL string
	// HTTPClient makes the calls (nil: outbox.HTTPClient with a 30-second
	// timeout); New uses a copy that follows no redirect
	// (outbox.NoRedirects).
	HTTPClient *http.Client
}

// Notifier delivers outbox effects to one Slack channel. It is safe for
// concurrent use by one outbox (Concurrency).
type Notifier struct {
	api     *slack.Client
	channel string
	token   string
}

var (
	_ outbox.Notifier   = (*Notifier)(nil)
	_ outbox.Concurrent = (*Notifier)(nil)
)

// Concurrency is how many deliveries (of different proposals) may run at
// once (outbox.MaxConcurrency): the Slack client is safe for concurrent
// use, Slack's rate limits are per method and minute and allow bursts, and
// a 429 stops the run's calls to Slack (its Retry-After is honoured); the
// calls of a run are bound by their round trips, which run side by side.
func (n *Notifier) Concurrency() int { return 8 }

// New returns a Notifier for c; it fails when the channel or the token is
// missing.
func New(c Config) (*Notifier, error) {
	if c.Channel == "" {
		return nil, errors.New("slack: no channel (writ.yaml notifications.slack.channel)")
	}
	if c.Token == "" {
		return nil, errors.New("slack: no token (set the variable writ.yaml notifications.slack.token_env names)")
	}
	opts := []slack.Option{}
	if c.APIURL != "" {
		u := c.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = outbox.HTTPClient(30 * time.Second)
	}
	// The token travels in the form body, which a 307/308 would replay to
	// any host: never follow a redirect.
	opts = append(opts, slack.OptionHTTPClient(outbox.NoRedirects(hc)))
	return &Notifier{api: slack.New(c.Token, opts...), channel: c.Channel, token: c.Token}, nil
}

// Target is "slack".
func (n *Notifier) Target() string { return TargetName }

// Deliver sends e (see the package doc). thread holds the receipts of the
// proposal's earlier Slack effects: the first one's message is the root
// the others update and reply to. The receipt's Ref is
// "<channel>/<root ts>" for the root message, "<channel>/<root
// ts>/<reply ts>" for a reply, and "dm/<conversation>/<ts>" for a direct
// message (an effect with a Recipient), which leaves the thread alone.
func (n *Notifier) Deliver(ctx context.Context, e outbox.Effect, thread []outbox.Receipt) (outbox.Receipt, error) {
	rc, err := n.deliver(ctx, e, thread)
	if err != nil {
		return outbox.Receipt{}, n.wrap(e, err)
	}
	rc.Key, rc.Target = e.Key, TargetName
	return rc, nil
}

func (n *Notifier) deliver(ctx context.Context, e outbox.Effect, thread []outbox.Receipt) (outbox.Receipt, error) {
	if e.Recipient != nil {
		return n.direct(ctx, e)
	}
	channel, root, ok := rootOf(thread)
	first := outbox.FirstAttempt(ctx)
	if !ok {
		// No root delivered: find one this very effect made before a
		// crash, unless this is its first attempt.
		var m *slack.Message
		if !first {
			var err error
			m, err = n.find(ctx, n.channel, "", func(p map[string]any) bool { return p["thread"] == e.Thread })
			if err != nil {
				return outbox.Receipt{}, err
			}
		}
		if m == nil {
			ch, ts, err := n.api.PostMessageContext(ctx, n.channel, n.options(e, rootText(e))...)
			if err != nil {
				return outbox.Receipt{}, fmt.Errorf("chat.postMessage: %w", err)
			}
			return outbox.Receipt{Ref: ch + "/" + ts}, nil
		}
		channel, root = m.Channel, m.Timestamp
		if channel == "" {
			channel = n.channel
		}
	}
	// Update the root in place: it always shows the proposal as it
	// stands now.
	if _, _, _, err := n.api.UpdateMessageContext(ctx, channel, root, n.rootOptions(e)...); err != nil {
		return outbox.Receipt{}, fmt.Errorf("chat.update: %w", err)
	}
	if !threaded(e.Event) {
		return outbox.Receipt{Ref: channel + "/" + root}, nil
	}
	if !first {
		m, err := n.find(ctx, channel, root, func(p map[string]any) bool { return p["key"] == e.Key })
		if err != nil {
			return outbox.Receipt{}, err
		}
		if m != nil {
			return outbox.Receipt{Ref: channel + "/" + root + "/" + m.Timestamp}, nil
		}
	}
	_, ts, err := n.api.PostMessageContext(ctx, channel, append(n.options(e, replyText(e)), slack.MsgOptionTS(root))...)
	if err != nil {
		return outbox.Receipt{}, fmt.Errorf("chat.postMessage (reply): %w", err)
	}
	return outbox.Receipt{Ref: channel + "/" + root + "/" + ts}, nil
}

// threaded reports whether an event is recorded as a reply under the
// root (waiting and approvals only update the root).
func threaded(ev outbox.Event) bool {
	return ev != outbox.EventWaiting && ev != outbox.EventApproval
}

// rootOf returns the channel and timestamp of a thread's root message:
// the first receipt's that is not a direct message's.
func rootOf(thread []outbox.Receipt) (channel, ts string, ok bool) {
	for _, r := range thread {
		parts := strings.Split(r.Ref, "/")
		if len(parts) >= 2 && parts[0] != "" && parts[0] != dmRef && parts[1] != "" {
			return parts[0], parts[1], true
		}
	}
	return "", "", false
}

// options are a message's text and metadata.
func (n *Notifier) options(e outbox.Effect, text string) []slack.MsgOption {
	return []slack.MsgOption{
		slack.MsgOptionText(text, false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metaType, EventPayload: map[string]any{
			"key": e.Key, "thread": e.Thread, "event": string(e.Event),
		}}),
	}
}

// rootOptions are the root's text for e, keeping the root's metadata
// (the thread; the key stays the first effect's).
func (n *Notifier) rootOptions(e outbox.Effect) []slack.MsgOption {
	return []slack.MsgOption{slack.MsgOptionText(rootText(e), false), slack.MsgOptionDisableLinkUnfurl()}
}

// find returns the newest message writ posted in channel (or, with ts,
// in the thread under ts) whose metadata payload satisfies match; nil when
// none among the last historyLimit.
func (n *Notifier) find(ctx context.Context, channel, ts string, match func(map[string]any) bool) (*slack.Message, error) {
	var msgs []slack.Message
	if ts == "" {
		h, err := n.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Limit: historyLimit, IncludeAllMetadata: true})
		if err != nil {
			return nil, fmt.Errorf("conversations.history: %w", err)
		}
		msgs = h.Messages
	} else {
		m, _, _, err := n.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: ts, Limit: historyLimit, IncludeAllMetadata: true})
		if err != nil {
			return nil, fmt.Errorf("conversations.replies: %w", err)
		}
		msgs = m
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Metadata.EventType == metaType && match(m.Metadata.EventPayload) {
			if m.Channel == "" {
				m.Channel = channel
			}
			return m, nil
		}
	}
	return nil, nil
}
