package gitobj

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// git keeps a commit-graph (objects/info/commit-graph, or a chain of
// layers under objects/info/commit-graphs) after `git gc`, `git
// commit-graph write` or a fetch with fetch.writeCommitGraph: for every
// commit it held then, the commit's tree, parents and generation, so a
// history walk needs no commit object. A Store reads it only to answer
// FirstParentHint; the format is gitformat-commit-graph(5), version 1,
// SHA-1. A graph that does not pass the checks of `git commit-graph
// verify` that this reader relies on (see parseGraphLayer and
// commitGraph.add) is not used at all.

const (
	graphHeaderSize = 8
	graphChunkWidth = 12
	graphDataWidth  = 20 + 16 // tree, two parent positions, generation and date
	graphParentNone = 0x70000000
	chunkOIDFanout  = 0x4f494446 // "OIDF"
	chunkOIDLookup  = 0x4f49444c // "OIDL"
	chunkCommitData = 0x43444154 // "CDAT"
	chunkExtraEdges = 0x45444745 // "EDGE"
	chunkBaseGraphs = 0x42415345 // "BASE"
)

// commitGraph is the layers of a repository's commit-graph, base first.
type commitGraph struct {
	layers []*graphLayer
	total  int
}

// graphLayer is one commit-graph file.
type graphLayer struct {
	m      *mapping
	fanout fanout
	oids   []byte // n × 20, strictly ascending
	data   []byte // n × graphDataWidth
	edges  []byte // the extra-edge list: 4 bytes per entry
	bases  []byte // the checksums of the layers below, 20 bytes each
	sum    []byte // the file's checksum
	n      int
	base   int // commits in the layers below: positions in this layer start here
}

// openCommitGraph reads objectsDir's commit-graph, or returns nil when
// there is none or it does not check: it is a cache, never an error.
func openCommitGraph(objectsDir string) *commitGraph {
	info := filepath.Join(objectsDir, "info")
	g := &commitGraph{}
	if l := openGraphLayer(filepath.Join(info, "commit-graph"), 0); l != nil {
		if !g.add(l) {
			return g.drop(l)
		}
		return g
	}
	chainDir := filepath.Join(info, "commit-graphs")
	f, err := os.Open(filepath.Join(chainDir, "commit-graph-chain"))
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if len(name) != 40 {
			return g.drop(nil)
		}
		l := openGraphLayer(filepath.Join(chainDir, "graph-"+name+".graph"), len(g.layers))
		if l == nil {
			return g.drop(nil)
		}
		if hex.EncodeToString(l.checksum()) != name || !g.add(l) {
			return g.drop(l)
		}
	}
	if sc.Err() != nil || len(g.layers) == 0 {
		return g.drop(nil)
	}
	return g
}

// drop releases the layers opened so far, and extra when not nil, and
// returns nil.
func (g *commitGraph) drop(extra *graphLayer) *commitGraph {
	for _, l := range g.layers {
		l.m.release()
	}
	if extra != nil {
		extra.m.release()
	}
	return nil
}

// openGraphLayer maps and checks one commit-graph file, which must say it
// has bases base graphs below it; nil if it does not check on its own
// (commitGraph.add checks what depends on the layers below).
func openGraphLayer(path string, bases int) *graphLayer {
	data, unmap, err := mapFile(path)
	if err != nil || data == nil {
		return nil
	}
	m := &mapping{data: data, unmap: unmap}
	l := parseGraphLayer(data, bases)
	if l == nil {
		m.release()
		return nil
	}
	l.m = m
	runtime.AddCleanup(l, func(m *mapping) { m.release() }, m)
	return l
}

// position returns h's position in the graph.
func (g *commitGraph) position(h plumbing.Hash) (int, bool) {
	for _, l := range g.layers {
		if i, ok := l.fanout.find(l.oids, h); ok {
			return l.base + i, true
		}
	}
	return 0, false
}

// layerOf returns the layer holding position pos and pos within it.
func (g *commitGraph) layerOf(pos int) (*graphLayer, int, bool) {
	for _, l := range g.layers {
		if pos >= l.base && pos < l.base+l.n {
			return l, pos - l.base, true
		}
	}
	return nil, 0, false
}

// firstParent returns h's first parent as the graph records it (zero when
// it has none); ok is false when the graph does not hold h or names a
// position it does not have.
func (g *commitGraph) firstParent(h plumbing.Hash) (plumbing.Hash, bool) {
	defer runtime.KeepAlive(g)
	pos, ok := g.position(h)
	if !ok {
		return plumbing.ZeroHash, false
	}
	l, i, ok := g.layerOf(pos)
	if !ok {
		return plumbing.ZeroHash, false
	}
	p := binary.BigEndian.Uint32(l.data[graphDataWidth*i+20:])
	if p == graphParentNone {
		return plumbing.ZeroHash, true
	}
	pl, j, ok := g.layerOf(int(p))
	if p >= graphParentNone || !ok {
		return plumbing.ZeroHash, false
	}
	var parent plumbing.Hash
	copy(parent[:], pl.oids[20*j:])
	return parent, true
}
