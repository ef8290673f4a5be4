package reconciler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// ProposeRulesRequest asks for a governance proposal: a change to governed
// paths (schemas.IsGovernedPath): writ.yaml, files under workflows/,
// policies/ or trust/, and ordinary files such as README.md or
// .github/workflows/.
type ProposeRulesRequest struct {
	As            string
	Name          string
	Justification string
	// Files are the new contents of changed or added governed files;
	// Deleted the governed files to remove.
	Files   map[string][]byte
	Deleted []string
}

// ProposeRules writes a signed rule-change proposal on a new branch
// proposals/rules/<name>: the changed governed files plus
// proposals/rules/<name>.yaml, whose base_state is the rules hash in force.
// The rules with the change must validate (ordinary files are not
// validated); otherwise nothing is written. The change
// is judged later by the governance policy of the rules in force before it.
// It is Load, then ProposeRulesWith.
func (e *Engine) ProposeRules(req ProposeRulesRequest) (*Proposed, error) {
	l, err := e.Load()
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	return e.ProposeRulesWith(l, req)
}

// ProposeRulesWith is ProposeRules against what the command loaded: the
// branch forks from l.Head and base_state is l's rules hash.
func (e *Engine) ProposeRulesWith(l *Loaded, req ProposeRulesRequest) (*Proposed, error) {
	rules := l.Rules
	if _, ok := rules.Identity(req.As); !ok {
		return nil, fmt.Errorf("%w: %q is not an identity in writ.yaml", ErrRefused, req.As)
	}
	if len(req.Files)+len(req.Deleted) == 0 {
		return nil, fmt.Errorf("%w: the change touches no governed file", ErrRefused)
	}
	changed := make([]string, 0, len(req.Files)+len(req.Deleted))
	for f := range req.Files {
		changed = append(changed, f)
	}
	changed = append(changed, req.Deleted...)
	sort.Strings(changed)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", l.State.RulesHash())
	for _, f := range changed {
		if !schemas.IsGovernedPath(f) {
			return nil, fmt.Errorf("%w: %s is not a governed path (a rule change may change anything outside %s/)", ErrRefused, f, schemas.ProposalsDir)
		}
		fmt.Fprintf(h, "%s\x00%x\x00", f, sha256.Sum256(req.Files[f]))
	}
	p := schemas.Proposal{Instance: schemas.RulesInstance, Workflow: schemas.RulesInstance, Transition: schemas.RulesTransition,
		BaseState: l.State.RulesHash(), IdemKey: "k-" + hex.EncodeToString(h.Sum(nil)[:8]), Justification: req.Justification}
	name := req.Name
	if name == "" {
		name = "change-" + p.IdemKey[2:10]
	}
	return e.writeProposal(rules, l.Head, proposalBranch{
		As: req.As, Branch: schemas.ProposalBranch(schemas.RulesInstance, name), Proposal: p,
		Files: req.Files, Deleted: req.Deleted,
		// The changed rules must validate as a whole before anyone is
		// asked to approve them.
		Check: func(commit plumbing.Hash) error {
			if _, err := intake.LoadRules(e.Store, commit); err != nil {
				return fmt.Errorf("%w: %w", ErrRefused, err)
			}
			return nil
		},
	})
}

// RulesChanges compares governed files in a working tree with main: changed
// or added files with their bytes, and deleted paths. read returns a
// working tree file (os.ErrNotExist when absent); list lists the working
// tree's governed files (schemas.ReadGoverned).
func (e *Engine) RulesChanges(read func(path string) ([]byte, error), list func() ([]string, error)) (map[string][]byte, []string, error) {
	head, err := e.mainHead()
	if err != nil {
		return nil, nil, err
	}
	// Every governed file on main, proposals/ skipped by name.
	governed, err := intake.ChangedGovernedTrusted(e.Store, plumbing.ZeroHash, head)
	if err != nil {
		return nil, nil, err
	}
	onMain := map[string]bool{schemas.ConfigFile: true}
	for _, en := range governed {
		onMain[en.Path] = true
	}
	local, err := list()
	if err != nil {
		return nil, nil, err
	}
	changed := map[string][]byte{}
	seen := map[string]bool{}
	for _, f := range local {
		seen[f] = true
		b, err := read(f)
		if err != nil {
			return nil, nil, err
		}
		old, err := e.Store.ReadFile(head, f)
		if err != nil || string(old) != string(b) {
			changed[f] = b
		}
	}
	var deleted []string
	for f := range onMain {
		if !seen[f] {
			deleted = append(deleted, f)
		}
	}
	sort.Strings(deleted)
	return changed, deleted, nil
}

// GovernedInWorktree reads the governed files of the repository's working
// tree fsys, as `writ propose --rules` compares them with main
// (schemas.ReadGovernedExcept), leaving out what git ignores there
// (Store.IgnoreMatcher) unless main holds it: like `git add -A`, an
// ignored file (an editor's swap file, a build output) is never proposed,
// and a tracked one is never taken for deleted.
func (e *Engine) GovernedInWorktree(fsys fs.FS) (map[string][]byte, error) {
	head, err := e.mainHead()
	if err != nil {
		return nil, err
	}
	onMain, err := intake.ChangedGovernedTrusted(e.Store, plumbing.ZeroHash, head)
	if err != nil {
		return nil, err
	}
	tracked := make(map[string]bool, len(onMain))
	for _, en := range onMain {
		tracked[en.Path] = true
	}
	ignored, err := e.Store.IgnoreMatcher()
	if err != nil {
		return nil, err
	}
	skip := func(p string, isDir bool) bool {
		if !ignored(p, isDir) {
			return false
		}
		if !isDir {
			return !tracked[p]
		}
		for _, en := range onMain {
			if strings.HasPrefix(en.Path, p+"/") {
				return false
			}
		}
		return true
	}
	return schemas.ReadGovernedExcept(fsys, skip)
}
