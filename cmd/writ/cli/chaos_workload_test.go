package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// chaosProposer writes the chaos test's workload in its own clone (the
// fixture's seed repo, whose origin is the server itself, not a proxy):
// creates, transitions on shared instances from several proposers at once
// (so some go stale), ships approved by two SREs, rejected, or left
// waiting, duplicates of an idem_key under another name, and one rules
// change half way. Every branch it pushes is one proposal.
type chaosProposer struct {
	t    testing.TB
	f    *remoteFixture
	rng  *rand.Rand
	repo string

	next     int               // next instance number
	pushed   map[string]bool   // branches pushed (the proposals)
	lastIdem map[string]string // instance -> idem_key of its last proposal
	lastTr   map[string]string // instance -> transition of its last proposal
	rulesAt  int               // propose the rules change once this many proposals exist
	rules    string            // the rules change's branch, once proposed
	seq      int               // unique suffix for idem keys and names
	counts   map[string]int    // what was proposed, by kind
}

// chaosInstance is the part of `writ state --json` the proposer reads.
type chaosInstance struct {
	ID      string            `json:"id"`
	State   string            `json:"state"`
	Regions map[string]string `json:"regions"`
}

func newChaosProposer(t testing.TB, f *remoteFixture, rng *rand.Rand, total int) *chaosProposer {
	return &chaosProposer{t: t, f: f, rng: rng, repo: f.seed, pushed: map[string]bool{},
		lastIdem: map[string]string{}, lastTr: map[string]string{}, rulesAt: total / 2, counts: map[string]int{}}
}

// branchLine finds the branch a propose run made.
var branchLine = regexp.MustCompile(`branch (proposals/[^,\s]+)`)

// tick syncs main from the server, reads the state, proposes about n
// proposals and pushes them. It returns how many proposals it pushed.
func (p *chaosProposer) tick(n int) int {
	g := p.f.g
	g.run(p.repo, "fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main")
	g.run(p.repo, "update-ref", "refs/heads/main", "refs/remotes/origin/main")
	var st struct{ Instances []chaosInstance }
	if err := json.Unmarshal([]byte(writWant(p.t, ExitOK, "--repo", p.repo, "state", "--json").out), &st); err != nil {
		p.t.Fatal(err)
	}
	live := map[string]chaosInstance{}
	var ids []string
	for _, in := range st.Instances {
		if in.State != "released" && in.State != "cancelled" {
			live[in.ID] = in
			ids = append(ids, in.ID)
		}
	}
	var touched []string
	add := func(b string) {
		if b != "" {
			touched = append(touched, b)
		}
	}
	for i := 0; i < n; i++ {
		if p.rules == "" && len(p.pushed)+len(touched) >= p.rulesAt {
			p.rules = p.rulesChange()
			add(p.rules)
			continue
		}
		x := p.rng.Float64()
		switch {
		case len(ids) < 2 || x < 0.15:
			id := fmt.Sprintf("svc-%04d", p.next)
			p.next++
			add(p.propose("deploy-agent", id, "create", "", "--owner", "web-team"))
			p.counts["create"]++
		case x < 0.23:
			// A duplicate: an earlier request again, under another name.
			id := ids[p.rng.IntN(len(ids))]
			if p.lastIdem[id] == "" {
				continue
			}
			add(p.propose("bob", id, p.lastTr[id], p.lastIdem[id], "--name", fmt.Sprintf("dup-%d", p.seq)))
			p.counts["duplicate"]++
		default:
			p.advance(live[ids[p.rng.IntN(len(ids))]], add)
		}
	}
	if len(touched) > 0 {
		args := []string{"push", "-q", "origin"}
		for _, b := range touched {
			args = append(args, "refs/heads/"+b+":refs/heads/"+b)
		}
		g.run(p.repo, args...)
	}
	count := 0
	for _, b := range touched {
		if !p.pushed[b] {
			p.pushed[b] = true
			count++
		}
	}
	return count
}

