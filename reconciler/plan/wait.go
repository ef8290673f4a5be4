package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// Waiting is the recorded wait of the proposal shown: since when it has
// waited for a human (the clock of its wait entry on main) and for which
// rules of which policy (what the proposal needs from humans, with no
// decision). See core.Wait.
type Waiting struct {
	// Since is the wait entry's clock as a time (UTC, millisecond
	// precision), HLC its exact text.
	Since time.Time `json:"since"`
	HLC   string    `json:"hlc"`
	// AgeSeconds is Input.Now minus Since, in whole seconds; absent when
	// the caller gave no Now.
	AgeSeconds *int64   `json:"age_seconds,omitempty"`
	Policy     string   `json:"policy"`
	Rules      []string `json:"rules,omitempty"`
	// Deadline is when the wait times out (on_timeout: reject) and
	// TimeoutBy what declares the timeout ("transition ship"); absent when
	// nothing does.
	Deadline  *time.Time `json:"deadline,omitempty"`
	TimeoutBy string     `json:"timeout_by,omitempty"`
	// OnTimeout is what happens at the deadline: reject, or the name of
	// the transition the instance then takes.
	OnTimeout string `json:"on_timeout,omitempty"`
	// Escalated lists the escalation steps the wait reached, with when
	// (the escalate entry's clock) and to whom; NextEscalation the step it
	// reaches next and when it is due. Absent when there are none.
	Escalated      []EscalationView `json:"escalated,omitempty"`
	NextEscalation *EscalationView  `json:"next_escalation,omitempty"`
}

// EscalationView is one escalation step of a wait: its number, when it was
// taken or is due, to whom ("role sre-lead, carol") and what declares it.
type EscalationView struct {
	Step int       `json:"step"`
	At   time.Time `json:"at"`
	To   string    `json:"to"`
	By   string    `json:"by,omitempty"`
}

// WaitOf returns the wait recorded in s for the proposal a gate result
// judged, when it is recorded for the content judged (a wait on older
// content no longer describes it), or nil.
func WaitOf(s core.State, path, content string) *core.Wait {
	w, ok := s.WaitOf(path)
	if !ok || w.Content != content {
		return nil
	}
	return &w
}

// BehindOf returns the wait recorded in s at path for content other than
// content (the proposal judged waits behind it: core.State.WaitBehind),
// or nil.
func BehindOf(s core.State, path, content string) *core.Wait {
	w, ok := s.WaitOf(path)
	if !ok || w.Content == content {
		return nil
	}
	return &w
}

// WaitingOf returns the view of a recorded wait (nil for nil), with its
// deadline under rules (the rules in force); now (zero: unknown) measures
// its age.
func WaitingOf(w *core.Wait, rules *schemas.Bundle, now time.Time) *Waiting {
	if w == nil {
		return nil
	}
	v := &Waiting{Since: WaitStart(*w), HLC: w.Since.String(), Policy: w.Policy, Rules: w.Rules}
	if at, by, on, ok := core.DeadlineOf(rules, *w); ok {
		t := hlcTime(at)
		v.Deadline, v.TimeoutBy, v.OnTimeout = &t, by, on
	}
	for _, x := range core.EscalationsOf(rules, *w) {
		at := time.Time{}
		for _, r := range w.Escalated {
			if r.Step == x.Step {
				at = hlcTime(r.At)
			}
		}
		v.Escalated = append(v.Escalated, EscalationView{Step: x.Step, At: at,
			To: schemas.EscalationStep{Roles: x.Roles, Identities: x.Identities}.Who()})
	}
	if n, ok := core.NextEscalation(rules, *w); ok {
		v.NextEscalation = &EscalationView{Step: n.Number, At: hlcTime(n.At), To: n.Step.Who(), By: n.By}
	}
	if !now.IsZero() {
		age := int64(now.Sub(v.Since).Round(time.Second) / time.Second)
		v.AgeSeconds = &age
	}
	return v
}

// WaitStart is the time a wait started: its entry's clock, whose wall
// part is Unix milliseconds.
func WaitStart(w core.Wait) time.Time { return hlcTime(w.Since) }

// hlcTime is the wall-clock part of an HLC as a UTC time.
func hlcTime(h core.HLC) time.Time { return time.UnixMilli(h.Wall).UTC() }

// String is "waiting since <time> (<age>) for policy <p>: <rules>", the
// age left out when unknown.
func (w Waiting) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "waiting since %s", w.Since.Format(time.RFC3339))
	if w.AgeSeconds != nil {
		fmt.Fprintf(&b, " (%s)", time.Duration(*w.AgeSeconds)*time.Second)
	}
	fmt.Fprintf(&b, " for policy %s", w.Policy)
	if len(w.Rules) > 0 {
		b.WriteString(": " + strings.Join(w.Rules, ", "))
	}
	for _, x := range w.Escalated {
		fmt.Fprintf(&b, "; escalated to %s at %s (step %d)", x.To, x.At.Format(time.RFC3339), x.Step)
	}
	if n := w.NextEscalation; n != nil {
		fmt.Fprintf(&b, "; escalates to %s at %s (step %d of %s)", n.To, n.At.Format(time.RFC3339), n.Step, n.By)
	}
	if w.Deadline != nil {
		on := w.OnTimeout
		if on == "" {
			on = schemas.OnTimeoutReject
		}
		fmt.Fprintf(&b, "; times out at %s (timeout of %s, on_timeout: %s)", w.Deadline.Format(time.RFC3339), w.TimeoutBy, on)
	}
	return b.String()
}
