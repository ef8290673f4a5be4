package gitstore

import (
	"bytes"
	"container/heap"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Flags painted on commits by BranchCommits.
const (
	fromHead uint8 = 1 << iota // reachable from head
	fromBase                   // reachable from base: uninteresting
)

// slop is how many extra commits BranchCommits examines once every queued
// commit is reachable from base, to absorb small clock skew (as git does).
const slop = 5

type paintNode struct {
	c        *object.Commit
	flags    uint8
	queued   bool
	expanded bool
}

// BranchCommits returns the commits reachable from head but not from base
// (`git rev-list head ^base`), parents before children, first parents
// first; for a linear proposal branch that is simply oldest first. A zero
// base returns all of head's history. The walk visits commits newest first
// by committer time and stops once only base's history is left, so its cost
// grows with the branch and with main's commits since the fork, not with
// all history. Like git, it relies on committer times roughly following
// the graph: a commit dated far earlier than its descendants on base's side
// can be reported by mistake.
func (s *Store) BranchCommits(head, base plumbing.Hash) ([]*object.Commit, error) {
	return s.branchCommits(head, base, 0)
}

// branchCommits is BranchCommits stopping with ErrTooManyCommits once it
// has read more than limit commits of head's side (0: no limit).
func (s *Store) branchCommits(head, base plumbing.Hash, limit int) ([]*object.Commit, error) {
	if head.IsZero() || head == base {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &painter{s: s, nodes: map[plumbing.Hash]*paintNode{}, limit: limit}
	if err := p.seed(head, fromHead); err != nil {
		return nil, fmt.Errorf("branch commits: head: %w", err)
	}
	if !base.IsZero() {
		if err := p.seed(base, fromBase); err != nil {
			return nil, fmt.Errorf("branch commits: base: %w", err)
		}
	}
	if err := p.run(); err != nil {
		return nil, fmt.Errorf("branch commits %s ^%s: %w", short(head), describe(base), err)
	}
	return p.ordered(head), nil
}

type painter struct {
	s           *Store
	nodes       map[plumbing.Hash]*paintNode
	queue       nodeHeap
	interesting int // queued nodes without fromBase
	limit       int // of headOnly; 0: none
	headOnly    int // nodes expanded without fromBase
	expanded    int // nodes expanded, both sides
	held        int // commitBytes of the nodes read
}

// painterSlack is how many commits in all, per commit of its limit, a
// limited painter expands before it gives up: commits dated before main's
// (their author sets the date) would otherwise have it read all of main,
// newest first, before counting one of the branch's.
const painterSlack = 4

func (p *painter) node(h plumbing.Hash) (*paintNode, error) {
	if n, ok := p.nodes[h]; ok {
		return n, nil
	}
	c, err := p.s.commitLocked(h)
	if err != nil {
		return nil, err
	}
	if p.held += commitBytes(c); p.limit > 0 && p.held > maxBranchBytes {
		return nil, fmt.Errorf("%w: the commits read hold more than %d bytes", ErrTooManyCommits, maxBranchBytes)
	}
	n := &paintNode{c: c}
	p.nodes[h] = n
	return n, nil
}

func (p *painter) seed(h plumbing.Hash, f uint8) error {
	n, err := p.node(h)
	if err != nil {
		return err
	}
	p.mark(n, f)
	p.push(n)
	return nil
}

func (p *painter) push(n *paintNode) {
	if n.queued || n.expanded {
		return
	}
	n.queued = true
	if n.flags&fromBase == 0 {
		p.interesting++
	}
	heap.Push(&p.queue, n)
}

// mark adds flags to n and, through already expanded commits, to their
// ancestors (git's mark_parents_uninteresting), keeping counts in step.
func (p *painter) mark(n *paintNode, f uint8) {
	stack := []*paintNode{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.flags|f == n.flags {
			continue
		}
		if n.queued && n.flags&fromBase == 0 && f&fromBase != 0 {
			p.interesting--
		}
		n.flags |= f
		if n.expanded {
			for _, ph := range n.c.ParentHashes {
				if pn, ok := p.nodes[ph]; ok {
					stack = append(stack, pn)
				}
			}
		}
	}
}

func (p *painter) run() error {
	left := slop
	for p.queue.Len() > 0 {
		n := heap.Pop(&p.queue).(*paintNode)
		n.queued = false
		if p.expanded++; p.limit > 0 && p.expanded > painterSlack*p.limit {
			return fmt.Errorf("%w: more than %d read to tell the branch from its base (commits dated before their base's?); base the branch on the base's last commit",
				ErrTooManyCommits, painterSlack*p.limit)
		}
		if n.flags&fromBase == 0 {
			p.interesting--
			// With commit dates in order, a commit is expanded after every
			// commit that has it as a parent, so one not reached from base
			// by then is the branch's.
			if p.headOnly++; p.limit > 0 && p.headOnly > p.limit {
				return fmt.Errorf("%w: more than %d", ErrTooManyCommits, p.limit)
			}
		}
		n.expanded = true
		for _, ph := range n.c.ParentHashes {
			pn, err := p.node(ph)
			if err != nil {
				return err
			}
			p.mark(pn, n.flags)
			p.push(pn)
		}
		if p.interesting > 0 {
			left = slop
			continue
		}
		if left--; left <= 0 {
			break
		}
	}
	return nil
}

// ordered returns the interesting commits (from head, not from base) in
// topological order, parents first.
func (p *painter) ordered(head plumbing.Hash) []*object.Commit {
	in := map[plumbing.Hash]*object.Commit{}
	for h, n := range p.nodes {
		if n.flags&fromHead != 0 && n.flags&fromBase == 0 {
			in[h] = n.c
		}
	}
	return topoOrder(head, in)
}

// topoOrder returns the commits of in reachable from head through in, in
// topological order, parents first (first parents first), by an iterative
// post-order walk.
func topoOrder(head plumbing.Hash, in map[plumbing.Hash]*object.Commit) []*object.Commit {
	if in[head] == nil {
		return nil
	}
	type frame struct {
		h    plumbing.Hash
		next int
	}
	var out []*object.Commit
	done := map[plumbing.Hash]bool{head: true}
	stack := []frame{{h: head}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		parents := in[top.h].ParentHashes
		if top.next < len(parents) {
			ph := parents[top.next]
			top.next++
			if in[ph] != nil && !done[ph] {
				done[ph] = true
				stack = append(stack, frame{h: ph})
			}
			continue
		}
		out = append(out, in[top.h])
		stack = stack[:len(stack)-1]
	}
	return out
}

// nodeHeap orders commits newest committer time first, ties by hash so the
// walk is deterministic.
type nodeHeap []*paintNode

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	ti, tj := h[i].c.Committer.When, h[j].c.Committer.When
	if !ti.Equal(tj) {
		return ti.After(tj)
	}
	return bytes.Compare(h[i].c.Hash[:], h[j].c.Hash[:]) < 0
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(*paintNode)) }
func (h *nodeHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	*h = old[:len(old)-1]
	return n
}
