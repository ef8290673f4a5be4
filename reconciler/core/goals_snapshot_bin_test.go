package core

import (
	"bytes"
	"encoding/hex"

	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// fanInLineage is a lineage with a barrier of three members, a windowed
// quorum pinned on its blocks and one member left open.
func fanInLineage(t *testing.T) *goalLog {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumMulti, Min: 2, Max: 3, Window: "1h", OnShort: schemas.OnShortProceedDegraded}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	members := []any{pre("patch-node", map[string]any{"node": "web-1"}), pre("patch-node", map[string]any{"node": "web-2"}), pre("patch-node", nil)}
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": map[string]any{"type": "patch-fleet", "members": members}}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "patch-fleet", nil))
	g.act("a3", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied) // ignored: trust 2
	g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
	g.act("a4", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
	g.act("a2", schemas.GoalComplete, map[string]any{"task": taskOf(t, "patch-node", map[string]any{"node": "web-1"})}, StatusApplied)
	return g
}

// lineageStates are states holding lineage L1 in the shapes a lineage
// takes: empty of blocks, a wide tree with open tasks and ignored votes,
// a barrier under a windowed quorum.
func lineageStates(t *testing.T) map[string]State {
	out := map[string]State{}
	for name, n := range map[string]int{"started": 0, "one": 1, "tree": 40} {
		out[name] = bigLineage(t, n).s
	}
	out["fan-in"] = fanInLineage(t).s
	return out
}

func lineageRecord(t *testing.T, s State) stored {
	t.Helper()
	st, ok, err := s.lookup(bucketOf("L1"), "L1")
	if err != nil || !ok || st.goal == nil {
		t.Fatalf("no lineage L1: %v", err)
	}
	return st
}

// TestLineageFileRoundTrip: a lineage file decodes to lineages that hash
// as the ones encoded, and encoding them again gives the same bytes; a
// file of several lineages keeps each apart.
func TestLineageFileRoundTrip(t *testing.T) {
	var all []stored
	for _, name := range []string{"fan-in", "odd-ids", "one", "started", "tree"} {
		st := lineageRecord(t, lineageStates(t)[strings.Replace(name, "odd-ids", "tree", 1)])
		in := st.inst.clone()
		in.ID = "L-" + name
		st.inst = in
		if name == "odd-ids" {
			// Strings that are almost ids stay text; ids take 32 bytes.
			l := *st.goal
			for _, k := range []string{"sha256:" + strings.Repeat("AB", 32), "sha256:" + strings.Repeat("ab", 31), "sha256:" + strings.Repeat("0", 64)} {
				l.keys = l.keys.put(consumedKey{id: k, how: "applied"}.sealed())
			}
			st.goal = &l
			if data := encodeLineages([]stored{st}); !bytes.Contains(data, []byte(strings.Repeat("AB", 32))) || bytes.Contains(data, []byte(strings.Repeat("0", 64))) {
				t.Fatal("an id is not kept as bytes, or a string that is not one is not kept as it is")
			}
		}
		all = append(all, st)
		for _, items := range [][]stored{{st}, all} {
			data := encodeLineages(items)
			ids, parts, err := decodeLineages(data)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(ids) != len(items) {
				t.Fatalf("%s: %d lineages decoded, want %d", name, len(ids), len(items))
			}
			var again []stored
			for i := range ids {
				l, err := lineageOf(&parts[i])
				if err != nil {
					t.Fatalf("%s: lineage %s: %v", name, ids[i], err)
				}
				if ids[i] != items[i].inst.ID || l.hash("x") != items[i].goal.hash("x") {
					t.Fatalf("%s: lineage %d (%s) decodes to another lineage", name, i, ids[i])
				}
				again = append(again, stored{inst: items[i].inst, goal: l})
			}
			if !bytes.Equal(encodeLineages(again), data) {
				t.Fatalf("%s: re-encoding the decoded lineages gives other bytes", name)
			}
		}
	}
}

// TestSnapshotKeepsLineagesInTheirFile: a snapshot writes each lineage to
// its bucket's lineage file, not into the bucket's JSON, and restores to
// the state hash and the views of the state it was taken of.
func TestSnapshotKeepsLineagesInTheirFile(t *testing.T) {
	for name, s := range lineageStates(t) {
		files, err := s.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		b := bucketOf("L1")
		if _, ok := files[LineagePath(b)]; !ok || bytes.Contains(files[BucketPath(b)], []byte(`"lineage"`)) {
			t.Fatalf("%s: files %v: the lineage is not in %s alone", name, keysOfFiles(files), LineagePath(b))
		}
		r, err := Restore(files)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Hash() != s.Hash() {
			t.Fatalf("%s: restored %s, want %s", name, r.Hash(), s.Hash())
		}
		if got, want := mustJSONAny(t, mustLineage(t, r, "L1")), mustJSONAny(t, mustLineage(t, s, "L1")); got != want {
			t.Fatalf("%s: restored view differs:\n%s\n%s", name, got, want)
		}
	}
}

func keysOfFiles(files SnapshotFiles) []string {
	var out []string
	for p := range files {
		out = append(out, p)
	}
	return out
}

// TestRestoreRefusesABadLineageFile: a lineage file that is missing,
// truncated, of another lineage or changed in one string is refused,
// naming the file or the bucket.
func TestRestoreRefusesABadLineageFile(t *testing.T) {
	s := fanInLineage(t).s
	files, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := bucketOf("L1")
	path := LineagePath(b)
	good := files[path]
	other, err := bigLineage(t, 3).s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// The fan-in's one block, as the file keeps it (32 bytes), and another.
	terminal := mustLineage(t, s, "L1").Terminal
	blockRaw, _ := hex.DecodeString(strings.TrimPrefix(BlockID(terminal, taskOf(t, "patch-fleet", nil)), "sha256:"))
	otherRaw := bytes.Clone(blockRaw)
	otherRaw[0] ^= 1
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"missing":   {nil, "was not given"},
		"truncated": {good[:len(good)-3], path},
		"trailing":  {append(bytes.Clone(good), 0), "after the last lineage"},
		"header":    {append([]byte("writ-lineages/v9\n"), good[len(lineageMagic):]...), "not a lineage file"},
		"other":     {other[LineagePath(b)], "hashes to"},
		"type":      {bytes.Replace(good, []byte("patch-node"), []byte("patch-nodf"), 1), "hashes to"},
		"block id":  {bytes.Replace(good, blockRaw, otherRaw, 1), "hashes to"},
	} {
		bad := SnapshotFiles{}
		for p, d := range files {
			bad[p] = d
		}
		delete(bad, path)
		if tc.data != nil {
			bad[path] = tc.data
		}
		_, err := Restore(bad)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v, want an error with %q", name, err, tc.want)
		}
	}
}

