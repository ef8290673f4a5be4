package schemas_test

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/schemas"
)

// TestFreeTextRefusesControlCharacters: owner, trigger.ref and trigger.url
// are printed by writ (writ state's table and "cost of <owner>:" lines);
// a control or format character there could fake what an auditor reads.
// CheckProposal refuses them with file:line:col and the field; the schema
// alone (what replay loads entries already on main with) still accepts
// them, so an owner admitted before keeps replaying.
func TestFreeTextRefusesControlCharacters(t *testing.T) {
	b, problems := schemas.LoadBundle(fixtures.Release())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	const file = "proposals/web-9/create.yaml"
	tests := []struct {
		name, owner, ref, url string
		// want is the problem's start ("" when the proposal is fine).
		want string
	}{
		{"plain", "web-team", "OPS-12", "https://example.com/OPS-12", ""},
		{"non-ASCII letters", "équipe web ✓", "acme/web#12", "https://example.com/é", ""},
		{"ESC in owner fakes a cost line", `evil\e[1A\e[2Kcost of web-team: 0 USD`, "OPS-12", "", file + ":6:8: owner: holds the control or format character U+001B at character 5"},
		{"tab in owner", `web\tteam`, "OPS-12", "", file + ":6:8: owner: holds the control or format character U+0009"},
		{"C1 CSI in owner", `web\u009b2Kteam`, "OPS-12", "", file + ":6:8: owner: holds the control or format character U+009B"},
		{"bidi override in owner", `team\u202Eevil`, "OPS-12", "", file + ":6:8: owner: holds the control or format character U+202E at character 5"},
		{"zero-width space in owner", `web\u200bteam`, "OPS-12", "", file + ":6:8: owner: holds the control or format character U+200B"},
		{"OSC 8 link in trigger.ref", "web-team", `\e]8;;https://evil.example\e\\click\e]8;;\e\\`, "", file + ":9:8: trigger.ref: holds the control or format character U+001B at character 1"},
		{"ESC in trigger.url", "web-team", "OPS-12", `https://example.com/\e[2K`, file + ":10:8: trigger.url: holds the control or format character U+001B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "instance: web-9\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-9/create\n" +
				"owner: \"" + tt.owner + "\"\ntrigger:\n  kind: issue\n  ref: \"" + tt.ref + "\"\n"
			if tt.url != "" {
				src += "  url: \"" + tt.url + "\"\n"
			}
			var p schemas.Proposal
			pos, problems := schemas.Decode(schemas.KindProposal, file, []byte(src), &p)
			if len(problems) > 0 {
				t.Fatalf("the schema refuses it (replay would too): %v", problems)
			}
			problems = schemas.CheckProposal(b, file, &p, pos)
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("refused: %v", problems)
			case tt.want != "" && (len(problems) != 1 || !strings.HasPrefix(problems[0].String(), tt.want)):
				t.Errorf("problems = %v, want one starting %q", problems, tt.want)
			}
		})
	}
}
