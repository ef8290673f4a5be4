package gitobj

import (
	"bufio"
	"bytes"
	"crypto/sha1"
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
// SHA-1. A graph that does not check (signature, version, chunk table,
// trailing checksum) is not used.

const (
	graphHeaderSize = 8
	graphChunkWidth = 12
	graphDataWidth  = 20 + 16 // tree, two parent positions, generation and date
	graphParentNone = 0x70000000
	chunkOIDFanout  = 0x4f494446 // "OIDF"
	chunkOIDLookup  = 0x4f49444c // "OIDL"
	chunkCommitData = 0x43444154 // "CDAT"
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
	oids   []byte // n × 20, sorted
	data   []byte // n × graphDataWidth
	n      int
	base   int // commits in the layers below: positions in this layer start here
}

// openCommitGraph reads objectsDir's commit-graph, or returns nil when
// there is none or it does not check: it is a cache, never an error.
func openCommitGraph(objectsDir string) *commitGraph {
	info := filepath.Join(objectsDir, "info")
	if l := openGraphLayer(filepath.Join(info, "commit-graph"), 0, 0); l != nil {
		return &commitGraph{layers: []*graphLayer{l}, total: l.n}
	}
	chainDir := filepath.Join(info, "commit-graphs")
	f, err := os.Open(filepath.Join(chainDir, "commit-graph-chain"))
	if err != nil {
		return nil
	}
	defer f.Close()
	g := &commitGraph{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if len(name) != 40 {
			return g.drop()
		}
		l := openGraphLayer(filepath.Join(chainDir, "graph-"+name+".graph"), len(g.layers), g.total)
		if l == nil || hex.EncodeToString(l.m.data[len(l.m.data)-20:]) != name {
			return g.drop()
		}
		g.layers = append(g.layers, l)
		g.total += l.n
	}
	if sc.Err() != nil || len(g.layers) == 0 {
		return g.drop()
	}
	return g
}

// drop releases the layers opened so far and returns nil.
func (g *commitGraph) drop() *commitGraph {
	for _, l := range g.layers {
		l.m.release()
	}
	return nil
}

// openGraphLayer maps and checks one commit-graph file, which must say it
// has bases base graphs below it holding below commits; nil if it does
// not check.
func openGraphLayer(path string, bases, below int) *graphLayer {
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
	l.m, l.base = m, below
	runtime.AddCleanup(l, func(m *mapping) { m.release() }, m)
	return l
}

// parseGraphLayer finds the chunks of a commit-graph file with bases base
// graphs and checks its shape and checksum.
func parseGraphLayer(data []byte, bases int) *graphLayer {
	if len(data) < graphHeaderSize+graphChunkWidth+20 || string(data[:4]) != "CGPH" ||
		data[4] != 1 || data[5] != 1 || int(data[7]) != bases {
		return nil
	}
	body := data[:len(data)-20]
	if sum := sha1.Sum(body); !bytes.Equal(sum[:], data[len(data)-20:]) {
		return nil
	}
	chunks := int(data[6])
	table := graphHeaderSize
	if len(body) < table+(chunks+1)*graphChunkWidth {
		return nil
	}
	l := &graphLayer{}
	var fan []byte
	for i := 0; i < chunks; i++ {
		e := data[table+i*graphChunkWidth:]
		id := binary.BigEndian.Uint32(e)
		start := binary.BigEndian.Uint64(e[4:])
		end := binary.BigEndian.Uint64(e[4+graphChunkWidth:])
		if start > end || end > uint64(len(body)) {
			return nil
		}
		chunk := data[start:end]
		switch id {
		case chunkOIDFanout:
			fan = chunk
		case chunkOIDLookup:
			l.oids = chunk
		case chunkCommitData:
			l.data = chunk
		}
	}
	var ok bool
	if len(fan) != 256*4 {
		return nil
	}
	if l.fanout, ok = parseFanout(fan); !ok {
		return nil
	}
	l.n = int(l.fanout[255])
	if len(l.oids) != 20*l.n || len(l.data) != graphDataWidth*l.n {
		return nil
	}
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
