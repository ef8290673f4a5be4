// Package slack is the Slack notifier of the outbox: it turns effects
// into messages with github.com/slack-go/slack. A waiting proposal gets one
// message in the configured channel naming who must act (as <@member>
// when writ.yaml's notifications.slack.users maps the identity) and
// linking the pull request; that message is updated in place (chat.update)
// as approvals arrive, and escalation, timeout, apply, rejection and
// withdrawal are threaded replies to it. An escalation's reply mentions
// whom the step notifies, and each of them with a member id also gets a
// direct message (an effect of its own, with a Recipient): chat.postMessage
// with the member id as channel, found again on a repeated attempt through
// conversations.open and conversations.history (scopes chat:write,
// im:write, im:history). Every message carries the effect's
// idempotency key in its metadata (event type "writ_effect"), so a
// delivery repeated after a crash finds the message it made
// (conversations.history, conversations.replies) and updates it instead of
// posting again; on an attempt the outbox recorded as the first
// (outbox.FirstAttempt) it skips that search. It holds no rules: who must act and what happened come
// in the effect.
package slack
