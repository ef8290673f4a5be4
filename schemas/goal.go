package schemas

// This file holds the Go types of goals/*.yaml: the declarative half of
// goal regression (DESIGN.md section 6). A goal names a terminal task;
// agents attempt it, declare blocks (missing prerequisites) that a quorum
// of distinct identities confirms, and complete tasks bottom-up. Only the
// declaration lives here; lineages, tasks and block state are the
// reducer's. Every field keeps what the file wrote (absent stays absent),
// so the rules hash is that of the file; the accessors return the
// defaults.

// GoalsDir holds the goal files. Its files are rules.
const GoalsDir = "goals"

// Goal defaults and limits.
const (
	// DefaultMaxDepth is a goal's max_depth when the file sets none.
	DefaultMaxDepth = 16
	// MaxGoalDepth is the largest max_depth a goal may set (the smallest is 1).
	MaxGoalDepth = 64
	// DefaultQuorumMin is the confirmations from distinct identities a
	// multi quorum needs when it sets no min.
	DefaultQuorumMin = 2
	// DefaultRefutations is the refutations that dismiss a claim when the
	// quorum sets none.
	DefaultRefutations = 1
	// MinTrustLevel and MaxTrustLevel bound every trust level.
	MinTrustLevel = 1
	MaxTrustLevel = 10
)

// Goal is one goals/*.yaml file: a terminal task, who may act on its
// lineage, and how blocks are decided.
type Goal struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Owner is the team or person accountable for the goal.
	Owner string `yaml:"owner" json:"owner"`
	// Terminal is the task whose completion ends a lineage.
	Terminal Task `yaml:"terminal" json:"terminal"`
	// MaxDepth bounds the depth of declared prerequisites (the terminal
	// task is at depth 0); 0 means DefaultMaxDepth. See Depth.
	MaxDepth int `yaml:"max_depth,omitempty" json:"max_depth,omitempty"`
	// Quorum decides when a declared block is confirmed or dismissed; nil
	// means the defaults (see QuorumOrDefault).
	Quorum *Quorum `yaml:"quorum,omitempty" json:"quorum,omitempty"`
	// StallAfter is a duration (see ParseDuration): a lineage in which no
	// task completed and no block changed for that long, in entries' clock
	// time, is stalled. Empty: stalls are not reported.
	StallAfter string `yaml:"stall_after,omitempty" json:"stall_after,omitempty"`
	// Capabilities says which capabilities (as identities in writ.yaml
	// carry them) allow each action on the goal's lineages.
	Capabilities GoalCapabilities `yaml:"capabilities" json:"capabilities"`
	// Policy, when set, names a policy in policies/ whose approval a
	// declaration or a resolution of a block needs before it counts.
	Policy string `yaml:"policy,omitempty" json:"policy,omitempty"`
	// MinTrustLevel, per action, is the lowest trust level (1-10) an
	// identity needs for its action to count; nil or 0: no minimum.
	MinTrustLevel *GoalTrustLevels `yaml:"min_trust_level,omitempty" json:"min_trust_level,omitempty"`
}

// GoalTrustLevels is a minimum trust level per goal action; 0: none.
type GoalTrustLevels struct {
	Attempt int `yaml:"attempt,omitempty" json:"attempt,omitempty"`
	Declare int `yaml:"declare,omitempty" json:"declare,omitempty"`
	Confirm int `yaml:"confirm,omitempty" json:"confirm,omitempty"`
	Refute  int `yaml:"refute,omitempty" json:"refute,omitempty"`
	Resolve int `yaml:"resolve,omitempty" json:"resolve,omitempty"`
}

// MinTrust returns the lowest trust level action a needs on goal g, 0
// when the goal sets none.
func (g *Goal) MinTrust(a GoalAction) int {
	t := g.MinTrustLevel
	if t == nil {
		return 0
	}
	switch a {
	case ActionAttempt:
		return t.Attempt
	case ActionDeclare:
		return t.Declare
	case ActionConfirm:
		return t.Confirm
	case ActionRefute:
		return t.Refute
	case ActionResolve:
		return t.Resolve
	}
	return 0
}

// Task is a unit of work: a type and a free-form payload. Its id is
// derived from (type, payload, origin) by the reducer.
type Task struct {
	Type    string         `yaml:"type" json:"type"`
	Payload map[string]any `yaml:"payload,omitempty" json:"payload,omitempty"`
}

// GoalCapabilities lists, per action, the capabilities any one of which
// allows an identity to take it. Each list is non-empty.
type GoalCapabilities struct {
	Attempt []string `yaml:"attempt" json:"attempt"`
	Declare []string `yaml:"declare" json:"declare"`
	Confirm []string `yaml:"confirm" json:"confirm"`
	Refute  []string `yaml:"refute" json:"refute"`
	Resolve []string `yaml:"resolve" json:"resolve"`
}

