// Package schemas defines the kinds of file in a writ control repo and
// loads them: writ.yaml (Config), workflows/*.yaml (Workflow),
// policies/*.yaml (Policy), goals/*.yaml (Goal) and
// proposals/<instance>/<name>.yaml (Proposal).
//
// # Loading
//
// Every file goes through the same steps, and each step reports Problems
// positioned as "path:line:col: field: message":
//
//  1. Text: the file must be at most MaxFileSize bytes of UTF-8 without
//     control characters, and hold exactly one YAML document.
//  2. YAML: the document is parsed with gopkg.in/yaml.v3 into nodes, which
//     are converted to JSON values while the position of every key and
//     value is recorded (see Positions). Mapping keys must be unique
//     strings; anchors, aliases, merge keys and custom tags are refused, so
//     a reviewed file means what it shows; nesting is capped at MaxDepth.
//  3. Schema: the value is validated against the kind's embedded JSON
//     Schema (draft 2020-12, see Schema), and each failure is mapped back
//     to the key or value at fault: unknown fields (with a "did you mean"),
//     missing fields, wrong types, values outside an enum (listing the
//     allowed values), patterns.
//  4. Go: only a value that passed the schema is decoded into the Go type.
//     Numbers in free-form values (proposal inputs, condition operands)
//     become json.Number in their shortest form, matching CanonicalJSON.
//
// Decode runs these steps. LoadConfig, LoadWorkflow, LoadPolicy and LoadGoal add the
// semantic checks that need only the one file (unique names, known states,
// reachability, signers: keys that parse and are of an accepted type, each
// key claimed once, anchored patterns that compile, RFC 3339 revoked_at,
// keyless signers backed by trust roots, ...). LoadBundle loads a whole
// rule set and adds the checks across files (known policies, roles and
// identities, satisfiable rules, goal names apart from workflow names, and
// the trust files writ.yaml names: present, holding certificates or a
// public key); ValidateRepo also checks every proposal with CheckProposal,
// a goal action (a proposal whose workflow names a goal) included.
//
// # Layout
//
// The control repo's layout is defined here once and every package uses
// it: ConfigFile (writ.yaml), WorkflowsDir, PoliciesDir, GoalsDir, TrustDir and
// ProposalsDir; RulesDirs and IsRulesPath say which paths are rules;
// IsGovernedPath says which paths are governed: every path outside
// proposals/, the rules and ordinary files (README.md, .github/). A change
// to a governed path is a governance change, proposed as
// proposals/rules/<name>.yaml (IsRulesProposal). ReadRules reads exactly
// the rules paths, ReadGoverned every governed file. A proposal lives at ProposalFile(instance, name) =
// proposals/<instance>/<name>.yaml and is proposed on the branch
// ProposalBranch(instance, name) = proposals/<instance>/<name> (under
// refs/heads/). A goal action is sharded instead: GoalProposalFile(lineage,
// name) = proposals/<lineage>/<shard>/<name>.yaml on the branch
// GoalProposalBranch(lineage, name) = proposals/<lineage>/<shard>/<name>,
// <shard> being ProposalShard(name), the first two hex digits of
// SHA-256(name), so that a lineage's 50,000 actions spread over 256
// directories and no tree an entry's replay reads grows with the lineage
// (ProposalPathFor and ProposalBranchFor pick the shape). ParseProposalPath
// is the one parser of a proposal's path, of both shapes (a wrong shard is
// an error naming the right path), and ProposalPathOfBranch maps a branch to
// the file it must add; CheckProposal refuses, against the rules, a goal
// action in the flat shape and anything else in the sharded one, naming
// the path it should be.
//
// # Guarantees
//
// Loading never panics, whatever the input; one bad file never hides the
// problems of another; problems are sorted (file, line, column, field,
// message), so output is stable; and every function here is safe for
// concurrent use (the schemas compile once, on first use). Nothing here
// reads a clock or the network: the same bytes give the same result.
//
// # Built-ins
//
// Every workflow has a state "quarantined" and transitions "quarantine"
// and "release"; users may not declare those names, and configure them
// under a workflow's quarantine: key instead.
package schemas