// advance proposes a next transition of instance in; now and then a
// competing one by another proposer from the same base, so one of the two
// goes stale.
func (p *chaosProposer) advance(in chaosInstance, add func(string)) {
	var tr string
	switch {
	case in.State == "draft":
		tr = "verify"
	case in.State == "verifying" && in.Regions["tests"] == "failed":
		tr = "tests-retry"
	case in.State == "verifying" && in.Regions["tests"] != "passed":
		tr = []string{"tests-pass", "tests-pass", "tests-fail"}[p.rng.IntN(3)]
	case in.State == "verifying" && in.Regions["security"] != "cleared":
		tr = "security-clear"
	case in.State == "verifying":
		tr = "approve-release"
	case in.State == "approved":
		tr = "ship"
	default:
		return
	}
	if p.rng.Float64() < 0.1 {
		tr = "cancel"
	}
	who := []string{"deploy-agent", "alice", "bob"}[p.rng.IntN(3)]
	if tr != "ship" {
		add(p.propose(who, in.ID, tr, ""))
		p.counts["transition"]++
		if p.rng.Float64() < 0.2 {
			add(p.propose("alice", in.ID, "cancel", ""))
			p.counts["competing"]++
		}
		return
	}
	b := p.propose("deploy-agent", in.ID, "ship", "", "--input", "change_ticket=CHG-1", "--input", "environment=staging")
	if b == "" {
		return
	}
	add(b)
	name := strings.TrimPrefix(b, "proposals/")
	switch x := p.rng.Float64(); {
	case x < 0.5:
		p.approve(name, "alice")
		p.approve(name, "bob")
		p.counts["ship approved"]++
	case x < 0.7:
		p.approve(name, "bob", "--reject", "--justification", "not this week")
		p.counts["ship rejected"]++
	case x < 0.85:
		p.approve(name, "alice") // one of two: waits
		p.counts["ship half-approved"]++
	default:
		p.counts["ship unapproved"]++
	}
}

// propose runs writ propose and returns the branch it made ("" if none).
func (p *chaosProposer) propose(as, id, tr, idem string, extra ...string) string {
	p.seq++
	if idem == "" {
		idem = fmt.Sprintf("k-%d", p.seq)
	}
	args := append([]string{"--repo", p.repo, "propose", "--as", as, "--instance", id, "--transition", tr, "--idem-key", idem}, extra...)
	r := runWrit(args...)
	m := branchLine.FindStringSubmatch(r.out)
	if m == nil {
		if r.code == ExitOK {
			p.t.Errorf("propose made no branch: %s", r)
		}
		return ""
	}
	p.lastIdem[id], p.lastTr[id] = idem, tr
	return m[1]
}

// approve runs writ approve (or reject) as who.
func (p *chaosProposer) approve(name, who string, extra ...string) {
	args := append([]string{"--repo", p.repo, "approve", name, "--as", who}, extra...)
	if r := runWrit(args...); r.code == ExitFailure {
		p.t.Errorf("approve %s as %s: %s", name, who, r)
	}
}

// rulesChange proposes a new role in writ.yaml as alice, approved by bob
// and carol (the governance policy), and returns its branch.
func (p *chaosProposer) rulesChange() string {
	path := filepath.Join(p.repo, "writ.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatal(err)
	}
	edited := strings.Replace(string(b), "roles: [sre, security, release-manager]", "roles: [sre, security, release-manager, auditor]", 1)
	if edited == string(b) {
		p.t.Fatalf("writ.yaml has no roles line to edit:\n%s", b)
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		p.t.Fatal(err)
	}
	r := runWrit("--repo", p.repo, "propose", "--rules", "--as", "alice", "--name", "chaos-roles")
	m := branchLine.FindStringSubmatch(r.out)
	if m == nil {
		p.t.Fatalf("propose --rules: %s", r)
	}
	name := strings.TrimPrefix(m[1], "proposals/")
	p.approve(name, "bob")
	p.approve(name, "carol")
	p.counts["rules"]++
	return m[1]
}
