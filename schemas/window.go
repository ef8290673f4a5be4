package schemas

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Zone returns the named IANA time zone ("Europe/Berlin", "UTC") from the
// tz database embedded in writ (tz.go), never from the machine, so windows
// and freezes judge an entry the same way on every clone. It is
// deterministic and safe for concurrent use; it reads no file and no
// environment. An unknown name is ErrUnknownZone.
func Zone(name string) (*time.Location, error) { return loadZone(name) }

// Window is a recurring time a transition may fire in: on Days (every day
// when empty), between the wall-clock times of Hours ("09:00-17:00"; the
// whole day when empty), in the IANA time zone Zone. Hours never cross
// midnight (write two windows instead), and "24:00" ends a window at the
// end of the day. Times are the zone's wall clock, so on a day daylight
// saving time starts or ends a window is an hour shorter or longer.
type Window struct {
	Days  []string `yaml:"days,omitempty" json:"days,omitempty"`
	Hours string   `yaml:"hours,omitempty" json:"hours,omitempty"`
	Zone  string   `yaml:"zone" json:"zone"`
}

// Freeze is a span of days a transition may not fire in: from the start of
// From to the end of To (both YYYY-MM-DD, inclusive) in the IANA time zone
// Zone, with an optional Reason the explanation repeats.
type Freeze struct {
	From   string `yaml:"from" json:"from"`
	To     string `yaml:"to" json:"to"`
	Zone   string `yaml:"zone" json:"zone"`
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
}

// WindowDays are the day names a window may list, Sunday first, as
// time.Weekday numbers them.
var WindowDays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseDay returns the weekday of a window day name ("mon").
func ParseDay(s string) (time.Weekday, bool) {
	for i, d := range WindowDays {
		if d == s {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// ParseHours reads a window's hours, "HH:MM-HH:MM", as minutes after
// midnight: 0 <= start < end <= 1440 ("24:00" is 1440, and only an end may
// say it). An empty string is the whole day. Hours that cross midnight
// ("22:00-02:00") are refused: write two windows. It is pure.
func ParseHours(s string) (start, end int, err error) {
	if s == "" {
		return 0, 24 * 60, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("hours %q: write HH:MM-HH:MM, such as 09:00-17:00", s)
	}
	if start, err = parseClock(a, false); err != nil {
		return 0, 0, fmt.Errorf("hours %q: %w", s, err)
	}
	if end, err = parseClock(b, true); err != nil {
		return 0, 0, fmt.Errorf("hours %q: %w", s, err)
	}
	switch {
	case end == start:
		return 0, 0, fmt.Errorf("hours %q: the window is empty (start equals end)", s)
	case end < start:
		return 0, 0, fmt.Errorf("hours %q cross midnight, which a window may not: write two windows: %s-24:00, and 00:00-%s on the days after", s, a, b)
	}
	return start, end, nil
}

// parseClock reads "HH:MM" as minutes after midnight; "24:00" only when
// end is set.
func parseClock(s string, end bool) (int, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	switch {
	case err1 != nil || err2 != nil || s[0] == '+' || s[0] == '-' || s[3] == '+' || s[3] == '-':
		return 0, fmt.Errorf("%q is not HH:MM", s)
	case h == 24 && m == 0 && end:
		return 24 * 60, nil
	case h > 23 || m > 59:
		return 0, fmt.Errorf("%q is not a time of day (00:00 to 23:59, or 24:00 as an end)", s)
	}
	return h*60 + m, nil
}

// ParseDate reads a freeze's YYYY-MM-DD date. It is pure.
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return d, nil
}
