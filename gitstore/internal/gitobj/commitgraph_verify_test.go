package gitobj

import (
	"crypto/sha1"
	"encoding/binary"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// graphSpec describes a one-layer commit-graph for the tests: commits
// (in file order), each one's parent positions and topological level, the
// extra-edge list, and the checksums of the layers it claims below it.
type graphSpec struct {
	oids   []plumbing.Hash
	p1, p2 []uint32
	levels []uint32
	edges  []uint32
	bases  [][]byte
}

// chunkSpec is one chunk of a built file.
type chunkSpec struct {
	id   uint32
	body []byte
}

// build returns the file's chunks in the order git writes them.
func (s graphSpec) chunks() []chunkSpec {
	fanout := make([]byte, 256*4)
	for b := 0; b < 256; b++ {
		n := 0
		for _, c := range s.oids {
			if int(c[0]) <= b {
				n++
			}
		}
		binary.BigEndian.PutUint32(fanout[4*b:], uint32(n))
	}
	var oids, data, edges, bases []byte
	for i, c := range s.oids {
		oids = append(oids, c[:]...)
		row := make([]byte, graphDataWidth)
		binary.BigEndian.PutUint32(row[20:], s.p1[i])
		binary.BigEndian.PutUint32(row[24:], s.p2[i])
		if s.levels != nil {
			binary.BigEndian.PutUint32(row[28:], s.levels[i]<<2)
		}
		data = append(data, row...)
	}
	for _, e := range s.edges {
		edges = binary.BigEndian.AppendUint32(edges, e)
	}
	for _, b := range s.bases {
		bases = append(bases, b...)
	}
	out := []chunkSpec{{chunkOIDFanout, fanout}, {chunkOIDLookup, oids}, {chunkCommitData, data}}
	if edges != nil {
		out = append(out, chunkSpec{chunkExtraEdges, edges})
	}
	if bases != nil {
		out = append(out, chunkSpec{chunkBaseGraphs, bases})
	}
	return out
}

// file lays out chunks after a header and table (terminator id term),
// and seals the file with its checksum.
func graphBytes(bases int, chunks []chunkSpec, term uint32) []byte {
	head := []byte{'C', 'G', 'P', 'H', 1, 1, byte(len(chunks)), byte(bases)}
	off := uint64(len(head) + (len(chunks)+1)*graphChunkWidth)
	var table, body []byte
	for _, c := range chunks {
		table = binary.BigEndian.AppendUint32(table, c.id)
		table = binary.BigEndian.AppendUint64(table, off)
		off += uint64(len(c.body))
		body = append(body, c.body...)
	}
	table = binary.BigEndian.AppendUint32(table, term)
	table = binary.BigEndian.AppendUint64(table, off)
	out := append(append(head, table...), body...)
	sum := sha1.Sum(out)
	return append(out, sum[:]...)
}

// seal recomputes a file's checksum after an edit.
func seal(b []byte) []byte {
	sum := sha1.Sum(b[:len(b)-20])
	copy(b[len(b)-20:], sum[:])
	return b
}

// loadGraph parses data as a layer on top of below and reports whether
// the reader uses it.
func loadGraph(below *commitGraph, bases int, data []byte) (*commitGraph, bool) {
	l := parseGraphLayer(data, bases)
	if l == nil {
		return below, false
	}
	return below, below.add(l)
}

func TestCommitGraphChecks(t *testing.T) {
	const none = graphParentNone
	// Three commits: 01 is the root, 02's parent 01, 03 a merge of 02
	// and 01; levels 1, 2, 3.
	good := graphSpec{
		oids:   []plumbing.Hash{{1}, {2}, {3}},
		p1:     []uint32{none, 0, 1},
		p2:     []uint32{none, none, 0},
		levels: []uint32{1, 2, 3},
	}
	with := func(edit func(s *graphSpec)) []byte {
		s := good
		s.oids = append([]plumbing.Hash(nil), good.oids...)
		s.p1 = append([]uint32(nil), good.p1...)
		s.p2 = append([]uint32(nil), good.p2...)
		s.levels = append([]uint32(nil), good.levels...)
		edit(&s)
		return graphBytes(len(s.bases), s.chunks(), 0)
	}
	octopus := func(edges ...uint32) []byte {
		return with(func(s *graphSpec) { s.p2[2] = graphEdgesFlag; s.edges = edges })
	}
	chunks := good.chunks()
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"as git writes it", with(func(*graphSpec) {}), true},
		{"levels not computed (an old git)", with(func(s *graphSpec) { s.levels = nil }), true},
		{"an octopus through the extra-edge list", octopus(0, 1|graphLastEdge), true},
		{"object ids out of order", with(func(s *graphSpec) { s.oids[1], s.oids[2] = s.oids[2], s.oids[1] }), false},
		{"an object id twice", with(func(s *graphSpec) { s.oids[2] = s.oids[1] }), false},
		{"an object id outside its fan-out bucket", seal(func() []byte {
			b := with(func(*graphSpec) {})
			// Count 02 under first byte 01: the table stays monotone.
			fan := graphHeaderSize + 4*graphChunkWidth
			binary.BigEndian.PutUint32(b[fan+4*1:], 2)
			return b
		}()), false},
		{"a fan-out that decreases", seal(func() []byte {
			b := with(func(*graphSpec) {})
			fan := graphHeaderSize + 4*graphChunkWidth
			binary.BigEndian.PutUint32(b[fan+4*200:], 1)
			return b
		}()), false},
		{"chunk offsets out of order", seal(func() []byte {
			b := with(func(*graphSpec) {})
			e0, e1 := b[graphHeaderSize:graphHeaderSize+12], b[graphHeaderSize+12:graphHeaderSize+24]
			var tmp [12]byte
			copy(tmp[:], e0)
			copy(e0, e1)
			copy(e1, tmp[:])
			return b
		}()), false},
		{"a chunk inside the chunk table", seal(func() []byte {
			b := with(func(*graphSpec) {})
			binary.BigEndian.PutUint64(b[graphHeaderSize+4:], graphHeaderSize)
			return b
		}()), false},
		{"a chunk named twice", graphBytes(0, append(append([]chunkSpec(nil), chunks...), chunkSpec{chunkOIDLookup, nil}), 0), false},
		{"a table without its terminator", graphBytes(0, chunks, chunkExtraEdges), false},
		{"a first parent out of range", with(func(s *graphSpec) { s.p1[1] = 3 }), false},
		{"a second parent out of range", with(func(s *graphSpec) { s.p2[2] = 7 }), false},
		{"a second parent without a first", with(func(s *graphSpec) { s.p1[1], s.p2[1] = none, 0 }), false},
		{"an extra-edge list without its terminator", octopus(0, 1), false},
		{"an extra-edge index past the list", with(func(s *graphSpec) { s.p2[2] = graphEdgesFlag | 5; s.edges = []uint32{0 | graphLastEdge} }), false},
		{"an extra-edge entry out of range", octopus(0, 9|graphLastEdge), false},
		{"a level not above a parent's", with(func(s *graphSpec) { s.levels[2] = 2 }), false},
		{"levels on some commits only", with(func(s *graphSpec) { s.levels[0] = 0 }), false},
		{"first parents in a loop", with(func(s *graphSpec) { s.p1[0] = 2 }), false},
		{"a base graph it does not have", with(func(s *graphSpec) { s.bases = [][]byte{make([]byte, 20)} }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := loadGraph(&commitGraph{}, 0, tt.data)
			if ok != tt.ok {
				t.Fatalf("used: %v, want %v", ok, tt.ok)
			}
		})
	}
}

