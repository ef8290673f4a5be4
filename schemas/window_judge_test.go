package schemas

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	officeBerlin = Window{Days: []string{"mon", "tue", "wed", "thu"}, Hours: "09:00-17:00", Zone: "Europe/Berlin"}
	yearEnd      = Freeze{From: "2026-12-20", To: "2027-01-04", Zone: "Europe/Berlin", Reason: "year-end"}
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestJudgeWindows: inside and outside windows and freezes, at their
// boundaries, across daylight-saving changes and zones, with the instant
// the next window opens.
func TestJudgeWindows(t *testing.T) {
	tests := []struct {
		name    string
		windows []Window
		freeze  []Freeze
		at      string
		open    bool
		detail  string
	}{
		{"friday evening", []Window{officeBerlin}, nil, "2026-12-04T18:00:00Z", false,
			"outside window mon-thu 09:00-17:00 Europe/Berlin; the next window opens 2026-12-07T09:00+01:00"},
		{"monday at the opening (start included)", []Window{officeBerlin}, nil, "2026-12-07T08:00:00Z", true,
			"at 2026-12-07T09:00+01:00: inside window mon-thu 09:00-17:00 Europe/Berlin"},
		{"a millisecond before the opening", []Window{officeBerlin}, nil, "2026-12-07T07:59:59.999Z", false,
			"outside window mon-thu 09:00-17:00 Europe/Berlin; the next window opens 2026-12-07T09:00+01:00"},
		{"monday at the close (end excluded)", []Window{officeBerlin}, nil, "2026-12-07T16:00:00Z", false,
			"outside window mon-thu 09:00-17:00 Europe/Berlin; the next window opens 2026-12-08T09:00+01:00"},
		{"thursday after the close waits for monday", []Window{officeBerlin}, nil, "2026-12-10T16:30:00Z", false,
			"the next window opens 2026-12-14T09:00+01:00"},
		{"summer time: 09:00 is 07:00Z", []Window{officeBerlin}, nil, "2026-07-06T07:00:00Z", true,
			"at 2026-07-06T09:00+02:00: inside"},
		{"summer time: 08:59 CEST is outside", []Window{officeBerlin}, nil, "2026-07-06T06:59:00Z", false,
			"the next window opens 2026-07-06T09:00+02:00"},
		{"spring forward: 01:00-04:00 lasts two hours", []Window{{Hours: "01:00-04:00", Zone: "Europe/Berlin"}}, nil, "2026-03-29T01:30:00Z", true,
			"at 2026-03-29T03:30+02:00: inside window daily 01:00-04:00 Europe/Berlin"},
		{"spring forward: closed at 04:00 CEST", []Window{{Hours: "01:00-04:00", Zone: "Europe/Berlin"}}, nil, "2026-03-29T02:00:00Z", false,
			"the next window opens 2026-03-30T01:00+02:00"},
		{"fall back: 01:00-04:00 lasts four hours", []Window{{Hours: "01:00-04:00", Zone: "Europe/Berlin"}}, nil, "2026-10-25T02:30:00Z", true,
			"at 2026-10-25T03:30+01:00: inside"},
		{"fall back: the first 02:30 is inside too", []Window{{Hours: "01:00-04:00", Zone: "Europe/Berlin"}}, nil, "2026-10-25T00:30:00Z", true,
			"at 2026-10-25T02:30+02:00: inside"},
		{"until midnight", []Window{{Days: []string{"sat", "sun"}, Hours: "20:00-24:00", Zone: "UTC"}}, nil, "2026-12-06T23:59:00Z", true,
			"inside window sat-sun 20:00-24:00 UTC"},
		{"midnight closes it", []Window{{Days: []string{"sat", "sun"}, Hours: "20:00-24:00", Zone: "UTC"}}, nil, "2026-12-07T00:00:00Z", false,
			"the next window opens 2026-12-12T20:00Z"},
		{"two zones: the earlier opening wins", []Window{
			{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Hours: "09:00-17:00", Zone: "America/New_York"},
			{Days: []string{"sat"}, Hours: "10:00-12:00", Zone: "UTC"}}, nil, "2026-12-04T23:00:00Z", false,
			"outside windows mon-fri 09:00-17:00 America/New_York or sat 10:00-12:00 UTC; the next window opens 2026-12-05T10:00Z"},
		{"two zones: inside the second", []Window{
			{Days: []string{"mon", "wed", "fri"}, Hours: "09:00-17:00", Zone: "America/New_York"},
			{Days: []string{"sat"}, Hours: "10:00-12:00", Zone: "UTC"}}, nil, "2026-12-05T11:00:00Z", true,
			"inside windows mon,wed,fri 09:00-17:00 America/New_York or sat 10:00-12:00 UTC"},
		{"frozen: the freeze and then the window", []Window{officeBerlin}, []Freeze{yearEnd}, "2026-12-21T09:00:00Z", false,
			"frozen until 2027-01-05T00:00+01:00 (year-end); the next window opens 2027-01-05T09:00+01:00"},
		{"freeze alone starts at midnight in its zone", nil, []Freeze{yearEnd}, "2026-12-19T23:00:00Z", false,
			"frozen until 2027-01-05T00:00+01:00 (year-end)"},
		{"freeze alone: a minute before it", nil, []Freeze{yearEnd}, "2026-12-19T22:59:00Z", true,
			"at 2026-12-19T23:59+01:00: no freeze"},
		{"freeze alone: its last day is included", nil, []Freeze{yearEnd}, "2027-01-04T22:59:00Z", false,
			"frozen until 2027-01-05T00:00+01:00 (year-end)"},
		{"freeze alone: over at midnight after its last day", nil, []Freeze{yearEnd}, "2027-01-04T23:00:00Z", true,
			"no freeze"},
		{"back-to-back freezes", nil, []Freeze{yearEnd, {From: "2027-01-05", To: "2027-01-06", Zone: "Europe/Berlin"}}, "2026-12-30T12:00:00Z", false,
			"frozen until 2027-01-05T00:00+01:00 (year-end); the next window opens 2027-01-07T00:00+01:00"},
		{"inside a window and no freeze", []Window{officeBerlin}, []Freeze{yearEnd}, "2026-12-08T10:00:00Z", true,
			"at 2026-12-08T11:00+01:00: inside window mon-thu 09:00-17:00 Europe/Berlin, no freeze"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Times{Windows: tt.windows, Freeze: tt.freeze}
			v := JudgeWindows(tr, utc(tt.at).UnixMilli())
			if v.Bad != "" {
				t.Fatal(v.Bad)
			}
			if v.Open != tt.open || !strings.Contains(v.Detail, tt.detail) {
				t.Fatalf("open %v %q; want %v with %q", v.Open, v.Detail, tt.open, tt.detail)
			}
			if !v.Open && v.Opens != 0 {
				// The next opening is open, and later than the instant.
				if o := JudgeWindows(tr, v.Opens); !o.Open || v.Opens <= utc(tt.at).UnixMilli() {
					t.Fatalf("next opening %d is not open: %s", v.Opens, o.Detail)
				}
			}
		})
	}
}

