package audit

import (
	"strings"
	"testing"
)

// TestStatusOf: a decision's recorded plan matches the entry's, differs
// from it, or is absent, and each says so in words.
func TestStatusOf(t *testing.T) {
	const a, b = "sha256:aaaa", "sha256:bbbb"
	tests := []struct {
		name           string
		recorded, plan string
		want           PlanStatus
		words          string
	}{
		{"same digest", a, a, PlanMatches, "shown plan sha256:aaaa — matches this entry's plan"},
		{"another digest", a, b, PlanDiffers, "shown plan sha256:aaaa — differs (decided on another plan)"},
		{"none recorded", "", a, PlanNone, "no plan recorded (GitHub review / older decision)"},
		{"none recorded, no entry plan", "", "", PlanNone, "no plan recorded"},
		{"recorded, entry has none", a, "", PlanDiffers, "differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StatusOf(tt.recorded, tt.plan)
			if got != tt.want {
				t.Fatalf("StatusOf(%q, %q) = %q, want %q", tt.recorded, tt.plan, got, tt.want)
			}
			if w := got.Describe(tt.recorded); !strings.Contains(w, tt.words) {
				t.Errorf("Describe = %q, want it to contain %q", w, tt.words)
			}
		})
	}
}
