package slack

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/schemas"
)

// status is the root's headline per event.
var status = map[outbox.Event]string{
	outbox.EventWaiting:   ":hourglass_flowing_sand: waiting for approval",
	outbox.EventApproval:  ":hourglass_flowing_sand: waiting for approval",
	outbox.EventEscalated: ":rotating_light: escalated",
	outbox.EventTimedOut:  ":alarm_clock: timed out",
	outbox.EventApplied:   ":white_check_mark: applied",
	outbox.EventRejected:  ":x: rejected",
	outbox.EventWithdrawn: ":leftwards_arrow_with_hook: withdrawn",
}

// rootText is the thread's root message as e leaves the proposal: what it
// asks, where it stands, who must act, what counted so far, and links.
func rootText(e outbox.Effect) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* %s → %s: %s", esc(e.Instance), esc(e.Workflow), esc(e.Transition), status[e.Event])
	if e.Proposer != "" {
		fmt.Fprintf(&b, "\nProposed by %s.", esc(e.Proposer))
	}
	if waits(e.Event) && len(e.MustAct) > 0 {
		fmt.Fprintf(&b, "\nMust act: %s.", actors(e.MustAct))
	}
	if len(e.Approvals) > 0 {
		fmt.Fprintf(&b, "\nApproved by: %s.", esc(strings.Join(e.Approvals, ", ")))
	}
	if waits(e.Event) && e.Summary != "" {
		fmt.Fprintf(&b, "\n> %s", esc(e.Summary))
	}
	b.WriteString(links(e))
	return b.String()
}

// replyText is the threaded reply recording e.
func replyText(e outbox.Effect) string {
	s := status[e.Event]
	if e.Entry != "" {
		s += fmt.Sprintf(" (entry `%s`)", short(e.Entry))
	}
	if e.At != "" {
		s += " at " + e.At
	}
	if e.Event == outbox.EventEscalated && len(e.MustAct) > 0 {
		s += "\nMust act now: " + actors(e.MustAct) + "."
	}
	if e.Event == outbox.EventEscalated && len(e.Notify) > 0 {
		s += "\nNotified: " + actors(e.Notify) + "."
	}
	if e.Event == outbox.EventEscalated && e.Summary != "" {
		s += "\n> " + esc(e.Summary)
	}
	return s
}

// directText is the direct message telling e.Recipient of e: what the
// proposal asks, what happened and why the recipient hears of it, with
// the links.
func directText(e outbox.Effect) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* %s → %s: %s", esc(e.Instance), esc(e.Workflow), esc(e.Transition), status[e.Event])
	if e.Entry != "" {
		fmt.Fprintf(&b, " (entry `%s`)", short(e.Entry))
	}
	if e.At != "" {
		b.WriteString(" at " + e.At)
	}
	b.WriteString("\nyou are notified")
	if r := e.Recipient; r != nil && r.Role != "" && r.Role != "identity" && r.Role != "human" {
		fmt.Fprintf(&b, " (%s)", esc(r.Role))
	}
	b.WriteString(".")
	if e.Summary != "" {
		fmt.Fprintf(&b, "\n> %s", esc(e.Summary))
	}
	b.WriteString(links(e))
	return b.String()
}

func waits(ev outbox.Event) bool {
	return ev == outbox.EventWaiting || ev == outbox.EventApproval || ev == outbox.EventEscalated
}

// actors names who must act: <@member> when mapped to a member id of the
// form writ.yaml admits (schemas.ValidSlackMemberID; an effect is read
// back from the outbox ref, which a pusher may have crafted, so a
// TargetID with markup in it is never put in a mention), else the
// identity, with the role that makes each eligible.
func actors(as []outbox.Actor) string {
	parts := make([]string, len(as))
	for i, a := range as {
		who := esc(a.Identity)
		if schemas.ValidSlackMemberID(a.TargetID) {
			who = "<@" + a.TargetID + ">"
		}
		if a.Role != "" && a.Role != "identity" && a.Role != "human" {
			who += " (" + esc(policies.RoleText(a.Role)) + ")"
		}
		parts[i] = who
	}
	return strings.Join(parts, ", ")
}

func links(e outbox.Effect) string {
	var ls []string
	if e.Link != "" {
		ls = append(ls, "<"+e.Link+"|pull request>")
	}
	if e.Issue != "" {
		ls = append(ls, "issue "+esc(e.Issue))
	}
	if len(ls) == 0 {
		return ""
	}
	return "\n" + strings.Join(ls, " · ")
}

// esc escapes Slack's control characters in text writ did not write.
func esc(s string) string { return escaper.Replace(s) }

// escaper is built once: a Replacer builds its tables on first use.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
