package schemas

import (
	"strings"
	"time"
)

// clockLayout is how an explanation writes an instant: minutes and the
// zone's offset, in the zone of the window or freeze it belongs to.
const clockLayout = "2006-01-02T15:04Z07:00"

// WindowVerdict is what a transition's windows and freezes say at one
// instant.
type WindowVerdict struct {
	// Open: the transition may fire now.
	Open bool
	// Detail explains the verdict: where the instant falls, and when
	// closed, until when and when it opens next ("outside window mon-thu
	// 09:00-17:00 Europe/Berlin; the next window opens
	// 2026-12-07T09:00+01:00").
	Detail string
	// Opens is the first instant at or after the one judged at which the
	// transition may fire, in Unix milliseconds; 0 when open, or when no
	// window opens.
	Opens int64
	// Bad is set when a zone, day, hours or date cannot be read (rules
	// that never passed the loader's checks); the entry is then refused.
	Bad string
}

// Times are the windows and freezes that hold one transition.
type Times struct {
	Windows []Window
	Freeze  []Freeze
}

// Timed reports whether there are windows or freezes.
func (t Times) Timed() bool { return len(t.Windows) > 0 || len(t.Freeze) > 0 }

// TimesOf returns the windows and freezes that hold transition tr of w:
// its own windows, or the workflow's when it declares none; likewise its
// own freezes, or the workflow's. The built-in quarantine and release are
// never held: they are how an instance is stopped and resumed.
func (w *Workflow) TimesOf(tr *Transition) Times {
	if tr.Name == QuarantineTransition || tr.Name == ReleaseTransition {
		return Times{}
	}
	t := Times{Windows: tr.Windows, Freeze: tr.Freeze}
	if len(t.Windows) == 0 {
		t.Windows = w.Windows
	}
	if len(t.Freeze) == 0 {
		t.Freeze = w.Freeze
	}
	return t
}

// interval is one occurrence of a window or freeze: [start, end).
type interval struct{ start, end time.Time }

// timeRules are a transition's windows and freezes with their zones and
// hours resolved.
type timeRules struct {
	windows []windowRule
	freezes []freezeRule
}

type windowRule struct {
	w          Window
	loc        *time.Location
	days       [7]bool // by time.Weekday; all true when w.Days is empty
	start, end int     // minutes after midnight
}

type freezeRule struct {
	f   Freeze
	loc *time.Location
	at  interval
}

// resolveTimeRules loads zones and parses hours and dates; the string is
// the reason when it cannot.
func resolveTimeRules(tr Times) (timeRules, string) {
	var r timeRules
	for _, w := range tr.Windows {
		loc, err := Zone(w.Zone)
		if err != nil {
			return r, err.Error()
		}
		start, end, err := ParseHours(w.Hours)
		if err != nil {
			return r, err.Error()
		}
		wr := windowRule{w: w, loc: loc, start: start, end: end}
		for _, d := range w.Days {
			day, ok := ParseDay(d)
			if !ok {
				return r, "unknown day " + d
			}
			wr.days[day] = true
		}
		if len(w.Days) == 0 {
			wr.days = [7]bool{true, true, true, true, true, true, true}
		}
		r.windows = append(r.windows, wr)
	}
	for _, f := range tr.Freeze {
		loc, err := Zone(f.Zone)
		if err != nil {
			return r, err.Error()
		}
		from, err1 := ParseDate(f.From)
		to, err2 := ParseDate(f.To)
		if err1 != nil || err2 != nil {
			return r, "freeze " + f.From + " to " + f.To + ": not dates YYYY-MM-DD"
		}
		r.freezes = append(r.freezes, freezeRule{f: f, loc: loc, at: interval{
			start: time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc),
			end:   time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc),
		}})
	}
	return r, ""
}

// occurrence is the window's interval on the zone's calendar day of t, plus
// days; ok is false when the window is not open that weekday (or the interval
// is empty, as a daylight-saving gap can make it).
func (w windowRule) occurrence(t time.Time, days int) (interval, bool) {
	y, m, d := t.In(w.loc).Date()
	day := time.Date(y, m, d+days, 12, 0, 0, 0, w.loc)
	if !w.days[day.Weekday()] {
		return interval{}, false
	}
	y, m, d = day.Date()
	s := interval{
		start: time.Date(y, m, d, w.start/60, w.start%60, 0, 0, w.loc),
		end:   time.Date(y, m, d, w.end/60, w.end%60, 0, 0, w.loc),
	}
	return s, s.start.Before(s.end)
}

// contains reports whether t falls inside the window.
func (w windowRule) contains(t time.Time) bool {
	s, ok := w.occurrence(t, 0)
	return ok && !t.Before(s.start) && t.Before(s.end)
}

