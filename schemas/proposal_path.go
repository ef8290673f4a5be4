package schemas

import (
	"fmt"
	"strings"
)

// ProposalSuffix ends every proposal file's name.
const ProposalSuffix = ".yaml"

// ProposalBranchPrefix is the namespace of proposal branches, as a branch
// name without "refs/heads/": the branch proposals/<instance>/<name> adds
// exactly the file proposals/<instance>/<name>.yaml.
const ProposalBranchPrefix = ProposalsDir + "/"

// ProposalFile returns the path of a proposal's file:
// proposals/<instance>/<name>.yaml.
func ProposalFile(instance, name string) string {
	return ProposalsDir + "/" + instance + "/" + name + ProposalSuffix
}

// ProposalBranch returns the name (without "refs/heads/") of the branch
// that proposes proposals/<instance>/<name>.yaml: proposals/<instance>/<name>.
func ProposalBranch(instance, name string) string {
	return ProposalBranchPrefix + instance + "/" + name
}

// ParseProposalPath is the one parser of a proposal file's path. path
// must be proposals/<instance>/<name>.yaml: exactly three slash-separated
// parts, the first "proposals", an instance and a name that are neither
// empty nor "." or "..", and the ".yaml" suffix. rules reports a rule
// change (instance "rules"). The error names the path and says what is
// wrong.
func ParseProposalPath(path string) (instance, name string, rules bool, err error) {
	parts := strings.Split(path, "/")
	switch {
	case len(parts) != 3 || parts[0] != ProposalsDir:
		return "", "", false, fmt.Errorf("%q is not at %s/<instance>/<name>%s", path, ProposalsDir, ProposalSuffix)
	case !strings.HasSuffix(parts[2], ProposalSuffix):
		return "", "", false, fmt.Errorf("%q does not end in %s", path, ProposalSuffix)
	}
	instance, name = parts[1], strings.TrimSuffix(parts[2], ProposalSuffix)
	for _, p := range []struct{ what, v string }{{"instance", instance}, {"name", name}} {
		if p.v == "" || p.v == "." || p.v == ".." {
			return "", "", false, fmt.Errorf("%q: %s %q is empty, \".\" or \"..\"", path, p.what, p.v)
		}
	}
	return instance, name, instance == RulesInstance, nil
}

// ProposalPathOfBranch returns the file a proposal branch must add: for
// branch proposals/<instance>/<name> (no "refs/heads/"), the path
// proposals/<instance>/<name>.yaml. Anything else is an error naming the
// branch.
func ProposalPathOfBranch(branch string) (string, error) {
	rest, ok := strings.CutPrefix(branch, ProposalBranchPrefix)
	instance, name, found := strings.Cut(rest, "/")
	if ok && found {
		p := ProposalFile(instance, name)
		if _, _, _, err := ParseProposalPath(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("branch %q: want %s<instance>/<name>", branch, ProposalBranchPrefix)
}

// IsRulesProposal reports whether path is a rule change's proposal file,
// proposals/rules/<name>.yaml.
func IsRulesProposal(path string) bool {
	_, _, rules, err := ParseProposalPath(path)
	return err == nil && rules
}
