package schemas

import "sort"

// This file holds the Go types of the control-repo kinds (goals are in
// goal.go). They are the
// shared vocabulary of writ: the loader fills them from YAML, the policy
// evaluator and the reducer read them. Every slice is ordered as written in
// the file, so nothing downstream depends on map iteration order.

// Kind names one kind of control-repo file.
type Kind string

// The control-repo kinds; each has a JSON Schema in this package.
const (
	KindConfig   Kind = "config"   // writ.yaml
	KindWorkflow Kind = "workflow" // workflows/*.yaml
	KindPolicy   Kind = "policy"   // policies/*.yaml
	KindProposal Kind = "proposal" // proposals/<instance>/<name>.yaml
	KindGoal     Kind = "goal"     // goals/*.yaml
)

// Materiality ranks how much a transition matters. Policies can require
// approvals only from a materiality upwards.
type Materiality string

// Materiality levels, lowest first.
const (
	MaterialityLow    Materiality = "low"
	MaterialityMedium Materiality = "medium"
	MaterialityHigh   Materiality = "high"
)

// Rank orders materialities: low < medium < high. Unknown or empty values
// rank as low.
func (m Materiality) Rank() int {
	switch m {
	case MaterialityMedium:
		return 1
	case MaterialityHigh:
		return 2
	default:
		return 0
	}
}

// Max returns the higher of two materialities.
func (m Materiality) Max(o Materiality) Materiality {
	if o.Rank() > m.Rank() {
		return o
	}
	if m == "" {
		return MaterialityLow
	}
	return m
}

// IdentityKind distinguishes people from automation. Agents never count as
// approvers.
type IdentityKind string

// Identity kinds.
const (
	IdentityHuman IdentityKind = "human"
	IdentityAgent IdentityKind = "agent"
)

// Config is writ.yaml: who exists, what they may do, and how the rules
// themselves are governed.
type Config struct {
	// Version of the file format; currently 1.
	Version int `yaml:"version" json:"version"`
	// Repository is a human name for this control repo.
	Repository string `yaml:"repository" json:"repository"`
	// Reconciler names the identity whose signature every WAL entry carries.
	Reconciler ReconcilerConfig `yaml:"reconciler" json:"reconciler"`
	// Governance names the policy that judges changes to the rules.
	Governance Governance `yaml:"governance" json:"governance"`
	// Roles lists every role an identity or policy may name.
	Roles []string `yaml:"roles" json:"roles"`
	// Identities are the humans and agents known to this repo.
	Identities []Identity `yaml:"identities" json:"identities"`
	// Trust names the trust roots (files in this repo) that certificate
	// signers chain to; nil when only keys are used.
	Trust *Trust `yaml:"trust,omitempty" json:"trust,omitempty"`
	// GitHub configures the GitHub Action mode; nil means defaults.
	GitHub *GitHubConfig `yaml:"github,omitempty" json:"github,omitempty"`
	// Notifications names the Slack channel and Jira project told about
	// proposals; nil: no notifications.
	Notifications *Notifications `yaml:"notifications,omitempty" json:"notifications,omitempty"`
}

// Trust holds the trust roots for certificate-based signatures. Every path
// is a file in the control repo (slash-separated, relative to its root), so
// verification needs no network.
type Trust struct {
	// TrustedRoot is a sigstore trusted_root.json (media type
	// application/vnd.dev.sigstore.trustedroot+json;version=0.1): the
	// Fulcio certificate authorities keyless certificates chain to, the
	// certificate-transparency logs whose SCTs they must carry, the Rekor
	// logs whose entries they may carry, and the timestamp authorities
	// whose RFC 3161 timestamps date them, each with its validity period.
	// Keyless signers need it.
	TrustedRoot string `yaml:"trusted_root,omitempty" json:"trusted_root,omitempty"`
	// TSARoots are PEM files with RFC 3161 timestamp authority roots. A
	// timestamp from one of them dates an x509 (gpgsm) signature; keyless
	// signatures take their timestamp authorities from TrustedRoot.
	TSARoots []string `yaml:"tsa_roots,omitempty" json:"tsa_roots,omitempty"`
	// AcceptCommitterTime lets a keyless signature with neither a trusted
	// timestamp nor a Rekor entry be checked at the time the commit claims.
	// That time is the signer's word: whoever holds a short-lived key after
	// its certificate expired (or was stolen) can date a commit back into
	// the certificate's validity. x509 signers never use it: without a
	// timestamp they are judged at the reconciler's clock.
	AcceptCommitterTime bool `yaml:"accept_committer_time,omitempty" json:"accept_committer_time,omitempty"`
}

