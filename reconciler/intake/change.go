package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// What an approval binds to: the content of a proposal.
//
// For an instance proposal the content is the proposal file: its content
// hash is schemas.HashBytes of the file's bytes (this never changed, so
// every WAL entry ever written keeps its meaning).
//
// A rule change puts more than its proposal file on main, so its content
// is the whole change: every governed path (schemas.IsGovernedPath: the
// rules, writ.yaml, workflows/, policies/, trust/, and ordinary files such
// as README.md or .github/workflows/) whose tree entry at the proposal
// commit differs from main's, plus the proposal file. Its content hash is
// ChangeHash of those entries. Any later commit that changes one of them,
// or adds another, changes the hash and so voids every approval given
// before it; a rebase that leaves them identical keeps the approvals. The
// merge puts exactly those entries on main; a branch whose commit differs
// from main in governed files it did not touch (made before a rule change
// landed) is refused rather than merged (readRulesChange). So the merged
// files are the approved commit's, and replay checks exactly that, and
// recomputes the hash from the entry's tree diff against its first parent
// (checkRulesMerge).
//
// Before ordinary files were governed, a rule change could touch rules
// paths only and main held nothing else outside proposals/, so the
// governed paths of every entry written then differ exactly where its
// rules paths did: its hash is unchanged.

// ChangedGoverned returns, sorted by path, the governed entries
// (schemas.IsGovernedRoot) whose mode or object differs between the trees
// of from and to, as gitstore.Store.ChangedEntriesWhere gives them: a
// change over the diff limits is an error wrapping
// gitstore.ErrDiffTooLarge.
func ChangedGoverned(store *gitstore.Store, from, to plumbing.Hash) ([]gitstore.Entry, error) {
	return store.ChangedEntriesWhere(from, to, schemas.IsGovernedRoot)
}

// ChangedGovernedWithin is ChangedGoverned counting against budget, the
// proposal's, which its other diffs share (see gitstore.DiffBudget).
func ChangedGovernedWithin(store *gitstore.Store, budget *gitstore.DiffBudget, from, to plumbing.Hash) ([]gitstore.Entry, error) {
	return store.ChangedEntriesWhereWithin(budget, from, to, schemas.IsGovernedRoot)
}

// ChangedGovernedTrusted is ChangedGoverned without the diff limits, for
// commits writ wrote or verified (main's genesis and entries, a fork point
// on main): every governed file of main is ChangedGovernedTrusted from the
// zero hash.
func ChangedGovernedTrusted(store *gitstore.Store, from, to plumbing.Hash) ([]gitstore.Entry, error) {
	return store.ChangedEntriesWhereTrusted(from, to, schemas.IsGovernedRoot)
}

// maxListedProblems is how many problems of a rule change's files are
// listed: one per file could be thousands of long paths in every report
// and check run.
const maxListedProblems = 10

// MaxRuleChangeBytes bounds the bytes of the files one rule change adds or
// changes, together (each is at most gitstore.MaxFileSize): they are held
// in memory to be validated, and a rule change is a few files of YAML.
const MaxRuleChangeBytes = 32 << 20

// changeDomain starts the bytes ChangeHash hashes, so that a change's hash
// can never equal the hash of a file's bytes.
const changeDomain = "writ-change-v1\n"

