package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/writ-dev/writ/gitstore/remotetest"
	"github.com/writ-dev/writ/reconciler"
)

var chaosSeed = flag.Uint64("chaos.seed", 0, "seed of TestChaos (0: $WRIT_CHAOS_SEED, else from the time; printed)")

// chaosConfig sizes one run of TestChaos.
type chaosConfig struct {
	proposals, reconcilers, minKills int
	deadline                         time.Duration
}

// TestChaos: reconcilers (the real writ binary, one process per run) on
// separate clones of one bare repository, served by git http-backend and
// git daemon behind a TCP proxy that delays, cuts and resets connections,
// are SIGKILLed at random moments (random delays, and WRIT_CRASH_AT points)
// while a proposer pushes creates, competing transitions on shared
// instances, approvals, rejections, waiting ships, duplicates and a rules
// change. Then, fault-free, every clone reconciles once more and must
// succeed; every clone, a fresh clone and an independent oracle (the pure
// reducer folded over `git log --first-parent`) agree on the state hash;
// every proposal was applied once, or is refused or waiting with a reason
// in the final run; git fsck is clean everywhere.
//
// It prints its seed: -chaos.seed N or WRIT_CHAOS_SEED=N replays the same
// choices (process timing still varies). WRIT_LONG=1 runs at least 1,000
// proposals and 200 kills (see README for the wall time).
func TestChaos(t *testing.T) {
	cfg := chaosConfig{proposals: 24, reconcilers: 4, minKills: 8, deadline: 3 * time.Minute}
	if os.Getenv("WRIT_LONG") == "1" {
		cfg = chaosConfig{proposals: 1000, reconcilers: 4, minKills: 200, deadline: 100 * time.Minute}
	} else if testing.Short() {
		t.Skip("-short: skipping the chaos test")
	}
	// A form in between: WRIT_CHAOS_PROPOSALS=N WRIT_CHAOS_KILLS=M.
	if n, err := strconv.Atoi(os.Getenv("WRIT_CHAOS_PROPOSALS")); err == nil && n > 0 {
		cfg.proposals, cfg.deadline = n, max(cfg.deadline, time.Duration(n)*6*time.Second)
	}
	if n, err := strconv.Atoi(os.Getenv("WRIT_CHAOS_KILLS")); err == nil && n > 0 {
		cfg.minKills = n
	}
	seed := *chaosSeed
	if seed == 0 {
		if v, err := strconv.ParseUint(os.Getenv("WRIT_CHAOS_SEED"), 10, 64); err == nil {
			seed = v
		} else {
			seed = uint64(time.Now().UnixNano())
		}
	}
	t.Logf("chaos seed %d (replay: go test ./cmd/writ/cli -run TestChaos -chaos.seed %d)", seed, seed)
	start := time.Now()
	rng := rand.New(rand.NewPCG(seed, 1))
	bin := writBinary(t)
	f := newRemoteFixture(t, 0)
	daemonURL := f.srv.ServeDaemon(t)

	// Two proxies, one per server; clones alternate between them.
	httpURL, _ := url.Parse(f.srv.URL)
	gitURL, _ := url.Parse(daemonURL)
	proxies := []*remotetest.Proxy{
		remotetest.NewProxy(t, httpURL.Host, rng.Uint64()),
		remotetest.NewProxy(t, gitURL.Host, rng.Uint64()),
	}
	clones := make([]string, cfg.reconcilers)
	for i := range clones {
		u := *httpURL
		if i%2 == 1 {
			u = *gitURL
		}
		u.Host = proxies[i%2].Addr
		clones[i] = filepath.Join(t.TempDir(), fmt.Sprintf("reconciler-%d", i))
		f.g.run("", "clone", "-q", u.String(), clones[i])
	}
	faults := remotetest.Faults{Reset: 0.06, Cut: 0.06, MaxBytes: 32 << 10, Delay: 0.3, MaxDelay: 30 * time.Millisecond}
	for _, p := range proxies {
		p.SetFaults(faults)
	}

	// The reconcilers: each loops over runs, most of them killed.
	ctx, cancel := context.WithTimeout(context.Background(), cfg.deadline)
	defer cancel()
	var kills, crashes, runs atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clones {
		wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if ctx.Err() != nil {
					return
				}
				r := chaosRun(ctx, bin, f, clones[i], wrng)
				if ctx.Err() != nil {
					return // killed by the deadline, not by a fault
				}
				runs.Add(1)
				switch {
				case r.killed:
					kills.Add(1)
				case r.code == ExitCrash:
					crashes.Add(1)
				}
				chaosCheckRun(t, i, r)
			}
		}()
	}

	// The proposer, until the workload is pushed and enough kills happened.
	prop := newChaosProposer(t, f, rand.New(rand.NewPCG(rng.Uint64(), 2)), cfg.proposals)
	progress := time.Now()
	for len(prop.pushed) < cfg.proposals && ctx.Err() == nil && !t.Failed() {
		if time.Since(progress) > time.Minute {
			progress = time.Now()
			t.Logf("%v: %d proposals pushed, %d kills", time.Since(start).Round(time.Second), len(prop.pushed), kills.Load()+crashes.Load())
		}
		prop.tick(2 + rng.IntN(5))
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
	}
	for kills.Load()+crashes.Load() < int64(cfg.minKills) && ctx.Err() == nil && !t.Failed() {
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("chaos phase hit its %v deadline: %d proposals pushed, %d kills", cfg.deadline, len(prop.pushed), kills.Load()+crashes.Load())
	}
	chaosTook := time.Since(start)
	var resets, cuts, delays int64
	for _, p := range proxies {
		resets, cuts, delays = resets+p.Resets.Load(), cuts+p.Cuts.Load(), delays+p.Delays.Load()
		p.SetFaults(remotetest.Faults{})
	}
	t.Logf("chaos: %d proposals, %d reconcile runs, %d SIGKILLs at random moments, %d WRIT_CRASH_AT crashes; proxy: %d resets, %d cuts, %d slow connections; %v",
		len(prop.pushed), runs.Load(), kills.Load(), crashes.Load(), resets, cuts, delays, chaosTook.Round(time.Millisecond))
	if kills.Load()+crashes.Load() < int64(cfg.minKills) {
		t.Errorf("only %d kills, want at least %d", kills.Load()+crashes.Load(), cfg.minKills)
	}
	if len(prop.pushed) < cfg.proposals {
		t.Fatalf("only %d proposals pushed, want %d", len(prop.pushed), cfg.proposals)
	}

	// Fault-free: every clone reconciles once more and must succeed, first
	// time, with nothing left ready.
	var last procResult
	for i, c := range clones {
		last = f.run(context.Background(), nil, "--repo", c, "--keys", f.keys, "reconcile", "--remote", "origin", "--timeout", "5m")
		if last.code != ExitOK {
			t.Fatalf("clone %d is wedged: the fault-free reconcile failed: %s", i, last)
		}
		if regexp.MustCompile(`(?m)^ready `).MatchString(last.out) {
			t.Errorf("clone %d left a ready proposal unapplied: %s", i, last)
		}
	}
	chaosVerify(t, f, clones, prop, last)
	t.Logf("chaos test took %v", time.Since(start).Round(time.Millisecond))
}

