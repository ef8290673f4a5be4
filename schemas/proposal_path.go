package schemas

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// ProposalSuffix ends every proposal file's name.
const ProposalSuffix = ".yaml"

// ProposalBranchPrefix is the namespace of proposal branches, as a branch
// name without "refs/heads/": the branch proposals/<instance>/<name> adds
// exactly the file proposals/<instance>/<name>.yaml, and the branch
// proposals/<lineage>/<shard>/<name> of a goal action exactly the file
// proposals/<lineage>/<shard>/<name>.yaml.
const ProposalBranchPrefix = ProposalsDir + "/"

// A proposal's file has one of two shapes. A workflow transition or a
// rule change lives flat in its instance's directory,
// proposals/<instance>/<name>.yaml: an instance takes a few dozen
// proposals. A goal action lives one level deeper,
// proposals/<lineage>/<shard>/<name>.yaml, <shard> being ProposalShard(name):
// a lineage takes one file per action (50,000 at 10,000 tasks), and a
// directory that grew with it would be read again by every entry's tree
// check. Either way a name is used once per instance, and the path is a
// function of the instance, the name and whether the proposal is a goal
// action (ProposalPathFor).

// ProposalShard returns the shard directory of a goal action named name:
// the first two hex digits of SHA-256(name), so that a lineage's files
// spread over at most 256 directories whatever the names look like.
func ProposalShard(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:1])
}

// ProposalFile returns the path of a workflow transition's or rule
// change's file: proposals/<instance>/<name>.yaml.
func ProposalFile(instance, name string) string {
	return ProposalsDir + "/" + instance + "/" + name + ProposalSuffix
}

// GoalProposalFile returns the path of a goal action's file:
// proposals/<lineage>/<shard>/<name>.yaml, <shard> being
// ProposalShard(name).
func GoalProposalFile(lineage, name string) string {
	return ProposalsDir + "/" + lineage + "/" + ProposalShard(name) + "/" + name + ProposalSuffix
}

// ProposalPathFor returns the path a proposal named name on instance
// must have: GoalProposalFile when it is a goal action, ProposalFile
// otherwise.
func ProposalPathFor(instance, name string, goal bool) string {
	if goal {
		return GoalProposalFile(instance, name)
	}
	return ProposalFile(instance, name)
}

// ProposalBranch returns the name (without "refs/heads/") of the branch
// that proposes proposals/<instance>/<name>.yaml: proposals/<instance>/<name>.
func ProposalBranch(instance, name string) string {
	return ProposalBranchPrefix + instance + "/" + name
}

// GoalProposalBranch returns the name (without "refs/heads/") of the
// branch that proposes the goal action GoalProposalFile(lineage, name):
// proposals/<lineage>/<shard>/<name>.
func GoalProposalBranch(lineage, name string) string {
	return ProposalBranchPrefix + lineage + "/" + ProposalShard(name) + "/" + name
}

// ProposalBranchFor returns the branch of ProposalPathFor(instance,
// name, goal).
func ProposalBranchFor(instance, name string, goal bool) string {
	if goal {
		return GoalProposalBranch(instance, name)
	}
	return ProposalBranch(instance, name)
}

// ParseProposalPath is the one parser of a proposal file's path. path
// must be proposals/<instance>/<name>.yaml or, for a goal action,
// proposals/<instance>/<shard>/<name>.yaml with <shard> equal to
// ProposalShard(name): "proposals" first, an instance and a name that are
// neither empty nor "." or "..", and the ".yaml" suffix. A rule change
// (instance "rules", reported by rules) is never sharded. The error names
// the path and says what is wrong; for a wrong shard, the path it should
// be. Which shape a proposal must have depends on what it proposes:
// CheckProposal says so against the rules (ProposalPathFor).
func ParseProposalPath(path string) (instance, name string, rules bool, err error) {
	parts := strings.Split(path, "/")
	switch {
	case len(parts) != 3 && len(parts) != 4 || parts[0] != ProposalsDir:
		return "", "", false, fmt.Errorf("%q is not at %s/<instance>/<name>%s (a goal action: %s/<lineage>/<shard>/<name>%s)",
			path, ProposalsDir, ProposalSuffix, ProposalsDir, ProposalSuffix)
	case !strings.HasSuffix(parts[len(parts)-1], ProposalSuffix):
		return "", "", false, fmt.Errorf("%q does not end in %s", path, ProposalSuffix)
	}
	instance, name = parts[1], strings.TrimSuffix(parts[len(parts)-1], ProposalSuffix)
	for _, p := range []struct{ what, v string }{{"instance", instance}, {"name", name}} {
		if p.v == "" || p.v == "." || p.v == ".." {
			return "", "", false, fmt.Errorf("%q: %s %q is empty, \".\" or \"..\"", path, p.what, p.v)
		}
	}
	if len(parts) == 4 {
		switch {
		case instance == RulesInstance:
			return "", "", false, fmt.Errorf("%q: a rule change is not sharded: it lives at %s", path, ProposalFile(instance, name))
		case parts[2] != ProposalShard(name):
			return "", "", false, fmt.Errorf("%q: shard %q is not the name's: the file of goal action %q is %s",
				path, parts[2], name, GoalProposalFile(instance, name))
		}
	}
	return instance, name, instance == RulesInstance, nil
}

// OtherShapePath returns the path a proposal of the same instance and
// name would have in the other shape (flat for a sharded path, sharded
// for a flat one), and false for a path that is not a proposal's or is a
// rule change's (never sharded). A name is used once per instance in
// either shape: the evidence refs of a closed proposal (replay.ClosedRef)
// are named by instance and name alone.
func OtherShapePath(path string) (string, bool) {
	instance, name, rules, err := ParseProposalPath(path)
	if err != nil || rules {
		return "", false
	}
	if IsGoalProposalPath(path) {
		return ProposalFile(instance, name), true
	}
	return GoalProposalFile(instance, name), true
}

// IsGoalProposalPath reports whether path is a well-formed sharded
// proposal path, proposals/<lineage>/<shard>/<name>.yaml: the shape of a
// goal action's file.
func IsGoalProposalPath(path string) bool {
	_, _, _, err := ParseProposalPath(path)
	return err == nil && strings.Count(path, "/") == 3
}

// ProposalPathOfBranch returns the file a proposal branch must add: for
// branch proposals/<instance>/<name> (no "refs/heads/"), the path
// proposals/<instance>/<name>.yaml, and for proposals/<lineage>/<shard>/<name>
// the path proposals/<lineage>/<shard>/<name>.yaml (ParseProposalPath
// must accept it). Anything else is an error naming the branch.
func ProposalPathOfBranch(branch string) (string, error) {
	if rest, ok := strings.CutPrefix(branch, ProposalBranchPrefix); ok && strings.Contains(rest, "/") {
		p := branch + ProposalSuffix
		_, _, _, err := ParseProposalPath(p)
		if err == nil {
			return p, nil
		}
		if strings.Count(rest, "/") == 2 {
			return "", fmt.Errorf("branch %q: %w", branch, err)
		}
	}
	return "", fmt.Errorf("branch %q: want %s<instance>/<name> (a goal action: %s<lineage>/<shard>/<name>)", branch, ProposalBranchPrefix, ProposalBranchPrefix)
}

// IsRulesProposal reports whether path is a rule change's proposal file,
// proposals/rules/<name>.yaml.
func IsRulesProposal(path string) bool {
	_, _, rules, err := ParseProposalPath(path)
	return err == nil && rules
}