// ChangeHash returns the content hash of a change, "sha256:<hex>": the
// SHA-256 of "writ-change-v1\n" followed by one record per entry, in
// bytewise order of path,
//
//	<path> NUL <mode> SP <object id, 40 hex digits> LF    (a file)
//	<path> NUL "deleted" LF                               (a removed path)
//
// A path never holds NUL and the rest of a record has a fixed form, so the
// records read back one way only. The entries' order in the argument does
// not matter; a path given twice is hashed twice.
func ChangeHash(entries []gitstore.Entry) string {
	sorted := append([]gitstore.Entry(nil), entries...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	h := sha256.New()
	h.Write([]byte(changeDomain))
	for _, e := range sorted {
		if e.Deleted() {
			fmt.Fprintf(h, "%s\x00deleted\n", e.Path)
			continue
		}
		fmt.Fprintf(h, "%s\x00%s %s\n", e.Path, e.Mode, e.Hash)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// RulesChange returns the entries a rule change whose proposal file is path
// would put on a main at base when merged from commit: the governed paths
// where commit's tree differs from base's, then the proposal file.
func RulesChange(store *gitstore.Store, base, commit plumbing.Hash, path string) ([]gitstore.Entry, error) {
	return rulesChange(func(from, to plumbing.Hash) ([]gitstore.Entry, error) { return ChangedGoverned(store, from, to) },
		store.EntryAt, base, commit, path)
}

// RulesChangeWithin is RulesChange counting what it reads against budget,
// the proposal's (see gitstore.DiffBudget).
func RulesChangeWithin(store *gitstore.Store, budget *gitstore.DiffBudget, base, commit plumbing.Hash, path string) ([]gitstore.Entry, error) {
	return rulesChange(func(from, to plumbing.Hash) ([]gitstore.Entry, error) {
		return ChangedGovernedWithin(store, budget, from, to)
	},
		func(c plumbing.Hash, p string) (gitstore.Entry, error) { return store.EntryAtWithin(budget, c, p) }, base, commit, path)
}

// RulesChangeTrusted is RulesChange without the diff limits, for a commit
// writ wrote or verified (a rules entry on main).
func RulesChangeTrusted(store *gitstore.Store, base, commit plumbing.Hash, path string) ([]gitstore.Entry, error) {
	return rulesChange(func(from, to plumbing.Hash) ([]gitstore.Entry, error) { return ChangedGovernedTrusted(store, from, to) },
		store.EntryAt, base, commit, path)
}

// rulesChange is the governed entries changed gives, then the proposal
// file's entry as entryAt reads it.
func rulesChange(changed func(from, to plumbing.Hash) ([]gitstore.Entry, error), entryAt func(commit plumbing.Hash, path string) (gitstore.Entry, error),
	base, commit plumbing.Hash, path string) ([]gitstore.Entry, error) {
	entries, err := changed(base, commit)
	if err != nil {
		return nil, err
	}
	prop, err := entryAt(commit, path)
	if err != nil {
		return nil, err
	}
	return append(entries, prop), nil
}

// ContentAt returns the content hash an approval of the proposal at path,
// made on commit, binds to, as judged against main: the proposal file's
// hash for an instance proposal or a recovery, ChangeHash of the whole
// change for a rule change. A proposal file that does not exist at commit gives an error
// wrapping gitstore.ErrNotFound.
func (e *Reader) ContentAt(main, commit plumbing.Hash, path string) (string, error) {
	return e.ContentAtWithin(&gitstore.DiffBudget{}, main, commit, path)
}

// ContentAtWithin is ContentAt counting what it reads against budget,
// which a caller asking of many commits of one pull request (each commit
// a review was made on) shares between them: a rule change's content is
// a diff against main, and a thousand reviewed commits must not cost a
// thousand diffs' limits.
func (e *Reader) ContentAtWithin(budget *gitstore.DiffBudget, main, commit plumbing.Hash, path string) (string, error) {
	if !schemas.IsRulesProposal(path) {
		raw, err := e.Store.ReadFileWithin(budget, commit, path)
		if err != nil {
			return "", err
		}
		return schemas.HashBytes(raw), nil
	}
	if raw, err := e.Store.ReadFileWithin(budget, commit, path); err == nil && isRecoveryFile(path, raw) {
		// A recovery's content is its proposal file (see recover.go).
		return schemas.HashBytes(raw), nil
	}
	entries, err := RulesChangeWithin(e.Store, budget, main, commit, path)
	if err != nil {
		return "", err
	}
	return ChangeHash(entries), nil
}

// readRulesChange reads the change a rule change's subject commit makes to
// main into p: Files and Deleted (main's governed files plus exactly the
// governed files the branch's commits touched, as the subject holds them:
// what its merge puts on main), the content hash approvals bind to, and
// the rules the change puts in force (the rules in force, when it changes
// ordinary files only). A changed path that is not a regular file, a
// change of nothing, and rules that do not validate refuse it. So does a
// branch whose subject holds other governed files than main's in files it
// did not touch (it was made before a rule change landed),
// unless it is stale anyway (its base_state is not the rules in force):
// its merge would hold files its approvers' commit does not, which replay
// refuses. So does a branch that edits a governed file which one of its fork
// points (forks: where the branch grew from main) holds otherwise than
// main: its version would silently undo a later change to that file.
func (e *Reader) readRulesChange(p Pending, rules *schemas.Bundle, main, subject plumbing.Hash, raw []byte, touched map[string]bool, forks []plumbing.Hash, budget *gitstore.DiffBudget) Pending {
	at := shortHash(subject.String())
	all, err := RulesChangeWithin(e.Store, budget, main, subject, p.Path)
	if err != nil {
		p.Problems = append(p.Problems, fmt.Sprintf("commit %s: %v", at, err))
		return p
	}
	var entries []gitstore.Entry
	var behind []string
	for _, en := range all {
		if touched[en.Path] {
			entries = append(entries, en)
		} else {
			behind = append(behind, en.Path)
		}
	}
	inForce, herr := core.HashRules(rules)
	fresh := herr != nil || p.Proposal.BaseState == inForce
	if len(behind) > 0 && fresh {
		p.Problems = append(p.Problems, fmt.Sprintf(
			"commit %s holds %s as main held them before a later rule change, and the branch does not change them; "+
				"its merge would not hold the rules of the approved commit: rebase the branch on main", at, strings.Join(behind, ", ")))
		return p
	}
	if fresh {
		changed := map[string]bool{}
		for _, en := range entries {
			changed[en.Path] = en.Path != p.Path
		}
		older, err := e.editedOnOlderRules(budget, main, forks, changed)
		if err != nil {
			p.Problems = append(p.Problems, fmt.Sprintf("commit %s: %v", at, err))
			return p
		}
		if len(older) > 0 {
			p.Problems = append(p.Problems, olderRulesProblem(at, older))
			return p
		}
	}
	p.Files = map[string][]byte{}
	read := len(raw)
	for _, en := range entries {
		switch {
		case en.Path == p.Path:
			p.Files[en.Path] = raw
			continue
		case en.Deleted():
			p.Deleted = append(p.Deleted, en.Path)
			continue
		case en.Mode != gitstore.ModeFile:
			p.Problems = append(p.Problems, fmt.Sprintf("commit %s: %s has mode %s; a governed file must be a regular, non-executable file (mode %s)", at, en.Path, en.Mode, gitstore.ModeFile))
			continue
		}
		b, err := e.Store.ReadFileWithin(budget, subject, en.Path)
		if err != nil {
			p.Problems = append(p.Problems, fmt.Sprintf("commit %s: %v", at, err))
			if errors.Is(err, gitstore.ErrDiffTooLarge) {
				return p
			}
			continue
		}
		if read += len(b); read > MaxRuleChangeBytes {
			p.Problems = append(p.Problems, fmt.Sprintf("commit %s: the files the rule change adds or changes hold more than %d bytes together (intake.MaxRuleChangeBytes); the rules are a few files of YAML: drop what else it adds",
				at, MaxRuleChangeBytes))
			return p
		}
		p.Files[en.Path] = b
	}
	sort.Strings(p.Deleted)
	p.Subject.Content = ChangeHash(entries)
	switch {
	case len(p.Problems) > maxListedProblems:
		n := len(p.Problems) - maxListedProblems
		p.Problems = append(p.Problems[:maxListedProblems:maxListedProblems], fmt.Sprintf("commit %s: and %d more problems like these", at, n))
		return p
	case len(p.Problems) > 0:
		return p
	case len(p.Files)+len(p.Deleted) < 2:
		p.Problems = append(p.Problems, fmt.Sprintf("rule change %s changes no governed file (anything outside proposals/: the rules or an ordinary file)", p.Branch))
		return p
	}
	// The rules main will hold once the change is merged.
	merged, err := LoadRulesChanged(e.Store, main, p.Files, p.Deleted)
	if err != nil {
		p.Problems = append(p.Problems, err.Error()) // "main <id> with the proposed changes: rules do not validate: ..."
		return p
	}
	p.Rules = merged
	return p
}