// ReconcilerConfig names the reconciler identity.
type ReconcilerConfig struct {
	Identity string `yaml:"identity" json:"identity"`
}

// Governance holds the policy for changes to writ.yaml, workflows/ and
// policies/.
type Governance struct {
	Policy string `yaml:"policy" json:"policy"`
}

// Identity is a human or agent with roles, capabilities and signers.
type Identity struct {
	Name  string       `yaml:"name" json:"name"`
	Kind  IdentityKind `yaml:"kind" json:"kind"`
	Email string       `yaml:"email,omitempty" json:"email,omitempty"`
	// GitHub is the login whose pull-request reviews are this identity's
	// decisions; GitHubID, when set, pins the numeric user id.
	GitHub       string   `yaml:"github,omitempty" json:"github,omitempty"`
	GitHubID     int64    `yaml:"github_id,omitempty" json:"github_id,omitempty"`
	Roles        []string `yaml:"roles,omitempty" json:"roles,omitempty"`
	Capabilities []string `yaml:"capabilities,omitempty" json:"capabilities,omitempty"`
	Trust        string   `yaml:"trust,omitempty" json:"trust,omitempty"`
	// TrustLevel ranks how far the identity is trusted, 1 (least) to 10;
	// 0 means unset (the file sets none), which meets no minimum level.
	// Omitted when unset, so rules hashes from before trust levels stand.
	TrustLevel int      `yaml:"trust_level,omitempty" json:"trust_level,omitempty"`
	Signers    []Signer `yaml:"signers" json:"signers"`
}

// HasRole reports whether the identity holds the role.
func (i Identity) HasRole(role string) bool { return contains(i.Roles, role) }

// HasCapability reports whether the identity holds the capability.
func (i Identity) HasCapability(c string) bool { return contains(i.Capabilities, c) }

// SignerKind names the kind of a Signer: which one of its key fields is set.
type SignerKind string

// Signer kinds. A valid signer has exactly one.
const (
	SignerSSH     SignerKind = "ssh"     // SSH key, gpg.format=ssh
	SignerPGP     SignerKind = "pgp"     // OpenPGP key, gpg.format=openpgp
	SignerX509    SignerKind = "x509"    // X.509 certificate from a CA, gpg.format=x509 (gpgsm)
	SignerKeyless SignerKind = "keyless" // Fulcio certificate for an OIDC identity (gitsign)
	SignerKey     SignerKind = "key"     // PEM public key for cosign-style blob signatures
)

// Signer is one way an identity proves itself: exactly one of SSH, PGP,
// X509, Keyless or Key is set. RevokedAt, when set, is an RFC 3339 time
// from which the signer no longer counts: signatures made at or after it
// are refused, earlier ones still verify.
type Signer struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// SSH is a public key in authorized_keys format ("ssh-ed25519 AAAA... comment").
	SSH string `yaml:"ssh,omitempty" json:"ssh,omitempty"`
	// PGP is an ASCII-armoured OpenPGP public key block.
	PGP string `yaml:"pgp,omitempty" json:"pgp,omitempty"`
	// X509 is a certificate identity under a CA in the control repo.
	X509 *X509Signer `yaml:"x509,omitempty" json:"x509,omitempty"`
	// Keyless is an OIDC identity and issuer in a Fulcio certificate.
	Keyless *KeylessSigner `yaml:"keyless,omitempty" json:"keyless,omitempty"`
	// Key is a PEM "PUBLIC KEY" (PKIX) for cosign-style blob signatures.
	Key       string `yaml:"key,omitempty" json:"key,omitempty"`
	RevokedAt string `yaml:"revoked_at,omitempty" json:"revoked_at,omitempty"`
}

// Kind returns which kind of signer s is, or "" when none of its key fields
// is set. When several are set (an invalid signer) the first in the order
// ssh, pgp, x509, keyless, key wins.
func (s Signer) Kind() SignerKind {
	switch {
	case s.SSH != "":
		return SignerSSH
	case s.PGP != "":
		return SignerPGP
	case s.X509 != nil:
		return SignerX509
	case s.Keyless != nil:
		return SignerKeyless
	case s.Key != "":
		return SignerKey
	default:
		return ""
	}
}