// GoalAction names one action a goal's capabilities govern.
type GoalAction string

// The goal actions, in the order files list them.
const (
	ActionAttempt GoalAction = "attempt"
	ActionDeclare GoalAction = "declare"
	ActionConfirm GoalAction = "confirm"
	ActionRefute  GoalAction = "refute"
	ActionResolve GoalAction = "resolve"
)

// GoalActions lists every goal action in order.
func GoalActions() []GoalAction {
	return []GoalAction{ActionAttempt, ActionDeclare, ActionConfirm, ActionRefute, ActionResolve}
}

// For returns the capabilities that allow action a (nil for an unknown
// action).
func (c GoalCapabilities) For(a GoalAction) []string {
	switch a {
	case ActionAttempt:
		return c.Attempt
	case ActionDeclare:
		return c.Declare
	case ActionConfirm:
		return c.Confirm
	case ActionRefute:
		return c.Refute
	case ActionResolve:
		return c.Resolve
	}
	return nil
}

// QuorumMode names how confirmations of a block are counted.
type QuorumMode string

// Quorum modes.
const (
	// QuorumSingle: one confirmation confirms the block.
	QuorumSingle QuorumMode = "single"
	// QuorumMulti: Min confirmations from distinct identities confirm it;
	// at most Max count; OnShort says what happens when the window closes
	// with fewer than Min.
	QuorumMulti QuorumMode = "multi"
	// QuorumAny: the first confirmation from an identity whose trust level
	// is at least TrustLevel confirms it.
	QuorumAny QuorumMode = "any"
)

// OnShort says what a multi quorum does when its window closes with fewer
// than Min confirmations.
type OnShort string

// OnShort values.
const (
	// OnShortFail: the claim fails (is dismissed).
	OnShortFail OnShort = "fail"
	// OnShortProceedDegraded: the block counts as confirmed, with the
	// shortfall recorded.
	OnShortProceedDegraded OnShort = "proceed-degraded"
	// OnShortWait: the claim stays open until Min is reached.
	OnShortWait OnShort = "wait"
)

// Quorum decides when a declared block is confirmed or dismissed.
// Confirmations count once per identity; the claimant's own never counts.
type Quorum struct {
	// Mode is single, multi or any; empty means multi.
	Mode QuorumMode `yaml:"mode,omitempty" json:"mode,omitempty"`
	// Min is the confirmations a multi quorum needs; 0 means
	// DefaultQuorumMin. Only for multi.
	Min int `yaml:"min,omitempty" json:"min,omitempty"`
	// Max caps the confirmations a multi quorum counts; 0: no cap. Only
	// for multi; at least Min.
	Max int `yaml:"max,omitempty" json:"max,omitempty"`
	// OnShort is what a multi quorum does when Window closes under Min;
	// empty means wait. Only for multi, and only with a Window.
	OnShort OnShort `yaml:"on_short,omitempty" json:"on_short,omitempty"`
	// TrustLevel is the lowest trust level (1-10) whose confirmation an
	// any quorum accepts. Required for any, and only for any.
	TrustLevel int `yaml:"trust_level,omitempty" json:"trust_level,omitempty"`
	// Refutations is how many refutations dismiss a claim; 0 means
	// DefaultRefutations.
	Refutations int `yaml:"refutations,omitempty" json:"refutations,omitempty"`
	// Window is a duration (see ParseDuration) measured in entries' clock
	// time from the declaration; empty: confirmations never close.
	Window string `yaml:"window,omitempty" json:"window,omitempty"`
}

// Depth returns the goal's max_depth, DefaultMaxDepth when unset.
func (g *Goal) Depth() int {
	if g.MaxDepth == 0 {
		return DefaultMaxDepth
	}
	return g.MaxDepth
}

// QuorumOrDefault returns the goal's quorum with every default filled in:
// mode multi, min DefaultQuorumMin and on_short wait for multi, and
// refutations DefaultRefutations. Fields that do not apply to the mode
// stay zero.
func (g *Goal) QuorumOrDefault() Quorum {
	var q Quorum
	if g.Quorum != nil {
		q = *g.Quorum
	}
	if q.Mode == "" {
		q.Mode = QuorumMulti
	}
	if q.Mode == QuorumMulti {
		if q.Min == 0 {
			q.Min = DefaultQuorumMin
		}
		if q.OnShort == "" {
			q.OnShort = OnShortWait
		}
	}
	if q.Refutations == 0 {
		q.Refutations = DefaultRefutations
	}
	return q
}

// Goal returns the named goal.
func (b *Bundle) Goal(name string) (*Goal, bool) {
	for i := range b.Goals {
		if b.Goals[i].Name == name {
			return &b.Goals[i], true
		}
	}
	return nil, false
}
