package core

import (
	"errors"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestCheckDepth(t *testing.T) {
	for _, tt := range []struct {
		depth, max int
		ok         bool
	}{
		{0, 0, true},
		{16, 0, true},
		{17, 0, false},
		{3, 3, true},
		{4, 3, false},
		{1, -5, true},
		{17, -5, false},
	} {
		t.Run(strconv.Itoa(tt.depth)+"/"+strconv.Itoa(tt.max), func(t *testing.T) {
			err := CheckDepth(tt.depth, tt.max)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrTooDeep)) {
				t.Fatalf("CheckDepth(%d, %d) = %v, want ok=%v", tt.depth, tt.max, err, tt.ok)
			}
		})
	}
}

func edges(pairs ...string) []Prerequisite {
	var out []Prerequisite
	for _, p := range pairs {
		a, b, _ := strings.Cut(p, ">")
		out = append(out, Prerequisite{Blocked: a, Prerequisite: b})
	}
	return out
}

func TestFindCycle(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edges []Prerequisite
		want  []string
	}{
		{"none", nil, nil},
		{"a tree", edges("t>a", "t>b", "a>c", "b>c"), nil},
		{"self", edges("t>a", "a>a"), []string{"a"}},
		{"two", edges("x>y", "y>x"), []string{"x", "y"}},
		{"three, rotated to the smallest", edges("t>c", "c>a", "a>b", "b>c"), []string{"a", "b", "c"}},
		{"three, duplicated edges", edges("c>a", "a>b", "b>c", "a>b", "c>a"), []string{"a", "b", "c"}},
		{"beside an acyclic part", edges("r>s", "s>u", "u>v", "m>n", "n>o", "o>m"), []string{"m", "n", "o"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := FindCycle(tt.edges); !slices.Equal(got, tt.want) {
				t.Fatalf("FindCycle = %v, want %v", got, tt.want)
			}
			// The answer does not depend on the order of the edges.
			rng := rand.New(rand.NewSource(7))
			for range 20 {
				e := slices.Clone(tt.edges)
				rng.Shuffle(len(e), func(i, j int) { e[i], e[j] = e[j], e[i] })
				if got := FindCycle(e); !slices.Equal(got, tt.want) {
					t.Fatalf("FindCycle(%v) = %v, want %v", e, got, tt.want)
				}
			}
		})
	}
}

// TestFindCycleDeepChain: a chain far deeper than any recursion should
// go is searched without exhausting a stack, and a cycle closing it found.
func TestFindCycleDeepChain(t *testing.T) {
	const n = 200000
	var e []Prerequisite
	for i := range n {
		e = append(e, Prerequisite{Blocked: "t" + strconv.Itoa(i), Prerequisite: "t" + strconv.Itoa(i+1)})
	}
	if c := FindCycle(e); c != nil {
		t.Fatalf("a chain has cycle %v", c[:min(len(c), 5)])
	}
	e = append(e, Prerequisite{Blocked: "t" + strconv.Itoa(n), Prerequisite: "t0"})
	if c := FindCycle(e); len(c) != n+1 || c[0] != "t0" {
		t.Fatalf("FindCycle found %d tasks starting %v, want %d starting t0", len(c), c[:min(len(c), 3)], n+1)
	}
}

func TestCheckPrerequisite(t *testing.T) {
	declared := edges("goal>a", "a>b", "b>c", "goal>d", "d>c")
	for _, tt := range []struct {
		name, blocked, prereq string
		cycle                 string // "" when accepted
	}{
		{"a new leaf", "c", "e", ""},
		{"a shared prerequisite", "a", "d", ""},
		{"a task waiting for itself", "b", "b", "b -> b"},
		{"back to the goal, by the shortest way", "c", "goal", "c -> goal -> d -> c"},
		{"two-step", "b", "a", "b -> a -> b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPrerequisite(declared, tt.blocked, tt.prereq)
			if tt.cycle == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrPrerequisiteCycle) || !strings.Contains(err.Error(), ": "+tt.cycle+";") {
				t.Fatalf("CheckPrerequisite = %v, want the cycle %q named", err, tt.cycle)
			}
		})
	}
	t.Run("the input is not written", func(t *testing.T) {
		d := make([]Prerequisite, 2, 10)
		copy(d, edges("a>b", "b>c"))
		_ = CheckPrerequisite(d, "c", "a")
		if got := d[:3][2]; got != (Prerequisite{}) {
			t.Fatalf("CheckPrerequisite wrote %v past the caller's slice", got)
		}
	})
}
