package gitobj

import (
	"crypto/sha1"
	"encoding/binary"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// FuzzCommitGraph feeds commit-graph files (sealed with a valid checksum,
// so parsing goes past it) to the reader: it must refuse or answer, never
// panic; every commit it holds must be found where it is, and every answer
// must be a name the file holds. Regressions found by fuzzing are in
// testdata/fuzz/FuzzCommitGraph.
func FuzzCommitGraph(f *testing.F) {
	f.Add(graphFile([]plumbing.Hash{{1}, {2}, {3}}, []uint32{graphParentNone, 0, 1}))
	f.Add(graphFile(nil, nil))
	f.Add([]byte("CGPH\x01\x01\x03\x00"))
	f.Fuzz(func(t *testing.T, body []byte) {
		sum := sha1.Sum(body)
		data := append(append([]byte(nil), body...), sum[:]...)
		l := parseGraphLayer(data, 0)
		if l == nil {
			return
		}
		l.m = &mapping{data: data}
		g := &commitGraph{}
		if !g.add(l) {
			return
		}
		for i := 0; i < l.n && i < 64; i++ {
			var h plumbing.Hash
			copy(h[:], l.oids[20*i:])
			if pos, found := g.position(h); !found || pos != i {
				t.Fatalf("commit %d (%s) found at %d %v", i, h, pos, found)
			}
			p, ok := g.firstParent(h)
			if ok && !p.IsZero() {
				if _, found := g.position(p); !found {
					t.Fatalf("parent %s of %s is not in the graph", p, h)
				}
			}
		}
		g.firstParent(plumbing.Hash{0xff, 0xee})
	})
}

// graphFile is a one-layer commit-graph without its checksum: commits
// (sorted by the caller) and each one's first parent position.
func graphFile(commits []plumbing.Hash, parents []uint32) []byte {
	const chunks = 3
	head := []byte{'C', 'G', 'P', 'H', 1, 1, chunks, 0}
	fanout := make([]byte, 256*4)
	for b := 0; b < 256; b++ {
		n := 0
		for _, c := range commits {
			if int(c[0]) <= b {
				n++
			}
		}
		binary.BigEndian.PutUint32(fanout[4*b:], uint32(n))
	}
	var oids, data []byte
	for i, c := range commits {
		oids = append(oids, c[:]...)
		row := make([]byte, graphDataWidth)
		binary.BigEndian.PutUint32(row[20:], parents[i])
		binary.BigEndian.PutUint32(row[24:], graphParentNone)
		data = append(data, row...)
	}
	table := make([]byte, 0, (chunks+1)*graphChunkWidth)
	off := uint64(len(head) + (chunks+1)*graphChunkWidth)
	for _, c := range []struct {
		id   uint32
		body []byte
	}{{chunkOIDFanout, fanout}, {chunkOIDLookup, oids}, {chunkCommitData, data}} {
		table = binary.BigEndian.AppendUint32(table, c.id)
		table = binary.BigEndian.AppendUint64(table, off)
		off += uint64(len(c.body))
	}
	table = binary.BigEndian.AppendUint32(table, 0)
	table = binary.BigEndian.AppendUint64(table, off)
	out := append(append(append(append(head, table...), fanout...), oids...), data...)
	return out
}

// The fuzz target's seed is a graph the reader accepts and walks.
func TestGraphFileSeed(t *testing.T) {
	body := graphFile([]plumbing.Hash{{1}, {2}, {3}}, []uint32{graphParentNone, 0, 1})
	sum := sha1.Sum(body)
	l := parseGraphLayer(append(body, sum[:]...), 0)
	g := &commitGraph{}
	if l == nil || l.n != 3 || !g.add(l) {
		t.Fatal("the seed graph does not parse")
	}
	if p, ok := g.firstParent(plumbing.Hash{3}); !ok || p != (plumbing.Hash{2}) {
		t.Fatalf("first parent of 03…: %s %v", p, ok)
	}
	if p, ok := g.firstParent(plumbing.Hash{1}); !ok || !p.IsZero() {
		t.Fatalf("root: %s %v", p, ok)
	}
}
