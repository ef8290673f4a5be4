package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"gopkg.in/yaml.v3"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// builderVersion changes whenever Build writes different repos, so cached
// repos from an older builder are rebuilt, not measured.
const builderVersion = 5

// Spec describes a synthetic control repo built from the release example
// (fixtures.Release).
type Spec struct {
	// Entries is the number of WAL entries after genesis.
	Entries int `json:"entries"`
	// Lanes is how many instances are in flight at once; consecutive
	// entries move different instances, as in a busy repository.
	Lanes int `json:"lanes"`
	// Loops is how many tests-fail/tests-retry pairs an instance goes
	// through before its tests pass. An instance's life is create, verify,
	// the loops, tests-pass, security-clear, approve-release and ship: 7 +
	// 2*Loops entries, so Loops sets how many instances a repo has and how
	// wide proposals/ grows.
	Loops int `json:"loops"`
	// RejectEvery makes every n-th ship be rejected by an eligible approver
	// first (a reject entry with one decision commit), then proposed again
	// and approved. 0 never rejects.
	RejectEvery int `json:"reject_every"`
	// PackEvery is how many entries go into one pack while building; it
	// bounds the builder's memory, not the result (the finished repo is
	// repacked into one pack).
	PackEvery int `json:"pack_every"`
	// Goals, when positive, builds one goal lineage of that many
	// prerequisite tasks from the goals example instead of release
	// instances (see GoalSpec); Entries is then 2 + 5*Goals.
	Goals int `json:"goals,omitempty"`
}

// DefaultSpec returns the spec `writ bench` uses for a size: 16 instances
// in flight, 49 entries per instance (21 test loops), every 4th ship
// rejected once before it is approved. Every approved ship carries two
// approvals (decision commits) under the release-approval policy, every
// rejection one.
func DefaultSpec(entries int) Spec {
	return Spec{Entries: entries, Lanes: 16, Loops: 21, RejectEvery: 4, PackEvery: 5000}
}

// Validate checks the spec.
func (s Spec) Validate() error {
	switch {
	case s.Entries < 1:
		return fmt.Errorf("bench spec: entries %d, want at least 1", s.Entries)
	case s.Lanes < 1:
		return fmt.Errorf("bench spec: lanes %d, want at least 1", s.Lanes)
	case s.Loops < 0 || s.RejectEvery < 0:
		return fmt.Errorf("bench spec: loops and reject_every must not be negative")
	case s.PackEvery < 1:
		return fmt.Errorf("bench spec: pack_every %d, want at least 1", s.PackEvery)
	}
	return nil
}

// key names the spec in a cache directory.
func (s Spec) key() string {
	if s.Goals > 0 {
		// g3: goal actions' files are sharded (schemas.GoalProposalFile).
		return fmt.Sprintf("goal-%d-g3-v%d", s.Goals, builderVersion)
	}
	return fmt.Sprintf("wal-%d-l%d-r%d-j%d-v%d", s.Entries, s.Lanes, s.Loops, s.RejectEvery, builderVersion)
}

// Repo is a built synthetic control repo.
type Repo struct {
	// Dir is the bare control repository; Keys the identities' key
	// directory (never inside the repository).
	Dir  string `json:"dir"`
	Keys string `json:"keys"`
	Spec Spec   `json:"spec"`
	// Head is main's head, Checkpoint the checkpoint commit (at Head).
	Head       string `json:"head"`
	Checkpoint string `json:"checkpoint"`
	// Instances, Ships, Rejects and Decisions count what the repo holds.
	Instances int `json:"instances"`
	Ships     int `json:"ships"`
	Rejects   int `json:"rejects"`
	Decisions int `json:"decisions"`
	// StateHash is the state at Head, as the builder folded it.
	StateHash string `json:"state_hash"`
	// BuildSeconds is how long Build took (0 when taken from the cache).
	BuildSeconds float64 `json:"build_seconds"`
	Version      int     `json:"builder_version"`
}

// metaFile marks a finished build in its directory.
const metaFile = "bench.json"

// Progress is told how far a long step has got. It may be nil.
type Progress func(step string, done, total int)

