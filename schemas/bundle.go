package schemas

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Where the loader looks inside a control repo.
const (
	ConfigFile   = "writ.yaml"
	WorkflowsDir = "workflows"
	PoliciesDir  = "policies"
	ProposalsDir = "proposals"
)

// loaded is one decoded file with the positions of its values.
type loaded[T any] struct {
	file string
	v    *T
	pos  *Positions
}

// bundleState is what LoadBundle learned beyond the Bundle itself.
type bundleState struct {
	configOK bool
	// failed holds the file-name stems of workflows, policies and goals
	// that did not decode, so references to them are not also reported as
	// unknown.
	failedWorkflows, failedPolicies, failedGoals map[string]bool
}

// LoadBundle reads writ.yaml, workflows/*.yaml, policies/*.yaml and
// goals/*.yaml (.yml too) from fsys, checks each file against its schema
// and on its own, then checks the files against each other: unique
// workflow, policy and goal names (goals and workflows share one
// namespace), known policies, roles and identities,
// rules that can be satisfied, and goal capabilities some identity holds.
//
// One bad file never hides another: all problems from all files are
// returned, sorted. The bundle is always non-nil and holds whatever
// decoded, with workflows, policies and goals sorted by name; callers must not
// act on it when there are problems. LoadBundle only reads fsys, and only
// regular, non-executable files: a symlink (the file or a directory above
// it) or an executable is reported with its path and kind and never read.
func LoadBundle(fsys fs.FS) (*Bundle, Problems) {
	b, _, ps := loadBundle(fsys)
	return b, ps
}

func loadBundle(fsys fs.FS) (*Bundle, *bundleState, Problems) {
	fsys = regularFS{fsys}
	var problems Problems
	st := &bundleState{failedWorkflows: map[string]bool{}, failedPolicies: map[string]bool{}, failedGoals: map[string]bool{}}
	b := &Bundle{}

	var cfgPos *Positions
	if data, p, ok := readFile(fsys, ConfigFile); !ok {
		problems = append(problems, p)
	} else {
		pos, ps := Decode(KindConfig, ConfigFile, data, &b.Config)
		problems = append(problems, ps...)
		if len(ps) == 0 {
			st.configOK, cfgPos = true, pos
			problems = append(problems, checkConfig(&b.Config, pos)...)
			problems = append(problems, checkTrustFiles(fsys, &b.Config, pos)...)
		}
	}

	workflows, ps := loadDir(fsys, WorkflowsDir, KindWorkflow, checkWorkflow, st.failedWorkflows)
	problems = append(problems, ps...)
	policies, ps := loadDir(fsys, PoliciesDir, KindPolicy, checkPolicy, st.failedPolicies)
	problems = append(problems, ps...)

	goals, ps := loadDir(fsys, GoalsDir, KindGoal, checkGoal, st.failedGoals)
	problems = append(problems, ps...)

	workflows, ps = uniqueFiles("workflow", workflows, func(w *Workflow) string { return w.Name })
	problems = append(problems, ps...)
	policies, ps = uniqueFiles("policy", policies, func(p *Policy) string { return p.Name })
	problems = append(problems, ps...)
	goals, ps = uniqueFiles("goal", goals, func(g *Goal) string { return g.Name })
	problems = append(problems, ps...)
	problems = append(problems, checkGoalNames(goals, workflows)...)

	var policyNames []string
	for _, p := range policies {
		policyNames = append(policyNames, p.v.Name)
		b.Policies = append(b.Policies, *p.v)
	}
	// Names of policy files that failed to load count as known, so one
	// broken policy is reported once, not once per reference.
	known := slices.Clone(policyNames)
	for stem := range st.failedPolicies {
		known = append(known, stem)
	}
	for _, w := range workflows {
		b.Workflows = append(b.Workflows, *w.v)
		problems = append(problems, checkWorkflowPolicies(w.v, w.pos, policyNames, known)...)
	}
	for _, g := range goals {
		b.Goals = append(b.Goals, *g.v)
		problems = append(problems, checkGoalPolicy(g.v, g.pos, policyNames, known)...)
	}
	if st.configOK {
		for _, g := range goals {
			problems = append(problems, checkGoalAgainstConfig(g.v, g.pos, &b.Config)...)
		}
		if g := b.Config.Governance.Policy; !slices.Contains(known, g) {
			problems = append(problems, cfgPos.Problemf(At("governance", "policy"),
				"unknown policy %q (%s)", g, knownList("policies", policyNames)))
		}
		for _, p := range policies {
			problems = append(problems, checkPolicyAgainstConfig(p.v, p.pos, &b.Config)...)
		}
		for _, w := range workflows {
			problems = append(problems, checkWorkflowAgainstConfig(w.v, w.pos, &b.Config)...)
		}
	}
	slices.SortStableFunc(b.Workflows, func(x, y Workflow) int { return strings.Compare(x.Name, y.Name) })
	slices.SortStableFunc(b.Policies, func(x, y Policy) int { return strings.Compare(x.Name, y.Name) })
	slices.SortStableFunc(b.Goals, func(x, y Goal) int { return strings.Compare(x.Name, y.Name) })
	return b, st, finish(problems)
}

