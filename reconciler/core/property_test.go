package core

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"testing"

	"github.com/writ-dev/writ/policies"
)

var propertySeed = flag.Int64("seed", 0, "seed for the property test (0: derive from time and print it)")

// randomStream makes n entries over several instances: mostly plausible
// transitions proposed against the state the proposer saw, with random
// approvals, then duplicates and swaps injected.
func randomStream(rng *rand.Rand, n int) []Entry {
	b := &builder{}
	trs := []string{"create", "verify", "tests-pass", "tests-fail", "tests-retry", "security-clear",
		"approve-release", "ship", "cancel", "quarantine", "release"}
	signers := []string{"agent", "alice", "bob", "carol", "mallory"}
	deciders := []string{"alice", "bob", "carol", "agent"}
	out := []Entry{b.genesis()}
	s := mustApplyQuiet(NewState(), out[0])
	var applied []Entry
	for len(out) < n {
		inst := "r" + strconv.Itoa(rng.Intn(8))
		var ds []policies.Decision
		for _, d := range deciders {
			if rng.Intn(3) == 0 {
				ds = append(ds, approve(d))
			}
		}
		tr := trs[rng.Intn(len(trs))]
		if rng.Intn(10) < 7 {
			tr = plausible(rng, s, inst, trs)
		}
		signer := signers[rng.Intn(len(signers))]
		if rng.Intn(10) < 7 {
			signer = "agent"
		}
		e := b.transition(s, signer, inst, tr, ds...)
		if rng.Intn(20) == 0 {
			e.Proposal.BaseState = "sha256:" + fmt.Sprintf("%064x", rng.Int63())
		}
		if rng.Intn(15) == 0 {
			e.Kind = KindReject
			e.Decisions = append(e.Decisions, policies.Decision{Identity: "bob", Verdict: policies.VerdictReject, Commit: "c0ffee"})
		}
		// HLC wall steps by random amounts; some share a millisecond.
		if rng.Intn(4) == 0 {
			b.wall--
			e.HLC = HLC{Wall: b.wall, Logical: uint32(rng.Intn(3) + 1)}
		}
		var res Outcome
		s, res = full(s, e)
		out = append(out, e)
		if res.Status.Changed() {
			applied = append(applied, e)
		}
		switch r := rng.Intn(100); {
		case r < 5 && len(applied) > 0: // duplicate an earlier applied entry
			out = append(out, applied[rng.Intn(len(applied))])
		case r < 10 && len(out) > 2: // swap the last two
			out[len(out)-1], out[len(out)-2] = out[len(out)-2], out[len(out)-1]
		}
	}
	return out
}

// plausible picks a transition that can fire from the instance's current
// state (or one that creates it), so streams get deep into the workflow.
func plausible(rng *rand.Rand, s State, id string, all []string) string {
	in, ok := instanceIn(s, id)
	if !ok {
		return "create"
	}
	wf, _ := s.Rules().Workflow(in.Workflow)
	var fits []string
	for _, t := range wf.Transitions {
		for _, from := range t.From {
			if (t.Region == "" && from == in.State) || (t.Region != "" && in.Regions[t.Region] == from) {
				fits = append(fits, t.Name)
			}
		}
	}
	if in.State == "quarantined" {
		fits = append(fits, "release")
	}
	if len(fits) == 0 {
		return all[rng.Intn(len(all))]
	}
	return fits[rng.Intn(len(fits))]
}

func mustApplyQuiet(s State, e Entry) State {
	next, _ := full(s, e)
	return next
}

func TestPropertyRandomStreams(t *testing.T) {
	seed := *propertySeed
	if seed == 0 {
		seed = int64(os.Getpid())*7919 + 17
	}
	t.Logf("seed %d (rerun with: go test ./reconciler -run TestPropertyRandomStreams -seed %d)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	for round := 0; round < 20; round++ {
		stream := randomStream(rng, 400)
		s := NewState()
		counts := map[Status]int{}
		var checkpoint SnapshotFiles
		cut := rng.Intn(len(stream))
		for i, e := range stream {
			next, out := full(s, e)
			counts[out.Status]++
			if err := CheckInvariants(s, e, out, next); err != nil {
				t.Fatalf("seed %d round %d entry %d (%s %s): %v", seed, round, i, e.Kind, e.IdemKey, err)
			}
			s = next
			if i == cut {
				var err error
				if checkpoint, err = s.Snapshot(); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Replaying the same stream gives the same bytes.
		again := NewState()
		for _, e := range stream {
			again, _ = full(again, e)
		}
		if again.Hash() != s.Hash() {
			t.Fatalf("seed %d round %d: replay hash %s != %s", seed, round, again.Hash(), s.Hash())
		}
		// Restart from the checkpoint and replay the rest: same state.
		restored, err := Restore(checkpoint)
		if err != nil {
			t.Fatalf("seed %d round %d: %v", seed, round, err)
		}
		for _, e := range stream[cut+1:] {
			restored, _ = full(restored, e)
		}
		if restored.Hash() != s.Hash() {
			t.Fatalf("seed %d round %d: checkpoint replay hash %s != %s", seed, round, restored.Hash(), s.Hash())
		}
		if counts[StatusApplied] < 10 || counts[StatusDuplicate] == 0 || counts[StatusRefused] == 0 {
			t.Fatalf("seed %d round %d: stream does not exercise enough paths: %v", seed, round, counts)
		}
	}
}
