package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// TestStateTableSpellsOutOwners: an owner recorded on main before owners
// were checked (an entry that must still replay) may hold an escape
// sequence, a tab or a bidi override; writ state's table and cost lines
// spell them out, so no owner can move a column, redraw a line or fake
// the "cost of <owner>:" line an auditor reads.
func TestStateTableSpellsOutOwners(t *testing.T) {
	tests := []struct {
		name, owner string
		// cell is how the owner must appear, in the table and the cost line.
		cell string
	}{
		{"plain", "web-team", "web-team"},
		{"escape sequence", "evil\x1b[1A\x1b[2Kcost of web-team: 0 USD", `evil\x1b[1A\x1b[2Kcost of web-team: 0 USD`},
		{"tab", "evil\tX", `evil\x09X`},
		{"bidi override", "team\u202eDSU 0", `team\u202eDSU 0`},
		{"C1 control", "x\u009b2Ky", `x\u009b2Ky`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &core.Instance{ID: "web-9", Workflow: "release", State: "created", Version: 1, Owner: tt.owner,
				Cost: []schemas.Cost{{Amount: "12.50", Unit: "USD"}}}
			owners, err := core.CostByOwner([]*core.Instance{in})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := writeStateTable(&b, []stateRow{{in, "sha256:00"}}, owners); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, r := range out {
				if r != '\n' && !(r >= ' ' && r <= '~') {
					t.Fatalf("output holds %U:\n%s", r, out)
				}
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("output has %d lines, want header, row, cost line:\n%s", len(lines), out)
			}
			if f := strings.Fields(lines[1]); len(f) < 6 || f[0] != "web-9" || f[len(f)-1] != "sha256:00" || !strings.Contains(lines[1], " "+tt.cell+" ") {
				t.Errorf("row %q: want the owner cell %q between VERSION and HASH", lines[1], tt.cell)
			}
			if want := "cost of " + tt.cell + ": 12.5 USD"; lines[2] != want {
				t.Errorf("cost line %q, want %q", lines[2], want)
			}
		})
	}
}

// TestProposeRefusesControlCharacters: writ propose refuses an owner or
// trigger ref holding a control or format character, naming the file,
// line, column and field, and writes nothing.
func TestProposeRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	tests := []struct {
		name  string
		args  []string
		field string
	}{
		{"ESC in owner", []string{"--owner", "evil\x1b[1A\x1b[2Kcost of web-team: 0 USD"}, "owner: holds the control or format character U+001B"},
		{"bidi override in owner", []string{"--owner", "team\u202eevil"}, "owner: holds the control or format character U+202E"},
		{"ESC in trigger ref", []string{"--owner", "web-team", "--trigger", "issue=\x1b]8;;https://evil.example\x1b\\click"}, "trigger.ref: holds the control or format character U+001B"},
	}
	for i, tt := range tests {
		args := append([]string{"--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", fmt.Sprintf("web-%d", i+1), "--transition", "create"}, tt.args...)
		r := runWrit(args...)
		if r.code == ExitOK || !regexp.MustCompile(`proposals/web-[0-9]+/[^:]+\.yaml:[0-9]+:[0-9]+: `+regexp.QuoteMeta(tt.field)).MatchString(r.err) {
			t.Errorf("%s: exit %d, stderr %q; want refused naming file:line:col and %q", tt.name, r.code, r.err, tt.field)
		}
	}
	r := writWant(t, ExitOK, "--repo", repo, "state", "--json")
	if strings.Contains(r.out, "web-") {
		t.Errorf("a refused proposal became an instance: %s", r.out)
	}
}