// A layer of a chain must name the layers below it, in order, in its
// BASE chunk, and its parents may point into them.
func TestCommitGraphChainBases(t *testing.T) {
	const none = graphParentNone
	baseFile := graphBytes(0, graphSpec{
		oids: []plumbing.Hash{{1}, {5}}, p1: []uint32{none, 0}, p2: []uint32{none, none}, levels: []uint32{1, 2},
	}.chunks(), 0)
	top := func(bases [][]byte) []byte {
		return graphBytes(len(bases), graphSpec{
			oids: []plumbing.Hash{{3}}, p1: []uint32{1}, p2: []uint32{none}, levels: []uint32{3}, bases: bases,
		}.chunks(), 0)
	}
	for _, tt := range []struct {
		name  string
		bases [][]byte
		claim int
		ok    bool
	}{
		{"names its base", [][]byte{baseFile[len(baseFile)-20:]}, 1, true},
		{"names another file", [][]byte{make([]byte, 20)}, 1, false},
		{"claims no base", nil, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := loadGraph(&commitGraph{}, 0, baseFile)
			if !ok {
				t.Fatal("the base layer does not check")
			}
			g, ok = loadGraph(g, tt.claim, top(tt.bases))
			if ok != tt.ok {
				t.Fatalf("top layer used: %v, want %v", ok, tt.ok)
			}
			if ok {
				p, hinted := g.firstParent(plumbing.Hash{3})
				if !hinted || p != (plumbing.Hash{5}) {
					t.Fatalf("first parent of 03…: %s %v", p, hinted)
				}
			}
		})
	}
}