// X509Signer matches a certificate that chains to the CA certificates in
// the file CA and names Email (in a SAN or the subject's emailAddress) and
// Subject (an RFC 4514 name such as "CN=Carol,O=Example Corp,C=US",
// compared with the certificate's subject attribute by attribute; Go's
// pkix.Name.String rendering matches too); at least one of the two is set,
// and every one set must match.
type X509Signer struct {
	Email   string `yaml:"email,omitempty" json:"email,omitempty"`
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`
	CA      string `yaml:"ca" json:"ca"`
}

// KeylessSigner matches a Fulcio certificate by its identity (the email or
// URI subject alternative name) and its OIDC issuer extension, each given
// exactly or as a pattern that must match the whole value. With Rekor set, a
// signature must carry a Rekor entry that verifies against a Rekor log of
// trust.trusted_root.
type KeylessSigner struct {
	Identity        string `yaml:"identity,omitempty" json:"identity,omitempty"`
	IdentityPattern string `yaml:"identity_pattern,omitempty" json:"identity_pattern,omitempty"`
	Issuer          string `yaml:"issuer,omitempty" json:"issuer,omitempty"`
	IssuerPattern   string `yaml:"issuer_pattern,omitempty" json:"issuer_pattern,omitempty"`
	Rekor           bool   `yaml:"rekor,omitempty" json:"rekor,omitempty"`
}

// Workflow is a statechart: states (optionally with parallel regions) and
// the transitions between them.
type Workflow struct {
	Name        string       `yaml:"name" json:"name"`
	Description string       `yaml:"description,omitempty" json:"description,omitempty"`
	States      []State      `yaml:"states" json:"states"`
	Transitions []Transition `yaml:"transitions" json:"transitions"`
	// Quarantine configures the built-in quarantine/release transitions.
	Quarantine Quarantine `yaml:"quarantine,omitempty" json:"quarantine,omitempty"`
	// Windows and Freeze hold every declared transition that has none of
	// its own (TimesOf). Omitted when unset, so rules hashes stand.
	Windows []Window `yaml:"windows,omitempty" json:"windows,omitempty"`
	Freeze  []Freeze `yaml:"freeze,omitempty" json:"freeze,omitempty"`
}

// Quarantine names the policies for the built-in transitions. Every
// workflow has a sticky "quarantined" state: "quarantine" enters it from any
// non-terminal state, and only "release" leaves it, back to where it was.
type Quarantine struct {
	Policy        string `yaml:"policy,omitempty" json:"policy,omitempty"`
	ReleasePolicy string `yaml:"release_policy,omitempty" json:"release_policy,omitempty"`
}

// Built-in transition and state names present in every workflow.
const (
	QuarantineTransition = "quarantine"
	ReleaseTransition    = "release"
	QuarantinedState     = "quarantined"
)

// State is one top-level state. A state with regions is parallel: while the
// instance is in it, each region has exactly one current sub-state.
type State struct {
	Name     string   `yaml:"name" json:"name"`
	Terminal bool     `yaml:"terminal,omitempty" json:"terminal,omitempty"`
	Regions  []Region `yaml:"regions,omitempty" json:"regions,omitempty"`
}

// Region is one parallel region of a state.
type Region struct {
	Name    string   `yaml:"name" json:"name"`
	States  []string `yaml:"states" json:"states"`
	Initial string   `yaml:"initial" json:"initial"`
	// Ready is the sub-state that counts as READY for a join.
	Ready string `yaml:"ready" json:"ready"`
}

// Transition moves an instance between states. With no From it creates the
// instance. With Region set it moves that region's sub-state inside the
// current parallel state. With Join set it may only fire when every region
// of the current state is READY.
type Transition struct {
	Name        string      `yaml:"name" json:"name"`
	From        []string    `yaml:"from,omitempty" json:"from,omitempty"`
	To          string      `yaml:"to" json:"to"`
	Region      string      `yaml:"region,omitempty" json:"region,omitempty"`
	Join        bool        `yaml:"join,omitempty" json:"join,omitempty"`
	Policy      string      `yaml:"policy,omitempty" json:"policy,omitempty"`
	Materiality Materiality `yaml:"materiality,omitempty" json:"materiality,omitempty"`
	Guards      []Condition `yaml:"guards,omitempty" json:"guards,omitempty"`
	// OnReject, when set, is the top-level state a rejection of this
	// transition moves the instance to (its regions, if any, start at
	// their initial states): a human "no" becomes a state transition.
	// Empty: a rejection leaves the instance where it is.
	OnReject string `yaml:"on_reject,omitempty" json:"on_reject,omitempty"`
	// Windows, when set, allow the transition only inside one of them;
	// Freeze forbids it inside any of them. Both are judged at the
	// entry's clock; a break-glass override lets it through (see
	// window.go). Omitted when unset, so rules hashes stand.
	Windows []Window `yaml:"windows,omitempty" json:"windows,omitempty"`
	Freeze  []Freeze `yaml:"freeze,omitempty" json:"freeze,omitempty"`
	// Timeout, when set, is how long a proposal of this transition may
	// wait for a human, measured from its recorded wait in entries' clock
	// time (ParseDuration), and OnTimeout what then happens ("reject").
	// Either needs the other; they override the policy's.
	Timeout   string `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	OnTimeout string `yaml:"on_timeout,omitempty" json:"on_timeout,omitempty"`
	// Escalate, when set, lists the escalation steps of a waiting proposal
	// of this transition (see EscalationStep); they replace the policy's.
	// Omitted when unset, so rules hashes stand.
	Escalate []EscalationStep `yaml:"escalate,omitempty" json:"escalate,omitempty"`
}