// TestNextOpeningOracle: minute by minute over weeks that hold a
// daylight-saving change, a freeze and zones on both sides of UTC, the
// next opening is the first minute at which the slow, obvious scan finds
// the transition open.
func TestNextOpeningOracle(t *testing.T) {
	sets := []struct {
		name  string
		tr    Times
		from  string
		weeks int
	}{
		{"office Berlin over spring forward", Times{Windows: []Window{officeBerlin, {Days: []string{"sun"}, Hours: "01:30-03:30", Zone: "Europe/Berlin"}}}, "2026-03-25T00:00:00Z", 1},
		{"office Berlin over fall back", Times{Windows: []Window{officeBerlin, {Days: []string{"sun"}, Hours: "02:00-02:30", Zone: "Europe/Berlin"}}}, "2026-10-21T00:00:00Z", 1},
		{"New York and Kolkata with a freeze", Times{
			Windows: []Window{{Days: []string{"fri"}, Hours: "16:00-24:00", Zone: "America/New_York"}, {Days: []string{"mon"}, Hours: "00:00-01:00", Zone: "Asia/Kolkata"}},
			Freeze:  []Freeze{{From: "2026-11-06", To: "2026-11-09", Zone: "UTC"}}}, "2026-11-01T00:00:00Z", 2},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			r, bad := resolveTimeRules(set.tr)
			if bad != "" {
				t.Fatal(bad)
			}
			start := utc(set.from)
			n := set.weeks * 7 * 24 * 60
			open := make([]bool, n+8*24*60)
			for i := range open {
				open[i] = r.allowed(start.Add(time.Duration(i) * time.Minute))
			}
			nextOpen := -1
			for i := len(open) - 1; i >= 0; i-- {
				if open[i] {
					nextOpen = i
				}
				if i >= n || open[i] {
					continue
				}
				got, _, ok := r.nextAllowed(start.Add(time.Duration(i) * time.Minute))
				want := start.Add(time.Duration(nextOpen) * time.Minute)
				if nextOpen < 0 || !ok || !got.Equal(want) {
					t.Fatalf("at %s: next opening %s (%v), the scan says %s", start.Add(time.Duration(i)*time.Minute), got, ok, want)
				}
			}
		})
	}
}

// TestTimesOf: a transition's own windows and freezes, else its
// workflow's, each key on its own; never for quarantine and release.
func TestTimesOf(t *testing.T) {
	wfWin := []Window{{Zone: "UTC", Hours: "08:00-18:00"}}
	wfFreeze := []Freeze{yearEnd}
	own := []Window{officeBerlin}
	w := &Workflow{Windows: wfWin, Freeze: wfFreeze}
	tests := []struct {
		name string
		tr   Transition
		want Times
	}{
		{"none of its own", Transition{Name: "ship"}, Times{Windows: wfWin, Freeze: wfFreeze}},
		{"its own windows, the workflow's freeze", Transition{Name: "ship", Windows: own}, Times{Windows: own, Freeze: wfFreeze}},
		{"its own freeze", Transition{Name: "ship", Freeze: []Freeze{{From: "2026-01-01", To: "2026-01-01", Zone: "UTC"}}},
			Times{Windows: wfWin, Freeze: []Freeze{{From: "2026-01-01", To: "2026-01-01", Zone: "UTC"}}}},
		{"quarantine is never held", Transition{Name: QuarantineTransition}, Times{}},
		{"release is never held", Transition{Name: ReleaseTransition}, Times{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := w.TimesOf(&tt.tr); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("TimesOf = %+v, want %+v", got, tt.want)
			}
		})
	}
	if (&Workflow{}).TimesOf(&Transition{Name: "ship"}).Timed() {
		t.Fatal("a workflow and transition without windows are timed")
	}
}