// Open returns the repo for spec from cacheDir when a finished build is
// there, otherwise builds it there. A partial build from an interrupted
// run is removed and rebuilt.
func Open(cacheDir string, spec Spec, progress Progress) (*Repo, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	dir := filepath.Join(cacheDir, spec.key())
	if r, err := readMeta(dir); err == nil && r.Version == builderVersion && r.Spec == spec {
		if err := r.check(); err == nil {
			r.BuildSeconds = 0
			return r, nil
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	r, err := Build(dir, spec, progress)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, metaFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	return r, nil
}

func readMeta(dir string) (*Repo, error) {
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		return nil, err
	}
	var r Repo
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	// The cache directory may have moved since it was written.
	r.Dir, r.Keys = filepath.Join(dir, "control.git"), filepath.Join(dir, "keys")
	return &r, nil
}

// check makes sure a cached repo is still the one its metadata describes.
func (r *Repo) check() error {
	s, err := gitstore.Open(r.Dir)
	if err != nil {
		return err
	}
	head, err := s.Ref(gitstore.MainRef)
	if err != nil {
		return err
	}
	cp, err := s.Ref(gitstore.CheckpointRef)
	if err != nil {
		return err
	}
	if head.String() != r.Head || cp.String() != r.Checkpoint {
		return fmt.Errorf("bench cache %s: refs moved", r.Dir)
	}
	return nil
}

// Build writes a synthetic control repo for spec into dir (which must not
// hold one): a bare repository dir/control.git initialised from the release
// example with fresh keys in dir/keys, spec.Entries signed WAL entries on
// main, a checkpoint at the head, everything packed into one pack.
func Build(dir string, spec Spec, progress Progress) (*Repo, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("bench build: needs the git client for repack: %w", err)
	}
	start := time.Now()
	r := &Repo{Dir: filepath.Join(dir, "control.git"), Keys: filepath.Join(dir, "keys"), Spec: spec, Version: builderVersion}
	b, err := newBuilder(r, spec.Goals > 0)
	if err != nil {
		return nil, err
	}
	var w interface {
		next(core.State) step
		done(step)
	}
	release := newWorkload(spec)
	w = release
	if spec.Goals > 0 {
		gw, err := newGoalWorkload(spec)
		if err != nil {
			return nil, err
		}
		w = gw
	}
	for i := 0; i < spec.Entries; i++ {
		st := w.next(b.state)
		if err := b.entry(st); err != nil {
			return nil, fmt.Errorf("bench build: entry %d (%s %s): %w", i+1, st.transition, st.instance, err)
		}
		w.done(st)
		if (i+1)%spec.PackEvery == 0 && i+1 < spec.Entries {
			if err := b.flush(); err != nil {
				return nil, err
			}
		}
		if progress != nil && ((i+1)%256 == 0 || i+1 == spec.Entries) {
			progress("build", i+1, spec.Entries)
		}
	}
	if err := b.finish(); err != nil {
		return nil, err
	}
	r.Instances, r.Ships, r.Rejects, r.Decisions = release.instances, release.ships, release.rejects, b.decisions
	if spec.Goals > 0 {
		r.Instances, r.Ships, r.Rejects = 1, 0, 0
	}
	r.StateHash = b.state.Hash()
	r.BuildSeconds = time.Since(start).Seconds()
	return r, nil
}

// builder holds the folded state, main's tree and head between entries,
// and the pack being written.
type builder struct {
	repo      *Repo
	store     *gitstore.Store
	keys      local.KeyDir
	signers   map[string]git.Signer
	rules     *schemas.Bundle
	state     core.State
	head      plumbing.Hash
	published plumbing.Hash // what refs/heads/main holds on disk
	clock     time.Time
	decisions int
	tree      *mainTree
	pack      *packBuf
}

