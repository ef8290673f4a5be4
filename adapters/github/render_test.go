package github_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

const tree = `policy release-approval: pending: needs 1 more approval from role sre; alice's approval was on an older commit
  rule sre-pair: pending: 1 of 2 approvals from role sre
    counted: bob (sre) on commit 2222222
    not counted: alice: approved an older commit
    not counted: deploy-agent: author of the proposal`

var reports = map[string][]github.ProposalReport{
	"waiting": {{
		Path: "proposals/web-1/ship.yaml", Verdict: "waiting",
		Reason:      "needs 1 more approval from role sre; alice's approval was on an older commit",
		Guards:      []string{"capability pass: deploy-agent holds propose:release", "input change_ticket pass: input change_ticket is set"},
		Explanation: tree, Change: "web-1: approved → released",
		Before: "approved", After: "released",
		Needed:        []string{"rule sre-pair (pending): 1 of 2 approvals from role sre"},
		Notifications: []string{"slack #releases: web-1 ship waiting for role sre", "jira REL-12: comment"},
		Plan:          "sha256:7d6f0c1e3b9a8f5e2d4c6b8a0f1e3d5c7b9a1f3e5d7c9b0a2f4e6d8c0b1a3f5e",
		Chart:         "stateDiagram-v2\n    state \"approved\" as s2\n    state \"released\" as s3\n    s2 --> s3: ship\n    classDef current fill:#fff4c2\n    classDef next fill:#dafbe1\n    class s2 current\n    class s3 next\n",
	}},
	"mixed": {
		{Path: "proposals/web-2/ship.yaml", Verdict: "ready", Reason: "approved by alice, bob", Change: "web-2: approved → released",
			Before: "verifying (security: cleared, tests: passed)", After: "approved", NotifyNote: "workflow release declares no notifications"},
		{Path: "proposals/web-1/verify.yaml", Verdict: "refused", Reason: "stale: base_state sha256:aa… is not web-1's state sha256:bb…"},
		{Path: "proposals/web-3/ship.yaml", Verdict: "rejected", Reason: "rejected by carol (rule security-signoff): wrong ticket", Explanation: "policy: blocked"},
	},
	"hostile": {{
		Path:          "proposals/web-1/ship|x`y.yaml",
		Verdict:       "rejected",
		Reason:        "rejected by carol: <!-- writ:plan --> **cc @acme/sre** [click](http://x) | ```",
		Guards:        []string{"``` breakout attempt", "````"},
		Explanation:   "```\n# not a heading",
		Change:        "<img src=x onerror=alert(1)>",
		Before:        "**bold** @acme/sre",
		Needed:        []string{"[link](http://x)"},
		Notifications: []string{"@everyone\nsecond line"},
		Chart:         "stateDiagram-v2\n```\n# breakout",
	}},
	"none": nil,
}

func TestRenderCheckGolden(t *testing.T) {
	for name, rs := range reports {
		t.Run(name, func(t *testing.T) {
			out := github.RenderCheck("acme/release-control", headSHA, rs)
			golden(t, "check_"+name+".golden.md", "conclusion: "+out.Conclusion+"\ntitle: "+out.Title+
				"\n\n--- summary\n"+out.Summary+"\n--- text\n"+out.Text)
		})
	}
}

func TestRenderPlanGolden(t *testing.T) {
	for name, rs := range reports {
		t.Run(name, func(t *testing.T) {
			body := github.RenderPlan("acme/release-control", headSHA, rs)
			if !strings.HasPrefix(body, github.PlanMarker+"\n") || strings.Count(body, github.PlanMarker) != 1 {
				t.Fatal("the marker must open the body, once")
			}
			golden(t, "plan_"+name+".golden.md", body)
		})
	}
}

// User text never mentions anyone or smuggles the marker, and huge input
// stays inside GitHub's limits.
func TestRenderIsInertAndBounded(t *testing.T) {
	out := github.RenderCheck("acme/release-control", headSHA, reports["hostile"])
	plan := github.RenderPlan("acme/release-control", headSHA, reports["hostile"])
	for _, s := range []string{out.Summary, out.Text, plan} {
		if strings.Contains(s, "@acme") || strings.Contains(s, "@everyone") || strings.Contains(strings.ReplaceAll(s, `\<`, ""), "<img") {
			t.Fatalf("live mention or HTML:\n%s", s)
		}
	}
	if strings.Count(out.Summary+out.Text, github.PlanMarker) != 0 {
		t.Fatal("marker smuggled into the check run")
	}
	var many []github.ProposalReport
	for i := 0; i < 400; i++ {
		many = append(many, github.ProposalReport{Path: "proposals/x/" + strings.Repeat("p", 10) + string(rune('a'+i%26)) + ".yaml",
			Verdict: "waiting", Reason: strings.Repeat("r", 300), Explanation: strings.Repeat("tree line\n", 3000), Notifications: []string{strings.Repeat("n", 500)}})
	}
	big := github.RenderCheck("acme/release-control", headSHA, many)
	if len(big.Summary) > 65535 || len(big.Text) > 65535 || !strings.Contains(big.Text, "more proposals not shown") {
		t.Fatalf("summary %d, text %d", len(big.Summary), len(big.Text))
	}
	if p := github.RenderPlan("acme/release-control", headSHA, many); len(p) > 65536 || !strings.Contains(p, "more proposals not shown") {
		t.Fatalf("plan %d", len(p))
	}
}

func TestConclusion(t *testing.T) {
	for verdict, want := range map[string]string{"ready": "success", "merged": "success", "waiting": "", "rejected": "failure", "refused": "failure", "odd": "neutral"} {
		if got := github.Conclusion(verdict); got != want {
			t.Errorf("%s: %q, want %q", verdict, got, want)
		}
	}
}
