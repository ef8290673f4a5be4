package cli

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// stateCostJSON is `writ state --json` with what instances record about
// their trigger and cost, and the per-owner sums.
type stateCostJSON struct {
	Instances []struct {
		ID      string           `json:"id"`
		Owner   string           `json:"owner"`
		Trigger *schemas.Trigger `json:"trigger"`
		Cost    []schemas.Cost   `json:"cost"`
	} `json:"instances"`
	Owners []core.OwnerCost `json:"owners"`
}

// TestStateOwnerTriggerAndCost: proposals carry a trigger and costs; the
// instance keeps its first trigger and sums its costs exactly; `writ
// state --owner` keeps one team's instances, and --json (valid against
// output/state) shows both per instance and the sums per owner.
func TestStateOwnerTriggerAndCost(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	in := func(args ...string) []string { return append([]string{"--repo", repo}, args...) }
	writWant(t, ExitOK, in("propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create", "--owner", "web-team",
		"--trigger", "pull_request=acme/web#12", "--trigger-url", "https://github.example/acme/web/pull/12",
		"--cost", "USD=12.50", "--cost", "tokens=3400")...)
	writWant(t, ExitOK, in("propose", "-q", "--as", "deploy-agent", "--instance", "api-1", "--transition", "create", "--owner", "api-team", "--cost", "USD=0.10")...)
	writWant(t, ExitOK, in("propose", "-q", "--as", "deploy-agent", "--instance", "web-2", "--transition", "create", "--owner", "web-team")...)
	writWant(t, ExitOK, in("reconcile", "-q")...)
	writWant(t, ExitOK, in("propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "verify",
		"--trigger", "incident=INC-7", "--cost", "USD=0.75", "--cost", "gpu-hours=2")...)
	writWant(t, ExitOK, in("reconcile", "-q")...)

	read := func(args ...string) stateCostJSON {
		t.Helper()
		r := writWant(t, ExitOK, in(append([]string{"state", "--json"}, args...)...)...)
		validateOutput(t, "state", r.out)
		var s stateCostJSON
		if err := json.Unmarshal([]byte(r.out), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	web := read("--owner", "web-team")
	if len(web.Instances) != 2 || web.Instances[0].ID != "web-1" || web.Instances[1].ID != "web-2" {
		t.Fatalf("--owner web-team lists %+v", web.Instances)
	}
	first := web.Instances[0]
	wantTrigger := &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "acme/web#12", URL: "https://github.example/acme/web/pull/12"}
	wantCost := []schemas.Cost{{Amount: "13.25", Unit: "USD"}, {Amount: "2", Unit: "gpu-hours"}, {Amount: "3400", Unit: "tokens"}}
	if !reflect.DeepEqual(first.Trigger, wantTrigger) || !reflect.DeepEqual(first.Cost, wantCost) {
		t.Fatalf("web-1: trigger %+v cost %v; want the first trigger %+v and %v", first.Trigger, first.Cost, wantTrigger, wantCost)
	}
	if web.Instances[1].Trigger != nil || web.Instances[1].Cost != nil {
		t.Fatalf("web-2 proposed neither: %+v", web.Instances[1])
	}
	if want := []core.OwnerCost{{Owner: "web-team", Instances: 2, Cost: wantCost}}; !reflect.DeepEqual(web.Owners, want) {
		t.Fatalf("owners %+v, want %+v", web.Owners, want)
	}
	all := read()
	want := []core.OwnerCost{{Owner: "api-team", Instances: 1, Cost: []schemas.Cost{{Amount: "0.1", Unit: "USD"}}}, {Owner: "web-team", Instances: 2, Cost: wantCost}}
	if !reflect.DeepEqual(all.Owners, want) {
		t.Fatalf("owners %+v, want %+v", all.Owners, want)
	}
	table := writWant(t, ExitOK, in("state", "--owner", "web-team")...).out
	if !strings.Contains(table, "cost of web-team: 13.25 USD, 2 gpu-hours, 3400 tokens\n") || strings.Contains(table, "api-1") ||
		!strings.Contains(table, "\ntrigger of web-1: pull_request acme/web#12 https://github.example/acme/web/pull/12\n") || strings.Contains(table, "trigger of web-2") {
		t.Fatalf("state --owner web-team:\n%s", table)
	}
	// writ log names each entry's trigger, here the proposals' own.
	lg := writWant(t, ExitOK, in("log", "--instance", "web-1")...).out
	if !strings.Contains(lg, "\n  trigger: pull_request acme/web#12 https://github.example/acme/web/pull/12 (named by the proposal)\n") ||
		!strings.Contains(lg, "\n  trigger: incident INC-7 (named by the proposal)\n") {
		t.Fatalf("writ log --instance web-1 does not name the proposals' triggers:\n%s", lg)
	}
	r := writWant(t, ExitFailure, in("state", "--owner", "nobody")...)
	if !strings.Contains(r.err, "--owner nobody: no instance has this owner (owners: api-team, web-team)") {
		t.Fatalf("unknown owner: %s", r)
	}
	// A cost that is not an exact decimal is refused, naming the field.
	r = writWant(t, ExitRefused, in("propose", "-q", "--as", "deploy-agent", "--instance", "web-2", "--transition", "verify", "--cost", "USD=1.5e3")...)
	if !strings.Contains(r.err, "verify-") || !strings.Contains(r.err, ".yaml:8:15: cost[0].amount: invalid value \"1.5e3\"") {
		t.Fatalf("bad amount: %s", r)
	}
}
