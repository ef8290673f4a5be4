package core

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// Environment of a replica process (see TestMain).
const (
	envReplicaStream = "WRIT_REPLICA_STREAM"
	envReplicaSeed   = "WRIT_REPLICA_SEED"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(envReplicaStream); path != "" {
		seed, _ := strconv.ParseInt(os.Getenv(envReplicaSeed), 10, 64)
		hash, restarts, err := runReplica(path, seed)
		if err != nil {
			fmt.Fprintln(os.Stderr, "replica:", err)
			os.Exit(1)
		}
		fmt.Printf("restarts %d\nstate %s\n", restarts, hash)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// scaleRules adds a second, linear workflow to the test rules so streams
// span several workflows.
func scaleRules() *schemas.Bundle {
	b := testRules()
	b.Config.Identities[0].Capabilities = append(b.Config.Identities[0].Capabilities, "propose:deploy")
	b.Workflows = append(b.Workflows, schemas.Workflow{
		Name:   "deploy",
		States: []schemas.State{{Name: "queued"}, {Name: "running"}, {Name: "done", Terminal: true}, {Name: "failed", Terminal: true}},
		Transitions: []schemas.Transition{
			{Name: "enqueue", To: "queued"},
			{Name: "start", From: []string{"queued"}, To: "running"},
			{Name: "finish", From: []string{"running"}, To: "done"},
			{Name: "fail", From: []string{"queued", "running"}, To: "failed"},
		},
	})
	return b
}

// scaleStream generates n entries over many instances of two workflows,
// proposed against the state the sender saw, then delivers them with
// duplicates, reorders and drops injected at the given percentage.
func scaleStream(seed int64, n, instances, faultPct int) ([]Entry, map[string]int) {
	rng := rand.New(rand.NewSource(seed))
	faults := map[string]int{}
	wall := int64(1)
	gen := Entry{Kind: KindGenesis, HLC: HLC{Wall: wall}, Signer: "writ-bot", IdemKey: "genesis", Rules: scaleRules()}
	model, _ := full(NewState(), gen)
	out := []Entry{gen}
	var sent []Entry
	generation := make([]int, instances) // a finished instance's slot starts a new one
	for len(out) < n {
		slot := rng.Intn(instances)
		id := fmt.Sprintf("i%04d-%d", slot, generation[slot])
		wf := "release"
		if slot%2 == 0 {
			wf = "deploy"
		}
		if in, ok := instanceIn(model, id); ok {
			w, _ := model.Rules().Workflow(in.Workflow)
			if st, ok := w.State(in.State); ok && st.Terminal && rng.Intn(10) > 0 {
				generation[slot]++
				id = fmt.Sprintf("i%04d-%d", slot, generation[slot])
			}
		}
		var tr string
		if _, ok := instanceIn(model, id); !ok {
			tr = map[string]string{"release": "create", "deploy": "enqueue"}[wf]
		} else {
			tr = plausibleIn(rng, model, id)
		}
		wall += int64(rng.Intn(3))
		key := fmt.Sprintf("%s-%d", id, len(sent))
		e := Entry{Kind: KindTransition, HLC: HLC{Wall: wall, Logical: uint32(rng.Intn(2))}, Signer: "agent", IdemKey: key,
			Proposal: &schemas.Proposal{Instance: id, Workflow: wf, Transition: tr, BaseState: hashIn(model, id), IdemKey: key,
				Inputs: map[string]any{"change_ticket": "CHG-" + strconv.Itoa(len(sent))}},
			Subject: policies.Subject{Commit: "c0ffee", Content: "sha256:aa"}}
		if tr == "ship" {
			e.Decisions = []policies.Decision{approve("alice"), approve("bob")}
		}
		if next, res := full(model, e); res.Status.Changed() {
			model = next
		}
		sent = append(sent, e)
		if rng.Intn(100) >= faultPct {
			out = append(out, e)
			continue
		}
		switch rng.Intn(3) {
		case 0: // deliver, then duplicate an earlier entry
			out = append(out, e, sent[rng.Intn(len(sent))])
			faults["duplicate"]++
		case 1: // deliver out of order with the previous entry
			out = append(out, e)
			out[len(out)-1], out[len(out)-2] = out[len(out)-2], out[len(out)-1]
			faults["reorder"]++
		default: // lose it
			faults["drop"]++
		}
	}
	return out, faults
}

// plausibleIn picks a transition that can fire from the instance's state.
func plausibleIn(rng *rand.Rand, s State, id string) string {
	all := []string{"verify", "tests-pass", "security-clear", "approve-release", "ship", "cancel", "quarantine", "release"}
	return plausible(rng, s, id, all)
}

// runReplica applies a stream from a file, restarting at random points
// from a snapshot or from scratch, checking every invariant after every
// entry. It returns the final state hash.
func runReplica(path string, seed int64) (string, int, error) {
	hash, restarts, _, err := replicaCounting(path, seed)
	return hash, restarts, err
}

// replicaCounting is runReplica that also counts the outcome statuses.
func replicaCounting(path string, seed int64) (string, int, map[Status]int, error) {
	counts := map[Status]int{}
	entries, err := readStream(path)
	if err != nil {
		return "", 0, nil, err
	}
	rng := rand.New(rand.NewSource(seed))
	s := NewState()
	restarts := 0
	var snap SnapshotFiles // the snapshot s was restored from, if any
	for i := 0; i < len(entries); i++ {
		// As a reconciler does: restore the buckets the entry needs from
		// the snapshot before applying it.
		if need := s.Needs(entries[i]); len(need) > 0 {
			var err error
			if s, err = s.WithBuckets(bucketFiles(snap, need)); err != nil {
				return "", restarts, nil, fmt.Errorf("entry %d: restore buckets: %w", i, err)
			}
		}
		next, out, err := Apply(s, entries[i])
		if err != nil {
			return "", restarts, nil, fmt.Errorf("entry %d: %w", i, err)
		}
		counts[out.Status]++
		if err := CheckInvariants(s, entries[i], out, next); err != nil {
			return "", restarts, nil, fmt.Errorf("entry %d: %w", i, err)
		}
		s = next
		if rng.Intn(1000) != 0 {
			continue
		}
		restarts++
		if rng.Intn(2) == 0 { // restart from a checkpoint
			// Snapshot of a state that may itself lack buckets: restore
			// those the snapshot must write first.
			if s, err = s.WithBuckets(bucketFiles(snap, s.SnapshotNeeds(nil))); err != nil {
				return "", restarts, nil, fmt.Errorf("entry %d: restore buckets: %w", i, err)
			}
			if snap, err = s.Snapshot(); err != nil {
				return "", restarts, nil, err
			}
			// Only the head, as a reconciler does: buckets are restored
			// when the next entries need them.
			if s, err = RestoreHead(snap[SnapshotHead]); err != nil {
				return "", restarts, nil, fmt.Errorf("entry %d: restore: %w", i, err)
			}
			continue
		}
		fresh := NewState() // restart from scratch
		for _, e := range entries[:i+1] {
			fresh, _ = full(fresh, e)
		}
		if fresh.Hash() != s.Hash() {
			return "", restarts, nil, fmt.Errorf("entry %d: replay from scratch gives %s, running state %s", i, fresh.Hash(), s.Hash())
		}
		s, snap = fresh, nil
	}
	return s.Hash(), restarts, counts, nil
}

// bucketFiles returns the files of the given buckets in snap.
func bucketFiles(snap SnapshotFiles, buckets []byte) SnapshotFiles {
	out := SnapshotFiles{}
	for _, b := range buckets {
		for _, path := range []string{BucketPath(b), LineagePath(b)} {
			if data, ok := snap[path]; ok {
				out[path] = data
			}
		}
	}
	return out
}

func readStream(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, len(out)+1, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func gitCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestDeterminismAtScale generates a randomized stream (10,000 entries by
// default, 100,000 with WRIT_LONG=1), commits it to a git repository,
// clones it three times, and applies it in three separate processes with
// random restarts. All replicas and this process must reach the same
// state hash, with every invariant holding after every entry.
func TestDeterminismAtScale(t *testing.T) {
	n := 10_000
	if os.Getenv("WRIT_LONG") != "" {
		n = 100_000
	}
	seed := *propertySeed
	if seed == 0 {
		seed = int64(os.Getpid())*104729 + 7
	}
	faultPct := 1 + int(seed%10+10)%10 // 1–10%
	t.Logf("seed %d, %d entries, %d%% faults (rerun: go test ./reconciler -run TestDeterminismAtScale -seed %d)", seed, n, faultPct, seed)
	stream, faults := scaleStream(seed, n, 400, faultPct)
	t.Logf("faults injected: %v", faults)

	origin := filepath.Join(t.TempDir(), "origin")
	if err := os.MkdirAll(origin, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(origin, "stream.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, e := range stream {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	gitCmd(t, origin, "init", "-q", "-b", "main")
	gitCmd(t, origin, "add", "stream.jsonl")
	gitCmd(t, origin, "commit", "-q", "-m", "stream")

	// This process: the reference hash, and how the stream exercised Apply.
	want, restarts, counts, err := replicaCounting(filepath.Join(origin, "stream.jsonl"), seed)
	if err != nil {
		t.Fatalf("seed %d: reference replica: %v", seed, err)
	}
	t.Logf("outcomes %v, %d restarts", counts, restarts)
	if counts[StatusApplied] < n/4 || counts[StatusDuplicate] == 0 || counts[StatusStale]+counts[StatusRefused] == 0 || restarts == 0 {
		t.Fatalf("seed %d: the stream does not exercise enough: %v, %d restarts", seed, counts, restarts)
	}
	type result struct {
		out string
		err error
	}
	results := make(chan result, 3)
	for r := 0; r < 3; r++ {
		clone := filepath.Join(t.TempDir(), fmt.Sprintf("replica-%d", r))
		gitCmd(t, filepath.Dir(clone), "clone", "-q", origin, clone)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envReplicaStream+"="+filepath.Join(clone, "stream.jsonl"),
			envReplicaSeed+"="+strconv.FormatInt(seed+int64(r)+1, 10))
		go func() {
			out, err := cmd.CombinedOutput()
			results <- result{string(out), err}
		}()
	}
	for r := 0; r < 3; r++ {
		res := <-results
		if res.err != nil {
			t.Fatalf("seed %d: replica failed: %v\n%s", seed, res.err, res.out)
		}
		if !strings.Contains(res.out, "state "+want) {
			t.Fatalf("seed %d: replica disagrees: want state %s, got\n%s", seed, want, res.out)
		}
	}
}