// chaosResult is one reconcile run under faults.
type chaosResult struct {
	procResult
	killed bool   // SIGKILLed by the test
	fault  string // what was done to it
}

// chaosRun runs one `writ reconcile --remote origin` in clone with a random
// fate: SIGKILL after a random delay, a WRIT_CRASH_AT point, or none.
func chaosRun(ctx context.Context, bin string, f *remoteFixture, clone string, rng *rand.Rand) chaosResult {
	args := []string{"--repo", clone, "--keys", f.keys, "reconcile", "--remote", "origin",
		"--batch", strconv.Itoa(1 + rng.IntN(4)), "--rounds", strconv.Itoa(1 + rng.IntN(3)), "--retries", "3", "--timeout", "60s"}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string(nil), f.g.env...)
	var res chaosResult
	var killAfter time.Duration
	switch x := rng.Float64(); {
	case x < 0.55:
		killAfter = time.Duration(5+rng.IntN(1200)) * time.Millisecond
		res.fault = "SIGKILL after " + killAfter.String()
	case x < 0.7:
		points := reconciler.CrashPoints
		p := points[rng.IntN(len(points))]
		cmd.Env = append(cmd.Env, CrashEnv+"="+string(p))
		res.fault = "crash at " + string(p)
	default:
		res.fault = "none"
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		res.code, res.err = -1, err.Error()
		return res
	}
	if killAfter > 0 {
		timer := time.AfterFunc(killAfter, func() { cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	res.out, res.err, res.took = o.String(), e.String(), time.Since(begin)
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			res.killed = ctx.Err() == nil
		}
	} else if err != nil {
		res.code = -1
	}
	return res
}

// chaosForbidden are messages no run may print, whatever was done to it:
// a wedged clone, or a crash of writ itself.
var chaosForbidden = regexp.MustCompile(`ref file is empty|ref locked|panic:|fatal error:|DATA RACE`)

// chaosCheckRun fails the test on what a faulty run must never show.
func chaosCheckRun(t *testing.T, i int, r chaosResult) {
	if m := chaosForbidden.FindString(r.err + r.out); m != "" {
		t.Errorf("reconciler %d (%s) printed %q: %s", i, r.fault, m, r.procResult)
	}
	switch {
	case r.killed, r.code == ExitOK, r.code == ExitFailure:
	case r.code == ExitCrash && strings.HasPrefix(r.fault, "crash at "):
	default:
		t.Errorf("reconciler %d (%s): unexpected exit: %s", i, r.fault, r.procResult)
	}
}

