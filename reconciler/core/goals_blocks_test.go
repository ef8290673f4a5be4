package core

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
)

// blockOp is one event on a BlockSet, as the tests write them.
type blockOp struct {
	kind            string // declare, confirm, refute, resolve, dismiss
	blocked, prereq string // declare; confirm/refute/remove address BlockID(blocked, prereq)
	who             string
}

func (o blockOp) apply(s BlockSet) (BlockSet, error) {
	id := BlockID(o.blocked, o.prereq)
	switch o.kind {
	case "declare":
		s, _, err := s.Declare(o.blocked, o.prereq, o.who)
		return s, err
	case "confirm":
		return s.Confirm(id, o.who)
	case "refute":
		return s.Refute(id, o.who)
	case "resolve":
		return s.Remove(id, Resolved)
	case "dismiss":
		return s.Remove(id, Dismissed)
	}
	return s, errors.New("unknown op " + o.kind)
}

func applyOps(t *testing.T, ops ...blockOp) BlockSet {
	t.Helper()
	var s BlockSet
	for _, o := range ops {
		var err error
		if s, err = o.apply(s); err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	return s
}

func decl(who string) blockOp    { return blockOp{"declare", "T", "P", who} }
func confirm(who string) blockOp { return blockOp{"confirm", "T", "P", who} }
func refute(who string) blockOp  { return blockOp{"refute", "T", "P", who} }

var (
	resolveTP = blockOp{kind: "resolve", blocked: "T", prereq: "P"}
	dismissTP = blockOp{kind: "dismiss", blocked: "T", prereq: "P"}
)

func TestBlockSetStatus(t *testing.T) {
	id := BlockID("T", "P")
	q := BlockQuorum{} // defaults: 2 confirmations, 1 refutation
	for _, tt := range []struct {
		name     string
		ops      []blockOp
		q        BlockQuorum
		want     BlockStatus
		active   bool
		counting []string
	}{
		{"nothing", nil, q, BlockUnknown, false, nil},
		{"a confirmation before any declaration", []blockOp{confirm("bob")}, q, BlockUnknown, false, []string{"bob"}},
		{"declared", []blockOp{decl("ann")}, q, BlockClaimed, true, nil},
		{"one confirmation", []blockOp{decl("ann"), confirm("bob")}, q, BlockClaimed, true, []string{"bob"}},
		{"two confirmations by one identity count once", []blockOp{decl("ann"), confirm("bob"), confirm("bob")}, q, BlockClaimed, true, []string{"bob"}},
		{"the declarer's confirmation does not count", []blockOp{decl("ann"), confirm("ann"), confirm("bob")}, q, BlockClaimed, true, []string{"bob"}},
		{"a second declarer's confirmation does not count", []blockOp{decl("ann"), confirm("cat"), confirm("bob"), decl("bob")}, q, BlockClaimed, true, []string{"cat"}},
		{"quorum of two", []blockOp{decl("ann"), confirm("bob"), confirm("cat")}, q, BlockConfirmed, true, []string{"bob", "cat"}},
		{"quorum of one", []blockOp{decl("ann"), confirm("bob")}, BlockQuorum{Confirm: 1}, BlockConfirmed, true, []string{"bob"}},
		{"one refutation dismisses", []blockOp{decl("ann"), confirm("bob"), confirm("cat"), refute("dan")}, q, BlockDismissed, true, []string{"bob", "cat"}},
		{"two refutations needed", []blockOp{decl("ann"), refute("dan"), refute("dan")}, BlockQuorum{Refute: 2}, BlockClaimed, true, nil},
		{"resolved", []blockOp{decl("ann"), confirm("bob"), confirm("cat"), resolveTP}, q, BlockResolved, false, []string{"bob", "cat"}},
		{"dismissed by removal", []blockOp{decl("ann"), dismissTP}, q, BlockDismissed, false, nil},
		{"resolved beats dismissed", []blockOp{decl("ann"), dismissTP, resolveTP}, q, BlockResolved, false, nil},
		{"a stale re-declaration stays removed", []blockOp{decl("ann"), resolveTP, decl("ann"), decl("eve")}, q, BlockResolved, false, nil},
		{"removed before it was declared", []blockOp{dismissTP, decl("ann"), confirm("bob"), confirm("cat")}, q, BlockDismissed, false, []string{"bob", "cat"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := applyOps(t, tt.ops...)
			if got := s.Status(id, tt.q); got != tt.want {
				t.Errorf("Status = %s, want %s", got, tt.want)
			}
			if got := slices.Contains(s.Active(), id); got != tt.active {
				t.Errorf("active = %v, want %v (Active %v)", got, tt.active, s.Active())
			}
			open := tt.want == BlockClaimed || tt.want == BlockConfirmed
			if got := slices.Contains(s.Open(tt.q), id); got != open {
				t.Errorf("open = %v, want %v (Open %v)", got, open, s.Open(tt.q))
			}
			if got := s.Confirmations(id); !slices.Equal(got, tt.counting) {
				t.Errorf("Confirmations = %v, want %v", got, tt.counting)
			}
		})
	}
}

func TestBlockSetCheckConfirm(t *testing.T) {
	id := BlockID("T", "P")
	for _, tt := range []struct {
		name string
		ops  []blockOp
		who  string
		want error
	}{
		{"undeclared", nil, "bob", ErrUnknownBlock},
		{"by the declarer", []blockOp{decl("ann")}, "ann", ErrSelfConfirm},
		{"by another declarer", []blockOp{decl("ann"), decl("bob")}, "bob", ErrSelfConfirm},
		{"removed", []blockOp{decl("ann"), resolveTP}, "bob", ErrBlockRemoved},
		{"fine", []blockOp{decl("ann")}, "bob", nil},
		{"again: counts once", []blockOp{decl("ann"), confirm("bob")}, "bob", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := applyOps(t, tt.ops...).CheckConfirm(id, tt.who)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CheckConfirm = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestBlockSetRefusesMalformedEvents(t *testing.T) {
	s := applyOps(t, decl("ann"))
	h := s.Hash()
	id := BlockID("T", "P")
	try := map[string]func() (BlockSet, error){
		"declare without blocked":  func() (BlockSet, error) { n, _, err := s.Declare("", "P", "a"); return n, err },
		"declare without prereq":   func() (BlockSet, error) { n, _, err := s.Declare("T", "", "a"); return n, err },
		"declare without declarer": func() (BlockSet, error) { n, _, err := s.Declare("T", "P", ""); return n, err },
		"confirm without id":       func() (BlockSet, error) { return s.Confirm("", "bob") },
		"confirm without identity": func() (BlockSet, error) { return s.Confirm(id, "") },
		"refute without identity":  func() (BlockSet, error) { return s.Refute(id, "") },
		"remove without id":        func() (BlockSet, error) { return s.Remove("", Resolved) },
		"remove for no reason":     func() (BlockSet, error) { return s.Remove(id, "bored") },
	}
	for _, name := range slices.Sorted(maps.Keys(try)) {
		t.Run(name, func(t *testing.T) {
			n, err := try[name]()
			if !errors.Is(err, ErrBlockEvent) || n.Hash() != h {
				t.Fatalf("got %v and hash %s, want ErrBlockEvent and the set unchanged", err, n.Hash())
			}
		})
	}
}

// TestBlockSetIsImmutable: no method changes a value already returned,
// and nothing handed out aliases the set.
func TestBlockSetIsImmutable(t *testing.T) {
	a := applyOps(t, decl("ann"), decl("bob"), confirm("cat"))
	h := a.Hash()
	id := BlockID("T", "P")
	b, _ := a.Confirm(id, "dan")
	c, _ := a.Refute(id, "eve")
	_, _ = a.Remove(id, Resolved)
	_, _, _ = a.Declare("T", "Q", "ann")
	_ = b.Merge(c)
	claims := a.Claims(id)
	claims[0].Declarer = "mallory"
	if a.Hash() != h || a.Declarers(id)[0] != "ann" {
		t.Fatalf("a changed: %s, declarers %v", a.Hash(), a.Declarers(id))
	}
	if b.Hash() == h || c.Hash() == h || b.Hash() == c.Hash() {
		t.Fatal("new events did not make new sets")
	}
}

func TestBlockSetJSONIsCanonical(t *testing.T) {
	var empty BlockSet
	b, err := json.Marshal(empty)
	if err != nil || string(b) != `{"added":[],"confirmed":[],"refuted":[],"removed":[]}` {
		t.Fatalf("empty set = %s, %v", b, err)
	}
	x := applyOps(t, decl("bob"), decl("ann"), confirm("cat"), blockOp{"declare", "A", "B", "ann"})
	y := applyOps(t, blockOp{"declare", "A", "B", "ann"}, confirm("cat"), decl("ann"), decl("bob"), decl("ann"))
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	if string(bx) != string(by) || x.Hash() != y.Hash() || !x.Equal(y) {
		t.Fatalf("same events, different encodings:\n%s\n%s", bx, by)
	}
	if x.Hash() == empty.Hash() {
		t.Fatal("hash ignores the events")
	}
}