// Condition tests one proposal input. Exactly one of Equals, In, Matches or
// Exists is set. Values compare by their canonical JSON.
type Condition struct {
	Input   string `yaml:"input" json:"input"`
	Equals  any    `yaml:"equals,omitempty" json:"equals,omitempty"`
	In      []any  `yaml:"in,omitempty" json:"in,omitempty"`
	Matches string `yaml:"matches,omitempty" json:"matches,omitempty"`
	Exists  *bool  `yaml:"exists,omitempty" json:"exists,omitempty"`
}

// Policy is a set of approval rules and how they combine.
type Policy struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Rules       []Rule `yaml:"rules" json:"rules"`
	// Require combines rules by name; nil means every rule must pass.
	Require *Requirement `yaml:"require,omitempty" json:"require,omitempty"`
	// Timeout and OnTimeout are as a Transition's, for every transition
	// this policy judges that declares none of its own.
	Timeout   string `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	OnTimeout string `yaml:"on_timeout,omitempty" json:"on_timeout,omitempty"`
	// Escalate is as a Transition's, for every transition this policy
	// judges that declares none of its own.
	Escalate []EscalationStep `yaml:"escalate,omitempty" json:"escalate,omitempty"`
}

// Rule asks for approvals from identities holding one of Roles or named in
// Identities (either list may be empty; both empty means any human): Count
// of them, or as many as its Quorum says (exactly one of the two is set;
// LoadPolicy checks it).
type Rule struct {
	Name  string `yaml:"name" json:"name"`
	Count int    `yaml:"count" json:"count"`
	// Quorum, set instead of Count, counts approvals in the vocabulary of
	// goal quorums: single (one approval), multi (Min approvals from
	// distinct humans, DefaultQuorumMin when unset) or any (one approval
	// from a human whose trust level is at least TrustLevel). Only Mode,
	// Min and TrustLevel apply to approvals; LoadPolicy refuses the other
	// fields. Omitted when unset, so rules hashes of count rules stand.
	Quorum      *Quorum    `yaml:"quorum,omitempty" json:"quorum,omitempty"`
	Roles       []string   `yaml:"roles,omitempty" json:"roles,omitempty"`
	Identities  []string   `yaml:"identities,omitempty" json:"identities,omitempty"`
	AllowAuthor bool       `yaml:"allow_author,omitempty" json:"allow_author,omitempty"`
	If          *Predicate `yaml:"if,omitempty" json:"if,omitempty"`
	// MinTrustLevel, when set (1–10), counts only humans whose
	// trust_level reaches it; an identity without one meets no minimum.
	MinTrustLevel int `yaml:"min_trust_level,omitempty" json:"min_trust_level,omitempty"`
}

// Approvals returns how many approvals from distinct eligible humans
// satisfy the rule: Count, or for a quorum 1 (single and any) or Min
// (multi, DefaultQuorumMin when unset).
func (r *Rule) Approvals() int {
	if r.Quorum == nil {
		return r.Count
	}
	switch r.Quorum.Mode {
	case QuorumSingle, QuorumAny:
		return 1
	}
	if r.Quorum.Min == 0 {
		return DefaultQuorumMin
	}
	return r.Quorum.Min
}

// QuorumTrustLevel returns the trust level an any quorum asks of the
// approval that satisfies the rule; 0 for every other rule.
func (r *Rule) QuorumTrustLevel() int {
	if r.Quorum == nil || r.Quorum.Mode != QuorumAny {
		return 0
	}
	return r.Quorum.TrustLevel
}

// ApprovalTrustLevel returns the lowest trust level whose approval the
// rule counts: the higher of its min_trust_level and its any quorum's
// trust_level (0: any level, unset included).
func (r *Rule) ApprovalTrustLevel() int {
	return max(r.MinTrustLevel, r.QuorumTrustLevel())
}

// Admits reports whether the rule may count id's approval by who id is: a
// human holding one of the rule's roles or named by it (any human when the
// rule names neither), at the rule's ApprovalTrustLevel or above. Who the
// author is, and what was decided, are policies.Evaluate's business.
func (r *Rule) Admits(id Identity) bool {
	if id.Kind != IdentityHuman || id.TrustLevel < r.ApprovalTrustLevel() {
		return false
	}
	if len(r.Roles) == 0 && len(r.Identities) == 0 || contains(r.Identities, id.Name) {
		return true
	}
	for _, role := range r.Roles {
		if id.HasRole(role) {
			return true
		}
	}
	return false
}

// Predicate decides whether a rule applies to a proposal. All set parts
// must hold; a rule whose predicate fails is skipped (and says why).
type Predicate struct {
	Inputs             []Condition `yaml:"inputs,omitempty" json:"inputs,omitempty"`
	MaterialityAtLeast Materiality `yaml:"materiality_at_least,omitempty" json:"materiality_at_least,omitempty"`
	ChangedFiles       []string    `yaml:"changed_files,omitempty" json:"changed_files,omitempty"`
}

// Requirement is a boolean tree over rule names: exactly one of Rule, All
// or Any is set. In YAML a bare string is shorthand for {rule: name}.
type Requirement struct {
	Rule string        `yaml:"rule,omitempty" json:"rule,omitempty"`
	All  []Requirement `yaml:"all,omitempty" json:"all,omitempty"`
	Any  []Requirement `yaml:"any,omitempty" json:"any,omitempty"`
}

// Proposal asks for one transition of one instance.
type Proposal struct {
	Instance   string `yaml:"instance" json:"instance"`
	Workflow   string `yaml:"workflow" json:"workflow"`
	Transition string `yaml:"transition" json:"transition"`
	// BaseState is the instance hash ("sha256:<hex>") the proposer saw, or
	// "none" when the proposal creates the instance.
	BaseState     string         `yaml:"base_state" json:"base_state"`
	IdemKey       string         `yaml:"idem_key" json:"idem_key"`
	Owner         string         `yaml:"owner,omitempty" json:"owner,omitempty"`
	Materiality   Materiality    `yaml:"materiality,omitempty" json:"materiality,omitempty"`
	Inputs        map[string]any `yaml:"inputs,omitempty" json:"inputs,omitempty"`
	Evidence      []Evidence     `yaml:"evidence,omitempty" json:"evidence,omitempty"`
	Justification string         `yaml:"justification,omitempty" json:"justification,omitempty"`
	// Trigger is what started the work (a pull request, issue, incident,
	// schedule or a person); the first applied proposal of an instance
	// that carries one records it on the instance.
	Trigger *Trigger `yaml:"trigger,omitempty" json:"trigger,omitempty"`
	// Cost is what producing the proposal cost, per unit; the instance
	// sums it over its applied and rejected proposals (see SumCosts).
	// Both are omitted when unset, so proposal hashes stand.
	Cost []Cost `yaml:"cost,omitempty" json:"cost,omitempty"`
}

// BaseStateNone is the base_state of a proposal that creates an instance.
const BaseStateNone = "none"

// A governance proposal changes the rules (writ.yaml, workflows/,
// policies/). It lives at proposals/rules/<name>.yaml with instance and
// workflow "rules", transition "change", and base_state the rules hash it
// was based on. No workflow or instance may otherwise use these names.
const (
	RulesInstance   = "rules"
	RulesTransition = "change"
	// RecoverTransition is a governance proposal that resumes the log after
	// commits writ did not write: it lives at proposals/rules/<name>.yaml
	// too, its base_state is the rules hash in force, and its inputs name
	// the quarantined commits (RecoverInput). It changes no rules file.
	RecoverTransition = "recover"
	// RecoverInput is the input of a recovery proposal that lists the full
	// hashes of the commits it quarantines, oldest first.
	RecoverInput = "quarantine"
)

// Evidence points at something that supports a proposal.
type Evidence struct {
	Name   string `yaml:"name" json:"name"`
	URI    string `yaml:"uri,omitempty" json:"uri,omitempty"`
	Digest string `yaml:"digest,omitempty" json:"digest,omitempty"`
}

// Bundle is the whole rule set of a control repo at one commit: writ.yaml,
// every workflow, policy and goal, each list sorted by name.
type Bundle struct {
	Config    Config     `json:"config"`
	Workflows []Workflow `json:"workflows"`
	Policies  []Policy   `json:"policies"`
	// Goals holds every goal, sorted by name; omitted when there is none,
	// so the rules hash of a repo without goals/ is what it always was.
	Goals []Goal `json:"goals,omitempty"`
	// TrustFiles holds the bytes of every trust file writ.yaml names
	// (the sigstore trusted root, TSA roots, x509 CAs), by path, so the rules
	// hash covers them and a key ring can be built from the rules alone.
	TrustFiles map[string][]byte `json:"trust_files,omitempty"`
}

// TrustPaths lists, sorted and without duplicates, every trust file the
// configuration names.
func (c *Config) TrustPaths() []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if c.Trust != nil {
		add(c.Trust.TrustedRoot)
		for _, p := range c.Trust.TSARoots {
			add(p)
		}
	}
	for _, id := range c.Identities {
		for _, s := range id.Signers {
			if s.X509 != nil {
				add(s.X509.CA)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Identity returns the named identity.
func (b *Bundle) Identity(name string) (Identity, bool) {
	for _, id := range b.Config.Identities {
		if id.Name == name {
			return id, true
		}
	}
	return Identity{}, false
}

// Workflow returns the named workflow.
func (b *Bundle) Workflow(name string) (*Workflow, bool) {
	for i := range b.Workflows {
		if b.Workflows[i].Name == name {
			return &b.Workflows[i], true
		}
	}
	return nil, false
}

// Policy returns the named policy.
func (b *Bundle) Policy(name string) (*Policy, bool) {
	for i := range b.Policies {
		if b.Policies[i].Name == name {
			return &b.Policies[i], true
		}
	}
	return nil, false
}

// State returns the named top-level state.
func (w *Workflow) State(name string) (*State, bool) {
	for i := range w.States {
		if w.States[i].Name == name {
			return &w.States[i], true
		}
	}
	return nil, false
}

// Transition returns the named transition.
func (w *Workflow) Transition(name string) (*Transition, bool) {
	for i := range w.Transitions {
		if w.Transitions[i].Name == name {
			return &w.Transitions[i], true
		}
	}
	return nil, false
}

// Region returns the named region of a parallel state.
func (s *State) Region(name string) (*Region, bool) {
	for i := range s.Regions {
		if s.Regions[i].Name == name {
			return &s.Regions[i], true
		}
	}
	return nil, false
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// GitHubConfig says how the reconciler talks to GitHub. Secrets never live
// here: TokenEnv names the environment variable holding the token.
type GitHubConfig struct {
	TokenEnv string `yaml:"token_env,omitempty" json:"token_env,omitempty"`
	APIURL   string `yaml:"api_url,omitempty" json:"api_url,omitempty"`
	// Budget bounds the API calls one event may make.
	Budget int `yaml:"budget,omitempty" json:"budget,omitempty"`
	// RoleTeams grants a role to the members of GitHub teams ("org/slug")
	// for pull-request reviews, in addition to identities' own roles.
	RoleTeams map[string][]string `yaml:"role_teams,omitempty" json:"role_teams,omitempty"`
}
