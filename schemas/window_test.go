package schemas

import (
	"strings"
	"testing"
)

// TestWindowChecks: every mistake in a transition's windows and freezes is
// reported at its file:line:col and field.
func TestWindowChecks(t *testing.T) {
	win := func(yaml string) map[string]string {
		return map[string]string{wfFile: wf("deploy", twoStates, twoSteps+yaml)}
	}
	tests := []struct {
		name string
		yaml string
		want want
	}{
		{"unknown day", "    windows:\n      - days: [mon, tue, wednesday]\n        zone: UTC\n",
			want{wfFile, 13, 26, "transitions[1].windows[0].days[2]", "mon"}},
		{"day twice", "    windows:\n      - days: [mon, mon]\n        zone: UTC\n",
			want{wfFile, 13, 21, "transitions[1].windows[0].days[1]", `day "mon" is listed twice (first at line 13)`}},
		{"hours not a time", "    windows:\n      - hours: \"09:00-25:00\"\n        zone: UTC\n",
			want{wfFile, 13, 16, "transitions[1].windows[0].hours", `"25:00" is not a time of day`}},
		{"hours cross midnight", "    windows:\n      - hours: \"22:00-02:00\"\n        zone: UTC\n",
			want{wfFile, 13, 16, "transitions[1].windows[0].hours", "cross midnight, which a window may not: write two windows: 22:00-24:00, and 00:00-02:00 on the days after"}},
		{"hours empty", "    windows:\n      - hours: \"09:00-09:00\"\n        zone: UTC\n",
			want{wfFile, 13, 16, "transitions[1].windows[0].hours", "the window is empty"}},
		{"hours malformed", "    windows:\n      - hours: \"9-17\"\n        zone: UTC\n",
			want{wfFile, 13, 16, "transitions[1].windows[0].hours", "HH:MM-HH:MM"}},
		{"unknown zone", "    windows:\n      - hours: \"09:00-17:00\"\n        zone: Europe/Berlinn\n",
			want{wfFile, 14, 15, "transitions[1].windows[0].zone", `unknown time zone "Europe/Berlinn"`}},
		{"window without zone", "    windows:\n      - hours: \"09:00-17:00\"\n",
			want{wfFile, 13, 9, "transitions[1].windows[0]", "zone"}},
		{"freeze to before from", "    freeze:\n      - from: 2026-12-20\n        to: 2026-12-19\n        zone: Europe/Berlin\n",
			want{wfFile, 14, 13, "transitions[1].freeze[0].to", "freeze ends (2026-12-19) before it starts (2026-12-20)"}},
		{"freeze date that does not exist", "    freeze:\n      - from: 2026-02-30\n        to: 2026-03-01\n        zone: UTC\n",
			want{wfFile, 13, 15, "transitions[1].freeze[0].from", `"2026-02-30" is not a date YYYY-MM-DD`}},
		{"freeze unknown zone", "    freeze:\n      - from: 2026-12-20\n        to: 2027-01-04\n        zone: CEST\n",
			want{wfFile, 15, 15, "transitions[1].freeze[0].zone", `unknown time zone "CEST"`}},
		{"workflow-wide window with an unknown zone", "freeze:\n  - from: 2026-12-20\n    to: 2027-01-04\n    zone: Mars/Olympus\n",
			want{wfFile, 15, 11, "freeze[0].zone", `unknown time zone "Mars/Olympus"`}},
		{"freeze unknown field", "    freeze:\n      - from: 2026-12-20\n        to: 2027-01-04\n        zone: UTC\n        until: 2027-01-05\n",
			want{wfFile, 16, 9, "transitions[1].freeze[0].until", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(win(tt.yaml)))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
	ok := "    windows:\n      - days: [mon, tue, wed, thu]\n        hours: \"09:00-17:00\"\n        zone: Europe/Berlin\n      - hours: \"00:00-24:00\"\n        zone: UTC\n" +
		"    freeze:\n      - from: 2026-12-20\n        to: 2027-01-04\n        zone: Europe/Berlin\n        reason: year-end\n"
	if ps := ValidateRepo(repo(win(ok))); len(ps) > 0 {
		t.Fatalf("valid windows refused: %v", ps)
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		in         string
		start, end int
		err        string
	}{
		{"09:00-17:00", 540, 1020, ""},
		{"00:00-24:00", 0, 1440, ""},
		{"", 0, 1440, ""},
		{"23:59-24:00", 1439, 1440, ""},
		{"24:00-24:00", 0, 0, "not a time of day"},
		{"17:00-09:00", 0, 0, "cross midnight"},
		{"09:60-10:00", 0, 0, "not a time of day"},
		{"+9:00-10:00", 0, 0, "not HH:MM"},
		{"0900-1000", 0, 0, "is not HH:MM"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, e, err := ParseHours(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseHours(%q) = %v, want an error with %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || s != tt.start || e != tt.end {
				t.Fatalf("ParseHours(%q) = %d, %d, %v; want %d, %d", tt.in, s, e, err, tt.start, tt.end)
			}
		})
	}
}
