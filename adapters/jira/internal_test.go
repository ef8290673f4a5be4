package jira

import (
	"testing"
	"time"

	"github.com/writ-dev/writ/reconciler/outbox"
)

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"", 0, false},
		{"-3", 0, false},
		{"soon", 0, false},
		{"Sun, 06 Dec 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sun, 06 Dec 2026 11:00:00 GMT", 0, true},
		// Absurd waits ask for the cap, never a negative or decades-long wait.
		{"3600", time.Hour, true},
		{"3601", outbox.MaxRetryAfter, true},
		{"9999999999", outbox.MaxRetryAfter, true},
		{"18446744073", outbox.MaxRetryAfter, true},
		{"99999999999999999999999999", outbox.MaxRetryAfter, true},
		{"Fri, 06 Dec 2286 12:00:00 GMT", outbox.MaxRetryAfter, true},
		{"+5", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := retryAfter(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"release-bot", "release-bot"},
		{"a*b*", `a\*b\*`},
		{"[link|http://x]", `\[link\|http://x\]`},
		{"{code}x{code}", `\{code\}x\{code\}`},
		{"two\nlines", "two lines"},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
