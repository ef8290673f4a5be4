package gitobj

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
)

// The checks below are those of `git commit-graph verify` (and of git's
// reader, which dies on them) that FirstParentHint relies on:
//
//   - the header: signature, version 1, SHA-1, and the number of base
//     graphs the chain puts below the file;
//   - the trailing checksum;
//   - the chunk table: offsets within the file, after the table and never
//     decreasing, no chunk named twice, a terminating entry of id 0;
//   - the required chunks (OIDF, OIDL, CDAT) present and of the sizes
//     the fan-out's count gives; EDGE a whole number of entries; BASE, in
//     a layer of a chain, naming exactly the layers below it;
//   - the fan-out never decreasing, its last count the number of commits,
//     and every object id in the bucket of its first byte;
//   - object ids strictly ascending (a bisection needs it);
//   - every parent position, and every extra-edge entry, naming a commit
//     of this layer or one below; every extra-edge list ending with its
//     terminator inside the chunk;
//   - topological levels: in each layer all zero (written by an old git)
//     or none, and each commit's level above each parent's (git saturates
//     levels at 2^30-1), so first parents cannot loop.
//
// Commit dates and the changed-path filters are not used, so not checked;
// that a commit's recorded parents are the commit object's own is for the
// caller to check (FirstParentHint is a hint).

const (
	graphLastEdge  = 0x80000000 // an extra-edge entry's terminator bit
	graphEdgesFlag = 0x80000000 // a second parent that indexes the EDGE chunk
	graphLevelMax  = 1<<30 - 1  // git's saturated topological level
	graphMaxChunks = 64         // git writes at most 9
)

// parseGraphLayer checks a commit-graph file that must say it has bases
// base graphs below it, and finds its chunks; nil if any check of the file
// on its own fails. What depends on the layers below (parent positions,
// levels, the BASE chunk's names) is checked by commitGraph.add.
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
	tableEnd := graphHeaderSize + (chunks+1)*graphChunkWidth
	if chunks > graphMaxChunks || len(body) < tableEnd {
		return nil
	}
	l := &graphLayer{sum: data[len(data)-20:]}
	var fan []byte
	found := map[uint32]bool{}
	for i := 0; i < chunks; i++ {
		e := data[graphHeaderSize+i*graphChunkWidth:]
		id := binary.BigEndian.Uint32(e)
		start := binary.BigEndian.Uint64(e[4:])
		end := binary.BigEndian.Uint64(e[4+graphChunkWidth:])
		if id == 0 || found[id] || start < uint64(tableEnd) || start > end || end > uint64(len(body)) {
			return nil
		}
		found[id] = true
		chunk := data[start:end]
		switch id {
		case chunkOIDFanout:
			fan = chunk
		case chunkOIDLookup:
			l.oids = chunk
		case chunkCommitData:
			l.data = chunk
		case chunkExtraEdges:
			l.edges = chunk
		case chunkBaseGraphs:
			l.bases = chunk
		}
	}
	if binary.BigEndian.Uint32(data[graphHeaderSize+chunks*graphChunkWidth:]) != 0 {
		return nil // the table's last entry must be the terminator
	}
	var ok bool
	if len(fan) != 256*4 {
		return nil
	}
	if l.fanout, ok = parseFanout(fan); !ok {
		return nil
	}
	l.n = int(l.fanout[255])
	if l.n >= graphParentNone || len(l.oids) != 20*l.n || len(l.data) != graphDataWidth*l.n ||
		len(l.edges)%4 != 0 || len(l.bases) != 20*bases {
		return nil
	}
	for i := 0; i < l.n; i++ {
		oid := l.oids[20*i : 20*i+20]
		lo := 0
		if oid[0] > 0 {
			lo = int(l.fanout[oid[0]-1])
		}
		if i < lo || i >= int(l.fanout[oid[0]]) {
			return nil // not in its fan-out bucket
		}
		if i > 0 && bytes.Compare(l.oids[20*(i-1):20*i], oid) >= 0 {
			return nil // out of order, or twice
		}
	}
	return l
}

// checksum returns the layer's trailing checksum, its name in a chain.
func (l *graphLayer) checksum() []byte { return l.sum }

// add checks layer l against the layers already in g and puts it on top;
// false (and g unchanged) when it does not check.
func (g *commitGraph) add(l *graphLayer) bool {
	if len(l.bases) != 20*len(g.layers) {
		return false
	}
	for i, below := range g.layers {
		if !bytes.Equal(l.bases[20*i:20*i+20], below.checksum()) {
			return false
		}
	}
	if g.total+l.n >= graphParentNone {
		return false
	}
	l.base = g.total
	g.layers = append(g.layers, l)
	g.total += l.n
	if !g.checkParents(l) {
		g.layers = g.layers[:len(g.layers)-1]
		g.total -= l.n
		return false
	}
	return true
}

// checkParents checks the parents and levels of top layer l's commits.
func (g *commitGraph) checkParents(l *graphLayer) bool {
	zeroLevels := 0
	for i := 0; i < l.n; i++ {
		level := l.level(i)
		if level == 0 {
			zeroLevels++
		}
		ok := l.parents(i, func(pos uint32) bool {
			pl, j, in := g.layerOf(int(pos))
			if !in {
				return false
			}
			p := pl.level(j)
			return level == 0 || level > p || level == graphLevelMax && p == graphLevelMax
		})
		if !ok {
			return false
		}
	}
	return zeroLevels == 0 || zeroLevels == l.n
}

// level returns commit i's topological level (0: not computed).
func (l *graphLayer) level(i int) uint32 {
	return binary.BigEndian.Uint32(l.data[graphDataWidth*i+28:]) >> 2
}

// parents calls fn with each parent position of commit i, in order, and
// reports whether every call returned true and the parents could be read
// (a second parent only after a first; an extra-edge list that starts and
// ends, with its terminator, inside its chunk).
func (l *graphLayer) parents(i int, fn func(pos uint32) bool) bool {
	row := l.data[graphDataWidth*i:]
	p1 := binary.BigEndian.Uint32(row[20:])
	p2 := binary.BigEndian.Uint32(row[24:])
	switch {
	case p1 == graphParentNone:
		return p2 == graphParentNone
	case !fn(p1):
		return false
	case p2 == graphParentNone:
		return true
	case p2&graphEdgesFlag == 0:
		return fn(p2)
	}
	for k := int(p2 &^ graphEdgesFlag); 4*k+4 <= len(l.edges); k++ {
		e := binary.BigEndian.Uint32(l.edges[4*k:])
		if !fn(e &^ graphLastEdge) {
			return false
		}
		if e&graphLastEdge != 0 {
			return true
		}
	}
	return false
}
