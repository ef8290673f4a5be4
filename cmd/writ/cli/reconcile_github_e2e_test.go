package cli

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	ghfixtures "github.com/writ-dev/writ/fixtures/github"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/remotetest"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

type ghTick struct{ t time.Time }

func (c *ghTick) Now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func ghOrigin(t *testing.T, s *gitstore.Store, url string) {
	t.Helper()
	if err := s.AddRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url},
		Fetch: []config.RefSpec{"+refs/heads/*:refs/remotes/origin/*"}}); err != nil {
		t.Fatal(err)
	}
}

// TestReconcileGitHubApplies drives `writ reconcile --github --remote
// origin` on a workflow_dispatch event: the open pull request with two SRE
// approvals is applied on the remote's main, which then replays.
func TestReconcileGitHubApplies(t *testing.T) {
	ctx := context.Background()
	// The release example, with GitHub logins.
	tmpl := fstest.MapFS{}
	if err := fs.WalkDir(fixtures.Release(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.Release(), p)
		if p == "writ.yaml" {
			s := string(b)
			for _, who := range []string{"alice", "bob"} {
				s = strings.Replace(s, "email: "+who+"@writ.example\n", "email: "+who+"@writ.example\n    github: "+who+"-gh\n", 1)
			}
			b = []byte(s)
		}
		tmpl[p] = &fstest.MapFile{Data: b}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	seedStore, err := gitstore.Init(filepath.Join(t.TempDir(), "seed"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &ghTick{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	seed := &reconciler.Engine{Store: seedStore, Keys: keys, Now: clock.Now}
	if _, err := seed.Init(tmpl, keys); err != nil {
		t.Fatal(err)
	}
	propose := func(tr string, inputs map[string]any) *reconciler.Proposed {
		p, err := seed.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: "web-1", Workflow: "release", Transition: tr, Inputs: inputs}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		propose(tr, nil)
		if rep, err := seed.Reconcile(); err != nil || len(rep.Applied) != 1 {
			t.Fatalf("reconcile %s: %v", tr, err)
		}
	}
	ship := propose("ship", map[string]any{"change_ticket": "CHG-1", "environment": "staging"})
	srv := remotetest.New(t)
	ghOrigin(t, seedStore, srv.URL)
	main, _ := seedStore.Ref(gitstore.MainRef)
	for ref, h := range map[string]plumbing.Hash{gitstore.MainRef: main, "refs/pull/3/head": ship.Commit} {
		if err := seedStore.PushCAS(ctx, "origin", ref, plumbing.ZeroHash, h); err != nil {
			t.Fatal(err)
		}
	}

	gh := githubtest.New(t, "octo-org", "octo-repo", time.Now)
	gh.AddPull(githubtest.Pull{Number: 3, Author: "deploy-bot", HeadSHA: ship.Commit.String(), HeadRef: ship.Branch,
		BaseSHA: main.String(), BaseRef: "main", Files: []string{ship.Path}})
	var reviews []string
	for _, who := range []string{"alice-gh", "bob-gh"} {
		id := gh.AddReview(3, githubtest.Review{Login: who, State: "APPROVED", CommitID: ship.Commit.String()})
		reviews = append(reviews, strconv.FormatInt(id, 10))
	}

	cloneDir := filepath.Join(t.TempDir(), "checkout")
	clone, err := gitstore.Init(cloneDir)
	if err != nil {
		t.Fatal(err)
	}
	ghOrigin(t, clone, srv.URL)
	payload, err := ghfixtures.Event("workflow_dispatch.json")
	if err != nil {
		t.Fatal(err)
	}
	eventPath := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(eventPath, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_NAME", "workflow_dispatch")
	t.Setenv("GITHUB_EVENT_PATH", eventPath)
	t.Setenv("GITHUB_REPOSITORY", "octo-org/octo-repo")
	t.Setenv("GITHUB_API_URL", gh.URL)
	t.Setenv("GITHUB_TOKEN", "ghs_test")
	cacheDir := filepath.Join(t.TempDir(), "etags")
	t.Setenv("WRIT_GITHUB_CACHE", cacheDir)
	t.Setenv("WRIT_KEYLESS", "")
	stepOutput, stepSummary := filepath.Join(t.TempDir(), "output"), filepath.Join(t.TempDir(), "summary")
	t.Setenv("GITHUB_OUTPUT", stepOutput)
	t.Setenv("GITHUB_STEP_SUMMARY", stepSummary)
	r := writWant(t, ExitOK, "reconcile", "--repo", cloneDir, "--keys", keys.Dir, "--github", "--remote", "origin")
	if !strings.Contains(r.out, "applied #3 "+ship.Path) {
		t.Fatalf("want #3 applied, got %s", r)
	}
	refs, err := seedStore.RemoteRefs(ctx, "origin")
	if err != nil {
		t.Fatal(err)
	}
	if refs[gitstore.MainRef] == main {
		t.Fatalf("remote main did not move:\n%s", r)
	}
	checkStepOutputs(t, stepOutput, stepSummary, 3, ship.Path, refs[gitstore.MainRef])
	if runs := gh.CheckRuns(ship.Commit.String()); len(runs) != 1 || runs[0].Conclusion != "success" {
		t.Fatalf("check runs %+v", runs)
	}
	writWant(t, ExitOK, "replay", "--repo", cloneDir)
	// The pull request carried a proposal that names no trigger: its entry
	// records the pull request (Writ-Trigger, on the reconciler's word),
	// and web-1, which had none (its earlier proposals came from local
	// branches), keeps it.
	st := writWant(t, ExitOK, "state", "--repo", cloneDir, "--json")
	validateOutput(t, "state", st.out)
	var state stateCostJSON
	if err := json.Unmarshal([]byte(st.out), &state); err != nil {
		t.Fatal(err)
	}
	wantTrigger := &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "octo-org/octo-repo#3", URL: "https://github.com/octo-org/octo-repo/pull/3"}
	if len(state.Instances) != 1 || !reflect.DeepEqual(state.Instances[0].Trigger, wantTrigger) {
		t.Fatalf("state --json: %+v; want web-1 triggered by %+v", state.Instances, wantTrigger)
	}
	triggerLine := "trigger of web-1: pull_request octo-org/octo-repo#3 https://github.com/octo-org/octo-repo/pull/3\n"
	if table := writWant(t, ExitOK, "state", "--repo", cloneDir).out; !strings.Contains(table, triggerLine) {
		t.Fatalf("writ state does not name the trigger (%q):\n%s", triggerLine, table)
	}
	// writ log and writ show ENTRY say which entry recorded it, and on
	// whose word; the entries of local branches record none.
	lg := writWant(t, ExitOK, "log", "--repo", cloneDir, "--json")
	validateOutput(t, "log", lg.out)
	var logged []struct {
		Kind      string           `json:"kind"`
		Trigger   *schemas.Trigger `json:"trigger"`
		TriggerBy string           `json:"trigger_by"`
	}
	if err := json.Unmarshal([]byte(lg.out), &logged); err != nil {
		t.Fatal(err)
	}
	for i, en := range logged {
		last := i == len(logged)-1
		if last && (!reflect.DeepEqual(en.Trigger, wantTrigger) || en.TriggerBy != "reconciler") || !last && (en.Trigger != nil || en.TriggerBy != "") {
			t.Fatalf("log entry %d (%s): trigger %+v by %q", i, en.Kind, en.Trigger, en.TriggerBy)
		}
	}
	entryLine := "  trigger: pull_request octo-org/octo-repo#3 https://github.com/octo-org/octo-repo/pull/3 (the pull request that carried the proposal, on the reconciler's word)\n"
	for _, args := range [][]string{{"log"}, {"show", "main"}} {
		if out := writWant(t, ExitOK, append(args, "--repo", cloneDir)...).out; strings.Count(out, entryLine) != 1 {
			t.Fatalf("writ %s does not name the entry's trigger once (%q):\n%s", args[0], entryLine, out)
		}
	}
	// The approvals are GitHub reviews and the trigger is the pull
	// request: verify says the entry rests on the reconciler's word for
	// both, and names the reviews and the trigger.
	v := writWant(t, ExitOK, "verify", "--repo", cloneDir)
	lines := strings.Split(strings.TrimSpace(v.out), "\n")
	want := "; decisions: 0 signed, 2 on the reconciler's word (GitHub reviews " + strings.Join(reviews, ", ") + ")" +
		"; trigger on the reconciler's word: pull_request octo-org/octo-repo#3 https://github.com/octo-org/octo-repo/pull/3"
	if len(lines) < 2 || !strings.HasSuffix(lines[len(lines)-2], want) {
		t.Fatalf("verify does not say the last entry rests on the reconciler's word (%q):\n%s", want, v.out)
	}
	if strings.Count(v.out, "reconciler's word") != 2 {
		t.Fatalf("entries with signed decisions only are flagged too:\n%s", v.out)
	}
	vj := writWant(t, ExitOK, "verify", "--repo", cloneDir, "--json")
	validateOutput(t, "verify", vj.out)
	var verified struct {
		Entries []struct {
			Trigger *schemas.Trigger `json:"trigger"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(vj.out), &verified); err != nil {
		t.Fatal(err)
	}
	for i, en := range verified.Entries {
		if last := i == len(verified.Entries)-1; last && !reflect.DeepEqual(en.Trigger, wantTrigger) || !last && en.Trigger != nil {
			t.Fatalf("verify --json entry %d: trigger %+v", i, en.Trigger)
		}
	}

	// The ETag cache outlives the process: a second run (a new token, as
	// every Actions run gets) asks conditionally and GitHub answers 304
	// for what did not change. The cache file holds no token.
	files, err := filepath.Glob(filepath.Join(cacheDir, "etags-*.json"))
	if err != nil || len(files) != 1 {
		t.Fatalf("cache files %v %v; want one", files, err)
	}
	t.Setenv("GITHUB_TOKEN", "ghs_second")
	gh.ResetCalls()
	r = writWant(t, ExitOK, "reconcile", "--repo", cloneDir, "--keys", keys.Dir, "--github", "--remote", "origin")
	free := 0
	for _, c := range gh.Calls() {
		if !c.Counted {
			free++
		}
	}
	if free == 0 || !strings.Contains(r.out, "github api: ") {
		t.Fatalf("second run made no free conditional request (%d calls):\n%s", len(gh.Calls()), r)
	}
	data, err := os.ReadFile(files[0])
	if err != nil || strings.Contains(string(data), "ghs_") {
		t.Fatalf("cache file holds a token (%v)", err)
	}
	if err := os.WriteFile(files[0], []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = writWant(t, ExitOK, "reconcile", "--repo", cloneDir, "--keys", keys.Dir, "--github", "--remote", "origin")
	if !strings.Contains(r.err, "writ: note: GitHub ETag cache: "+files[0]) {
		t.Fatalf("a broken cache file is not a note:\n%s", r)
	}
}