func newBuilder(r *Repo, goals bool) (*builder, error) {
	if _, err := git.PlainInitWithOptions(r.Dir, &git.PlainInitOptions{
		Bare:        true,
		InitOptions: git.InitOptions{DefaultBranch: plumbing.ReferenceName(gitstore.MainRef)},
	}); err != nil {
		return nil, fmt.Errorf("bench build: init: %w", err)
	}
	store, err := gitstore.Open(r.Dir)
	if err != nil {
		return nil, fmt.Errorf("bench build: %w", err)
	}
	b := &builder{repo: r, store: store, keys: local.KeyDir{Dir: r.Keys}, signers: map[string]git.Signer{},
		clock: time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC), pack: newPackBuf()}
	e := &reconciler.Engine{Store: store, Keys: b.keys, Now: b.now}
	example := fixtures.Release()
	if goals {
		example = fixtures.Goals()
	}
	if _, err := e.Init(example, b.keys); err != nil {
		return nil, fmt.Errorf("bench build: init control repo: %w", err)
	}
	res, err := e.Replay(reconciler.ReplayOptions{})
	if err != nil {
		return nil, fmt.Errorf("bench build: genesis: %w", err)
	}
	b.state, b.head, b.published, b.rules = res.State, res.Head, res.Head, res.State.Rules()
	if b.tree, err = readMainTree(store, res.Head); err != nil {
		return nil, fmt.Errorf("bench build: genesis tree: %w", err)
	}
	return b, nil
}

// now is the builder's clock: one second per reading, so commit times and
// HLCs advance like a busy but plausible repository's.
func (b *builder) now() time.Time {
	b.clock = b.clock.Add(time.Second)
	return b.clock
}

func (b *builder) signer(identity string) (git.Signer, error) {
	if s, ok := b.signers[identity]; ok {
		return s, nil
	}
	s, err := b.keys.Signer(identity)
	if err != nil {
		return nil, err
	}
	b.signers[identity] = s
	return s, nil
}

// signature is the git author/committer of an identity, as the engine
// writes it.
func (b *builder) signature(identity string) object.Signature {
	email := identity + "@writ.invalid"
	if id, ok := b.rules.Identity(identity); ok && id.Email != "" {
		email = id.Email
	}
	return object.Signature{Name: identity, Email: email, When: b.now().UTC().Truncate(time.Second)}
}

// commit writes one commit signed by identity the way
// gitstore.Store.WriteCommit does: the signer signs the commit encoded
// without its signature, and the result goes into the gpgsig header.
func (b *builder) commit(identity string, tree plumbing.Hash, parents []plumbing.Hash, msg string) (plumbing.Hash, error) {
	who := b.signature(identity)
	c := &object.Commit{Author: who, Committer: who, Message: msg, TreeHash: tree, ParentHashes: parents}
	s, err := b.signer(identity)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	unsigned := &plumbing.MemoryObject{}
	if err := c.EncodeWithoutSignature(unsigned); err != nil {
		return plumbing.ZeroHash, err
	}
	r, err := unsigned.Reader()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	sig, err := s.Sign(r)
	r.Close()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("sign: %w", err)
	}
	c.PGPSignature = string(sig)
	o := &plumbing.MemoryObject{}
	if err := c.Encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	raw, err := readAll(o)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return b.pack.add(plumbing.CommitObject, raw), nil
}

