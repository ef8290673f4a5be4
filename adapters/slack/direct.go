package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/schemas"
)

// dmRef is the first segment of a direct message's receipt Ref.
const dmRef = "dm"

// direct writes e to its Recipient's own conversation with the app, whose
// TargetID must be a member id writ.yaml admits (schemas.ValidSlackMemberID):
// chat.postMessage with the member id as channel, which Slack delivers to
// the direct-message conversation ("D…") it answers with. A repeated
// attempt (not outbox.FirstAttempt) first looks for the message by its key
// in that conversation (conversations.open, then conversations.history)
// and returns it instead of writing again. The receipt's Ref is
// "dm/<conversation>/<ts>".
func (n *Notifier) direct(ctx context.Context, e outbox.Effect) (outbox.Receipt, error) {
	to := e.Recipient.TargetID
	if to == "" {
		return outbox.Receipt{}, errors.New("direct message: the recipient has no Slack member id (writ.yaml notifications.slack.users)")
	}
	if !schemas.ValidSlackMemberID(to) {
		// Read back from the outbox ref: post only to what writ.yaml admits.
		return outbox.Receipt{}, fmt.Errorf("direct message: the recipient %s has the Slack member id %q, not of the form writ.yaml admits (U0123ABCD); fix notifications.slack.users in writ.yaml",
			e.Recipient.Identity, to)
	}
	if !outbox.FirstAttempt(ctx) {
		ch, _, _, err := n.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{to}})
		if err != nil {
			return outbox.Receipt{}, fmt.Errorf("conversations.open: %w", err)
		}
		if ch != nil && ch.ID != "" {
			m, err := n.find(ctx, ch.ID, "", func(p map[string]any) bool { return p["key"] == e.Key })
			if err != nil {
				return outbox.Receipt{}, err
			}
			if m != nil {
				return outbox.Receipt{Ref: dmRef + "/" + m.Channel + "/" + m.Timestamp}, nil
			}
		}
	}
	ch, ts, err := n.api.PostMessageContext(ctx, to, n.options(e, directText(e))...)
	if err != nil {
		return outbox.Receipt{}, fmt.Errorf("chat.postMessage (direct message): %w", err)
	}
	return outbox.Receipt{Ref: dmRef + "/" + ch + "/" + ts}, nil
}
