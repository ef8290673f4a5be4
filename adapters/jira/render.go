package jira

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// maxSummary bounds the explanation quoted in a comment, well inside
// Jira's 32,767 characters for a comment body.
const maxSummary = 8 << 10

// render is the wiki-markup body of e's comment. Its last line is the
// effect's marker. It only renders facts of e: who must act and what is
// missing were decided before the effect existed.
func render(e outbox.Effect, mention func(outbox.Actor) string) string {
	var b strings.Builder
	what := subject(e)
	switch e.Event {
	case outbox.EventWaiting:
		fmt.Fprintf(&b, "h4. writ: %s is waiting for a decision\n", what)
	case outbox.EventApproval:
		fmt.Fprintf(&b, "h4. writ: approval recorded on %s\n", what)
	case outbox.EventEscalated:
		fmt.Fprintf(&b, "h4. writ: %s escalated\n", what)
	case outbox.EventTimedOut:
		fmt.Fprintf(&b, "h4. writ: %s timed out\n", what)
	case outbox.EventApplied:
		fmt.Fprintf(&b, "h4. writ: %s was applied\n", what)
	case outbox.EventRejected:
		fmt.Fprintf(&b, "h4. writ: %s was rejected\n", what)
	case outbox.EventWithdrawn:
		fmt.Fprintf(&b, "h4. writ: %s was withdrawn\n", what)
	default:
		fmt.Fprintf(&b, "h4. writ: %s: %s\n", what, escape(string(e.Event)))
	}
	if e.Proposer != "" {
		fmt.Fprintf(&b, "Proposed by %s.", escape(e.Proposer))
		if e.Event == outbox.EventWaiting && e.At != "" {
			fmt.Fprintf(&b, " Waiting since %s.", escape(e.At))
		}
		b.WriteString("\n")
	} else if e.Event == outbox.EventWaiting && e.At != "" {
		fmt.Fprintf(&b, "Waiting since %s.\n", escape(e.At))
	}
	if len(e.Approvals) > 0 {
		approvals := make([]string, len(e.Approvals))
		for i, a := range e.Approvals {
			approvals[i] = escape(a)
		}
		label := "Approvals so far"
		if e.Event == outbox.EventApplied {
			label = "Approved by"
		}
		fmt.Fprintf(&b, "*%s:* %s\n", label, strings.Join(approvals, ", "))
	}
	if len(e.MustAct) > 0 {
		label := "Who must act"
		if e.Event == outbox.EventEscalated {
			label = "Who must act now"
		}
		fmt.Fprintf(&b, "*%s:* %s\n", label, mentions(e.MustAct, mention))
	}
	if e.Event == outbox.EventEscalated && len(e.Notify) > 0 {
		fmt.Fprintf(&b, "*Notified:* %s\n", mentions(e.Notify, mention))
	}
	if e.Summary != "" {
		summary := e.Summary
		if len(summary) > maxSummary {
			summary = strings.ToValidUTF8(summary[:maxSummary], "") + "\n…"
		}
		if strings.Contains(summary, "\n") {
			b.WriteString("*What is missing:*\n{noformat}\n")
			b.WriteString(strings.ReplaceAll(strings.TrimRight(summary, "\n"), "{noformat}", "(noformat)"))
			b.WriteString("\n{noformat}\n")
		} else {
			fmt.Fprintf(&b, "*What is missing:* %s\n", escape(summary))
		}
	}
	if e.Entry != "" {
		fmt.Fprintf(&b, "Entry on main: {{%s}}", shortCommit(e.Entry))
		if e.At != "" && e.Event != outbox.EventWaiting {
			fmt.Fprintf(&b, " at %s", escape(e.At))
		}
		b.WriteString("\n")
	}
	switch {
	case safeLink(e.Link):
		fmt.Fprintf(&b, "[Open the proposal|%s]\n", e.Link)
	case e.Thread != "":
		fmt.Fprintf(&b, "Proposal: {{%s}}\n", strings.ReplaceAll(e.Thread, "}", ""))
	}
	b.WriteString("----\n")
	b.WriteString(markerLine(e.Key))
	return b.String()
}

// mentions renders actors, each with the role that names them.
func mentions(as []outbox.Actor, mention func(outbox.Actor) string) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = mention(a)
		if text := policies.RoleText(a.Role); text != a.Role {
			out[i] += " (" + escape(text) + ")" // through an escalation step
		} else if a.Role != "" {
			out[i] += " (role " + escape(a.Role) + ")"
		}
	}
	return strings.Join(out, ", ")
}

// subject names what the proposal asks: "workflow transition on instance".
func subject(e outbox.Effect) string {
	var parts []string
	if e.Transition != "" {
		parts = append(parts, escape(e.Transition))
	}
	if e.Instance != "" {
		if len(parts) > 0 {
			parts = append(parts, "on")
		}
		parts = append(parts, "{{"+strings.ReplaceAll(e.Instance, "}", "")+"}}")
	}
	if e.Workflow != "" {
		parts = append(parts, "("+escape(e.Workflow)+")")
	}
	if len(parts) == 0 {
		return "a proposal"
	}
	return "the proposal " + strings.Join(parts, " ")
}

// shortCommit is a commit's first 12 hex digits.
func shortCommit(c string) string {
	if len(c) > 12 {
		c = c[:12]
	}
	return strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || (r >= 'a' && r <= 'f') {
			return r
		}
		return -1
	}, c)
}

// safeLink reports whether link can be put in a wiki-markup link: an
// http(s) URL without the characters that end or split one.
func safeLink(link string) bool {
	return (strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://")) &&
		!strings.ContainsAny(link, "[]| \t\r\n{}")
}

// validMentionID reports whether id can be put in a [~…] mention.
func validMentionID(id string) bool {
	return id != "" && !strings.ContainsAny(id, "[]|{}~ \t\r\n")
}

// wikiSpecial are the characters that wiki markup would read as markup.
const wikiSpecial = "\\{}[]|*_^~+!"

// escape makes s plain text in wiki markup: markup characters get a
// backslash, and line breaks become spaces.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case strings.ContainsRune(wikiSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