// TestLineageCodecCoversEveryField: the lineage file writes every field
// of a lineage's records. A field added to one of these types must be
// added to binWriter.lineage and binReader.lineage (and to the record's
// digest) before this count is raised.
func TestLineageCodecCoversEveryField(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want int
	}{
		{lineage{}, 12}, {goalTask{}, 12}, {Completion{}, 4}, {schemas.Evidence{}, 3}, {blockFacts{}, 6},
		{schemas.Quorum{}, 7}, {IgnoredVote{}, 3}, {consumedKey{}, 3}, {BlockClaim{}, 4}, {BlockRemoval{}, 2}, {BlockVote{}, 2},
	} {
		if got := reflect.TypeOf(tc.v).NumField(); got != tc.want {
			t.Errorf("%T has %d fields, the lineage file writes %d: extend goals_snapshot_bin.go", tc.v, got, tc.want)
		}
	}
}

// TestLineageFileInKeyOrderRestores: a lineage file writes its lists in
// table order; one whose lists are sorted by key instead (as files were
// written before) builds the same lineage.
func TestLineageFileInKeyOrderRestores(t *testing.T) {
	for name, s := range lineageStates(t) {
		st := lineageRecord(t, s)
		for _, keyOrder := range []bool{false, true} {
			_, parts, err := decodeLineages(encodeLineages([]stored{st}))
			if err != nil {
				t.Fatal(err)
			}
			p := &parts[0]
			if keyOrder {
				slices.SortFunc(p.tasks, func(a, b goalTask) int { return strings.Compare(a.id, b.id) })
				slices.SortFunc(p.facts, func(a, b blockFacts) int { return strings.Compare(a.id, b.id) })
				slices.SortFunc(p.keys, func(a, b consumedKey) int { return strings.Compare(a.id, b.id) })
				p.blocks = st.goal.blocks.lists()
			}
			l, err := lineageOf(p)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if l.hash("x") != st.goal.hash("x") {
				t.Errorf("%s (key order %v): the lineage hashes to another value", name, keyOrder)
			}
		}
	}
}

// FuzzDecodeLineages: decoding any bytes never panics; whatever decodes
// and builds re-encodes to a file that decodes to the same lineages.
func FuzzDecodeLineages(f *testing.F) {
	t := &testing.T{}
	for _, s := range []State{bigLineage(t, 2).s, fanInLineage(t).s} {
		files, _ := s.Snapshot()
		f.Add(files[LineagePath(bucketOf("L1"))])
	}
	f.Add([]byte(lineageMagic + "\x01\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ids, parts, err := decodeLineages(data)
		if err != nil {
			return
		}
		var items []stored
		for i := range ids {
			l, err := lineageOf(&parts[i])
			if err != nil {
				return
			}
			items = append(items, stored{inst: &Instance{ID: ids[i]}, goal: l})
		}
		ids2, parts2, err := decodeLineages(encodeLineages(items))
		if err != nil || len(ids2) != len(ids) {
			t.Fatalf("re-encoded file: %v", err)
		}
		for i := range ids2 {
			l, err := lineageOf(&parts2[i])
			if err != nil || ids2[i] != ids[i] || l.hash("x") != items[i].goal.hash("x") {
				t.Fatalf("lineage %d changed through a re-encoding: %v", i, err)
			}
		}
	})
}