// loadDir decodes and checks every YAML file directly inside dir. Stems of
// files that did not decode are added to failed.
func loadDir[T any](fsys fs.FS, dir string, k Kind, check func(*T, *Positions) Problems, failed map[string]bool) ([]loaded[T], Problems) {
	names, problems := listYAML(fsys, dir)
	var out []loaded[T]
	for _, name := range names {
		file := dir + "/" + name
		data, p, ok := readFile(fsys, file)
		if !ok {
			problems = append(problems, p)
			failed[strings.TrimSuffix(name, path.Ext(name))] = true
			continue
		}
		v := new(T)
		pos, ps := Decode(k, file, data, v)
		if len(ps) > 0 {
			problems = append(problems, ps...)
			failed[strings.TrimSuffix(name, path.Ext(name))] = true
			continue
		}
		problems = append(problems, check(v, pos)...)
		out = append(out, loaded[T]{file: file, v: v, pos: pos})
	}
	return out, problems
}

// uniqueFiles drops, and reports, every file whose name repeats an earlier
// file's (files are in path order).
func uniqueFiles[T any](what string, files []loaded[T], name func(*T) string) ([]loaded[T], Problems) {
	var out []loaded[T]
	var problems Problems
	first := map[string]loaded[T]{}
	for _, f := range files {
		n := name(f.v)
		if prev, dup := first[n]; dup {
			problems = append(problems, f.pos.Problemf(At("name"), "duplicate %s name %q (first in %s)",
				what, n, where(prev.pos, At("name"), f.pos)))
			continue
		}
		first[n] = f
		out = append(out, f)
	}
	return out, problems
}

func isYAML(name string) bool {
	ext := path.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// listYAML returns the names of the YAML files directly inside dir, sorted;
// a missing dir has none.
func listYAML(fsys fs.FS, dir string) ([]string, Problems) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var problems Problems
	if err != nil {
		problems = append(problems, openProblem(dir, err, "cannot list directory"))
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && isYAML(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, problems
}

// readFile reads at most MaxFileSize bytes of file, or explains why not.
func readFile(fsys fs.FS, file string) ([]byte, Problem, bool) {
	f, err := fsys.Open(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fileProblem(file, "file is missing"), false
		}
		return nil, openProblem(file, err, "cannot open"), false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fileProblem(file, "cannot read: %v", err), false
	}
	if len(data) > MaxFileSize {
		size := int64(-1)
		if fi, err := f.Stat(); err == nil && fi.Size() > MaxFileSize {
			size = fi.Size()
		}
		return nil, tooLarge(file, size), false
	}
	return data, Problem{}, true
}

// ValidateRepo checks a whole control repo: everything LoadBundle checks,
// plus every proposal at proposals/<instance>/<name>.yaml, each decoded and
// checked against the bundle with CheckProposal. A bad proposal yields
// problems naming its file and never stops the others from being checked.
// YAML files elsewhere under proposals/ are reported as misplaced, and
// every entry at writ.yaml, under workflows/, policies/, trust/ or
// proposals/ that is not a directory or a regular, non-executable file
// (symlinks above all) as refused, without reading it. The result is
// sorted; it is empty when the repo is valid.
func ValidateRepo(fsys fs.FS) Problems {
	b, st, problems := loadBundle(fsys)
	fsys = regularFS{fsys}
	problems = append(problems, irregularEntries(fsys)...)
	files, ps := proposalFiles(fsys)
	problems = append(problems, ps...)
	for _, file := range files {
		data, p, ok := readFile(fsys, file)
		if !ok {
			problems = append(problems, p)
			continue
		}
		var prop Proposal
		pos, ps := Decode(KindProposal, file, data, &prop)
		if len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		bundle := b
		_, isWorkflow := b.Workflow(prop.Workflow)
		_, isGoal := b.Goal(prop.Workflow)
		if !isWorkflow && !isGoal && (st.failedWorkflows[prop.Workflow] || st.failedGoals[prop.Workflow]) {
			bundle = nil // its workflow or goal is broken and already reported
		}
		problems = append(problems, CheckProposal(bundle, file, &prop, pos)...)
	}
	return finish(problems)
}

// proposalFiles lists the YAML files under proposals/, in path order, and
// reports those ParseProposalPath refuses.
func proposalFiles(fsys fs.FS) ([]string, Problems) {
	var files []string
	var problems Problems
	err := fs.WalkDir(fsys, ProposalsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				problems = append(problems, openProblem(p, err, "cannot read"))
			}
			return nil
		}
		if d.IsDir() || !isYAML(p) {
			return nil
		}
		if _, _, _, err := ParseProposalPath(p); err != nil {
			problems = append(problems, fileProblem(p, "misplaced proposal: %v", err))
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		problems = append(problems, fileProblem(ProposalsDir, "cannot walk: %v", err))
	}
	return files, problems
}
