package index

import (
	"errors"
	"fmt"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

func rules() *schemas.Bundle {
	return &schemas.Bundle{
		Config: schemas.Config{
			Version: 1, Repository: "test",
			Reconciler: schemas.ReconcilerConfig{Identity: "writ-bot"},
			Identities: []schemas.Identity{
				{Name: "agent", Kind: schemas.IdentityAgent, Capabilities: []string{"propose:release", "propose:hotfix"}},
				{Name: "writ-bot", Kind: schemas.IdentityAgent},
			},
		},
		Workflows: []schemas.Workflow{
			{Name: "release", States: []schemas.State{{Name: "draft"}, {Name: "done", Terminal: true}},
				Transitions: []schemas.Transition{{Name: "create", To: "draft"}, {Name: "finish", From: []string{"draft"}, To: "done"}}},
			{Name: "hotfix", States: []schemas.State{{Name: "draft"}},
				Transitions: []schemas.Transition{{Name: "create", To: "draft"}}},
		},
	}
}

// fold applies genesis and then each "instance workflow transition".
func fold(t *testing.T, steps ...[3]string) core.State {
	t.Helper()
	s := core.NewState()
	e := core.Entry{Kind: core.KindGenesis, HLC: core.HLC{Wall: 1}, Signer: "writ-bot", IdemKey: "genesis", Rules: rules()}
	for i := 0; ; i++ {
		next, out, err := core.Apply(s, e)
		if err != nil || out.Status != core.StatusApplied {
			t.Fatalf("apply %s: %s %s %v", e.IdemKey, out.Status, out.Reason, err)
		}
		s = next
		if i == len(steps) {
			return s
		}
		base, err := s.InstanceHash(steps[i][0])
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("k%d", i)
		e = core.Entry{Kind: core.KindTransition, HLC: core.HLC{Wall: int64(i + 2)}, Signer: "agent", IdemKey: key,
			Proposal: &schemas.Proposal{Instance: steps[i][0], Workflow: steps[i][1], Transition: steps[i][2], BaseState: base, IdemKey: key}}
	}
}

func TestIndexQueries(t *testing.T) {
	s := fold(t, [3]string{"r1", "release", "create"}, [3]string{"r1", "release", "finish"},
		[3]string{"r2", "release", "create"}, [3]string{"h1", "hotfix", "create"})
	x, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field, value string
		want         []string
	}{
		{"state", "draft", []string{"h1", "r2"}},
		{"state", "done", []string{"r1"}},
		{"workflow", "release", []string{"r1", "r2"}},
		{"workflow", "hotfix", []string{"h1"}},
		{"id", "r2", []string{"r2"}},
		{"state", "nowhere", nil},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			got, err := x.By(tt.field, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if ids := idsOf(got); fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Fatalf("By(%s, %s) = %v, want %v", tt.field, tt.value, ids, tt.want)
			}
		})
	}
	all, err := x.All()
	if err != nil || fmt.Sprint(idsOf(all)) != "[h1 r1 r2]" {
		t.Fatalf("All() = %v, %v", idsOf(all), err)
	}
	if _, err := x.By("colour", "red"); err == nil {
		t.Fatal("By on a field that is not indexed succeeded")
	}
}

// TestIndexNeedsEveryBucket: an index of a state restored from a snapshot
// head says which bucket it lacks instead of indexing part of the state.
func TestIndexNeedsEveryBucket(t *testing.T) {
	s := fold(t, [3]string{"r1", "release", "create"}, [3]string{"r2", "release", "create"})
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	head, err := core.RestoreHead(snap[core.SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	var missing *core.MissingBucketError
	if _, err := New(head); !errors.As(err, &missing) {
		t.Fatalf("New on an unrestored state = %v, want a MissingBucketError", err)
	}
	full, err := head.WithBuckets(snap)
	if err != nil {
		t.Fatal(err)
	}
	x, err := New(full)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := x.All(); len(all) != 2 {
		t.Fatalf("index of the restored state holds %d instances, want 2", len(all))
	}
}

func idsOf(list []*core.Instance) []string {
	var out []string
	for _, in := range list {
		out = append(out, in.ID)
	}
	return out
}