// skippedLine is a proposal a reconcile judged and did not apply.
var skippedLine = regexp.MustCompile(`(?m)^(waiting|rejected|refused|ready) (proposals/\S+): (.+)$`)

// chaosVerify checks the end state: same state hash in every clone, a
// fresh clone and the oracle; every proposal applied once or judged with a
// reason in the last fault-free run; git fsck clean everywhere.
func chaosVerify(t *testing.T, f *remoteFixture, clones []string, prop *chaosProposer, last procResult) {
	t.Helper()
	fresh := f.clone("fresh")
	f.g.run(fresh, "fetch", "-q", "origin", "refs/writ/checkpoint:refs/writ/checkpoint")
	want := lastLine(writWant(t, ExitOK, "--repo", fresh, "replay").out)
	if !stateLine.MatchString(want) {
		t.Fatalf("fresh clone replay: %q", want)
	}
	oracle, n := oracleState(t, f.g, fresh)
	if "state "+oracle != want {
		t.Errorf("the oracle folds %d entries to %s, the fresh clone replays to %s", n, oracle, want)
	}
	for i, c := range clones {
		if got := lastLine(writWant(t, ExitOK, "--repo", c, "replay").out); got != want {
			t.Errorf("clone %d replays to %s, a fresh clone to %s", i, got, want)
		}
	}

	var entries []auditJSON
	if err := json.Unmarshal([]byte(writWant(t, ExitOK, "--repo", fresh, "log", "--json").out), &entries); err != nil {
		t.Fatal(err)
	}
	applied, idem := map[string]int{}, map[string]bool{}
	for _, en := range entries[1:] {
		applied[en.Proposal]++
		if en.Kind == "transition" {
			k := en.Instance + "/" + en.IdemKey
			if idem[k] {
				t.Errorf("idem_key %s applied twice", k)
			}
			idem[k] = true
		}
	}
	judged := map[string]string{}
	for _, m := range skippedLine.FindAllStringSubmatch(last.out, -1) {
		judged[m[2]] = m[1] + ": " + m[3]
	}
	verdicts := map[string]int{}
	onServer := strings.Fields(f.g.run(f.srv.Dir, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/proposals/"))
	for _, b := range onServer {
		switch n := applied[b+".yaml"]; {
		case n > 1:
			t.Errorf("%s applied %d times", b, n)
		case n == 1:
			verdicts["applied"]++
		case judged[b] == "":
			t.Errorf("%s was neither applied nor judged with a reason in the last run:\n%s", b, last.out)
		case strings.HasPrefix(judged[b], "ready"):
			t.Errorf("%s is ready but was not applied", b)
		default:
			verdicts[strings.SplitN(judged[b], ":", 2)[0]]++
		}
	}
	// Every pushed proposal that is no longer on the server was pruned by
	// a reconciler: it must be closed for good on the final main, as the
	// gate judges the proposer's copy of it there (merged: applied or
	// rejected; stale; duplicate), never waiting, ready or refused for a
	// reason its proposer could fix.
	kept := map[string]bool{}
	for _, b := range onServer {
		kept[b] = true
	}
	pruned := 0
	if len(onServer) < len(prop.pushed) {
		f.g.run(f.seed, "fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main")
		f.g.run(f.seed, "update-ref", "refs/heads/main", "refs/remotes/origin/main")
	}
	for b := range prop.pushed {
		if kept[b] {
			continue
		}
		pruned++
		if n := applied[b+".yaml"]; n > 1 {
			t.Errorf("%s applied %d times", b, n)
		} else if n == 1 {
			verdicts["applied"]++
			continue
		}
		_, g := gateVerdict(t, f.seed, strings.TrimPrefix(b, "proposals/"))
		closed := g.Verdict == "merged" || strings.Contains(g.Reason, "base_state") || strings.Contains(g.Reason, "idem_key")
		if !closed {
			t.Errorf("%s was pruned from the server but is not closed for good on main: %s: %s", b, g.Verdict, g.Reason)
		}
		verdicts["pruned "+g.Verdict]++
	}
	if len(onServer)+pruned != len(prop.pushed) {
		t.Errorf("%d proposal branches on the server and %d pruned, the proposer pushed %d", len(onServer), pruned, len(prop.pushed))
	}
	kinds := map[string]int{}
	for _, en := range entries {
		kinds[en.Kind]++
	}
	t.Logf("workload: %v", prop.counts)
	t.Logf("outcome: %d entries %v; proposals %v", len(entries), kinds, verdicts)
	if kinds["rules"] != 1 {
		t.Errorf("the rules change made %d rules entries, want 1", kinds["rules"])
	}
	if verdicts["applied"] == 0 {
		t.Errorf("nothing was applied")
	}

	for _, dir := range append([]string{f.srv.Dir, fresh}, clones...) {
		if out, errOut, err := f.g.exec(dir, "", "fsck", "--strict", "--no-dangling"); err != nil {
			t.Errorf("git fsck %s: %v\n%s%s", dir, err, out, errOut)
		}
	}
}