// entry proposes, decides and applies one step, as propose, approve and
// reconcile would.
func (b *builder) entry(st step) error {
	// b.state was folded from genesis, so it holds every bucket.
	base, err := b.state.InstanceHash(st.instance)
	if err != nil {
		return err
	}
	workflow := st.workflow
	if workflow == "" {
		workflow = "release"
	}
	p := schemas.Proposal{Instance: st.instance, Workflow: workflow, Transition: st.transition,
		BaseState: base, Inputs: st.inputs, Owner: st.owner, Justification: st.justification, Evidence: st.evidence}
	p.IdemKey = reconciler.DeriveIdemKey(p)
	branch := schemas.ProposalBranchFor(p.Instance, p.Transition+"-"+strings.TrimPrefix(p.IdemKey, "k-")[:8], core.IsGoalAction(b.rules, &p))
	path, err := schemas.ProposalPathOfBranch(branch)
	if err != nil {
		return err
	}
	raw, err := yaml.Marshal(&p)
	if err != nil {
		return err
	}
	var prop schemas.Proposal
	pos, problems := schemas.Decode(schemas.KindProposal, path, raw, &prop)
	if len(problems) == 0 {
		problems = schemas.CheckProposal(b.rules, path, &prop, pos)
	}
	if len(problems) > 0 {
		return fmt.Errorf("proposal does not validate: %w", problems)
	}
	// The proposal commit and the entry both have main's tree plus the file.
	tree, err := b.tree.add(b.pack, path, raw)
	if err != nil {
		return err
	}
	msg, err := wal.ProposalMessage(p)
	if err != nil {
		return err
	}
	subject, err := b.commit(st.proposer, tree, []plumbing.Hash{b.head}, msg)
	if err != nil {
		return fmt.Errorf("proposal commit: %w", err)
	}
	pend := intake.Pending{Branch: branch, Head: subject, Path: path, Files: map[string][]byte{path: raw}, Proposal: &prop, Proposer: st.proposer,
		Subject: policies.Subject{Commit: subject.String(), Content: schemas.HashBytes(raw)}}
	for _, d := range st.decisions {
		d.Commit, d.Content = pend.Subject.Commit, pend.Subject.Content
		msg, err := wal.DecisionMessage(path, d)
		if err != nil {
			return err
		}
		h, err := b.commit(d.Identity, tree, []plumbing.Hash{pend.Head}, msg)
		if err != nil {
			return fmt.Errorf("decision commit: %w", err)
		}
		d.Ref = h.String()
		pend.Decisions = append(pend.Decisions, d)
		pend.Head = h
		b.decisions++
	}
	g, err := intake.Gate(b.state, pend, core.NextHLC(b.state.Clock().HLC, b.now().UnixMilli()))
	if err != nil {
		return err
	}
	if g.Verdict != st.want {
		return fmt.Errorf("gate says %s (%s), want %s", g.Verdict, g.Reason, st.want)
	}
	// The gate applied the entry to decide; its state is the entry's.
	next, out := g.Next, g.Outcome
	msg, err = wal.Encode(reconciler.EntryRecord(g, out, b.state, next))
	if err != nil {
		return err
	}
	h, err := b.commit(b.rules.Config.Reconciler.Identity, tree, []plumbing.Hash{b.head, pend.Head}, msg)
	if err != nil {
		return fmt.Errorf("entry commit: %w", err)
	}
	b.state, b.head = next, h
	return nil
}

// flush writes the pack of the entries so far.
func (b *builder) flush() error {
	if err := b.pack.flush(b.repo.Dir); err != nil {
		return fmt.Errorf("bench build: %w", err)
	}
	return nil
}

// finish publishes main, writes the checkpoint at the head (as reconcile
// does), repacks everything into one pack, deltas recomputed, and writes
// the commit-graph, as `git gc` leaves a repository.
func (b *builder) finish() error {
	if err := b.flush(); err != nil {
		return err
	}
	store, err := gitstore.Open(b.repo.Dir) // go-git caches the pack list
	if err != nil {
		return err
	}
	b.store = store
	if err := b.store.CompareAndSwap(gitstore.MainRef, b.published, b.head); err != nil {
		return fmt.Errorf("bench build: %w", err)
	}
	b.published = b.head
	snap, err := b.state.Snapshot()
	if err != nil {
		return fmt.Errorf("bench build: checkpoint: %w", err)
	}
	id := b.rules.Config.Reconciler.Identity
	s, err := b.signer(id)
	if err != nil {
		return err
	}
	cp, err := b.store.WriteCheckpoint(plumbing.ZeroHash, b.head, snap, nil, s, b.signature(id))
	if err != nil {
		return fmt.Errorf("bench build: %w", err)
	}
	if err := runGit(b.repo.Dir, "repack", "-a", "-d", "-f", "-q", "--window=10", "--depth=50"); err != nil {
		return err
	}
	if err := runGit(b.repo.Dir, "prune", "--expire=now"); err != nil {
		return err
	}
	if err := runGit(b.repo.Dir, "commit-graph", "write", "--reachable"); err != nil {
		return err
	}
	b.repo.Head, b.repo.Checkpoint = b.head.String(), cp.String()
	return nil
}

// runGit runs the git client in a repository.
func runGit(dir string, args ...string) error {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
