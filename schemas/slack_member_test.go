package schemas

import "testing"

func TestValidSlackMemberIDIsTheSchemaPattern(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"U0ALICE", true},
		{"W0123ABCD", true},
		{"U0ALICE> <!channel", false},
		{"U0ALICE>", false},
		{"u0alice", false},
		{"C0DEPLOYS", false},
		{"U", false},
		{"", false},
	} {
		t.Run(tt.id, func(t *testing.T) {
			if got := ValidSlackMemberID(tt.id); got != tt.want {
				t.Fatalf("ValidSlackMemberID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}