// next returns the window's first opening after t (within a week and a
// day), and whether there is one.
func (w windowRule) next(t time.Time) (time.Time, bool) {
	for k := 0; k <= 8; k++ {
		if s, ok := w.occurrence(t, k); ok && s.start.After(t) {
			return s.start, true
		}
	}
	return time.Time{}, false
}

// frozen returns the freeze holding t, if any.
func (r timeRules) frozen(t time.Time) (freezeRule, bool) {
	for _, f := range r.freezes {
		if !t.Before(f.at.start) && t.Before(f.at.end) {
			return f, true
		}
	}
	return freezeRule{}, false
}

// inWindow reports whether t is inside some window (true when there are
// none).
func (r timeRules) inWindow(t time.Time) bool {
	if len(r.windows) == 0 {
		return true
	}
	for _, w := range r.windows {
		if w.contains(t) {
			return true
		}
	}
	return false
}

// allowed reports whether the transition may fire at t.
func (r timeRules) allowed(t time.Time) bool {
	_, frozen := r.frozen(t)
	return !frozen && r.inWindow(t)
}

// nextAllowed returns the first instant at or after t at which the
// transition may fire: past every freeze that holds it, at the opening of
// a window. ok is false when none is found in a bounded number of steps
// (each step leaves a freeze or reaches a window's opening, so rules that
// can open at all open within it).
func (r timeRules) nextAllowed(t time.Time) (time.Time, *time.Location, bool) {
	var loc *time.Location
	for range 4*(len(r.freezes)+len(r.windows)) + 8 {
		if f, frozen := r.frozen(t); frozen {
			t, loc = f.at.end, f.loc
			continue
		}
		if r.inWindow(t) {
			return t, loc, true
		}
		var best time.Time
		for _, w := range r.windows {
			if n, ok := w.next(t); ok && (best.IsZero() || n.Before(best)) {
				best, loc = n, w.loc
			}
		}
		if best.IsZero() {
			return time.Time{}, nil, false
		}
		t = best
	}
	return time.Time{}, nil, false
}

// JudgeWindows judges a transition's windows and freezes (TimesOf) at the
// instant unixMilli (an entry's clock). It is pure and deterministic:
// zones come from the tz database embedded in writ (Zone), never from the
// machine.
func JudgeWindows(tr Times, unixMilli int64) WindowVerdict {
	r, bad := resolveTimeRules(tr)
	if bad != "" {
		return WindowVerdict{Bad: bad}
	}
	at := time.UnixMilli(unixMilli).UTC()
	loc := time.UTC
	if len(r.windows) > 0 {
		loc = r.windows[0].loc
	} else if len(r.freezes) > 0 {
		loc = r.freezes[0].loc
	}
	if r.allowed(at) {
		d := "at " + at.In(loc).Format(clockLayout) + ": "
		if len(r.windows) > 0 {
			d += "inside " + describeWindows(r.windows)
			if len(r.freezes) > 0 {
				d += ", "
			}
		}
		if len(r.freezes) > 0 {
			d += "no freeze"
		}
		return WindowVerdict{Open: true, Detail: d}
	}
	var parts []string
	f, frozen := r.frozen(at)
	if frozen {
		p := "frozen until " + f.at.end.Format(clockLayout)
		if f.f.Reason != "" {
			p += " (" + f.f.Reason + ")"
		}
		parts = append(parts, p)
	} else {
		parts = append(parts, "outside "+describeWindows(r.windows))
	}
	next, nloc, ok := r.nextAllowed(at)
	switch {
	case !ok:
		parts = append(parts, "no window opens after it")
	case frozen && next.Equal(f.at.end):
		// "frozen until" already says it.
	default:
		parts = append(parts, "the next window opens "+next.In(nloc).Format(clockLayout))
	}
	v := WindowVerdict{Detail: strings.Join(parts, "; ")}
	if ok {
		v.Opens = next.UnixMilli()
	}
	return v
}

// describeWindows names windows the way a reader writes them: "window
// mon-thu 09:00-17:00 Europe/Berlin", several joined by " or ".
func describeWindows(ws []windowRule) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		hours := w.w.Hours
		if hours == "" {
			hours = "all day"
		}
		parts[i] = describeDays(w.days) + " " + hours + " " + w.w.Zone
	}
	if len(parts) == 1 {
		return "window " + parts[0]
	}
	return "windows " + strings.Join(parts, " or ")
}

// describeDays writes a set of weekdays Monday first, runs of two or more
// days as a range: "mon-thu", "mon,wed,fri", "daily".
func describeDays(days [7]bool) string {
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	all := true
	for _, on := range days {
		all = all && on
	}
	if all {
		return "daily"
	}
	var parts []string
	for i := 0; i < 7; {
		if !days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && days[order[j+1]] {
			j++
		}
		p := WindowDays[order[i]]
		if j > i {
			p += "-" + WindowDays[order[j]]
		}
		parts = append(parts, p)
		i = j + 1
	}
	return strings.Join(parts, ",")
}
