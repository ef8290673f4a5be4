package policies

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// CapabilityOverride is the capability an identity needs for its
// break-glass override to stand.
const CapabilityOverride = "override"

// Reasons an override does not stand, in the order they are checked
// (unknown identity, duplicate identity and "not a human" are shared with
// approvals).
const (
	ReasonOverrideNotAllowed  = "break-glass does not apply here: the policy alone judges a rules change or a rejection"
	ReasonOverrideAgent       = "agent cannot override"
	ReasonOverrideAuthor      = "author cannot override"
	ReasonOverrideCapability  = "lacks capability " + CapabilityOverride
	ReasonOverrideNoWhy       = "override has no justification"
	ReasonOverrideOlderCommit = "overrode an older commit"
	ReasonOverrideOtherPlan   = "overrode another plan: the instance, workflow or policy changed since"
	ReasonOverrideNotNeeded   = "not needed: the policy is satisfied"
)

// judgeOverrides decides which override, if any, stands in for a policy
// whose status is status (or for a proposal a window or freeze holds,
// Facts.Held, whatever its status), and lists the others with their reason. The
// first override in decision order that passes every check stands; a later
// valid one is listed as not needed. It is pure.
func judgeOverrides(f *Facts, ix *index, status Status) (stands *Vote, ignored []Vote) {
	for _, d := range f.Decisions {
		if d.Verdict != VerdictOverride {
			continue
		}
		v := Vote{Identity: d.Identity, Verdict: d.Verdict, Commit: d.Commit, Content: d.Content, Ref: d.Ref}
		reason := overrideReason(f, ix, d)
		switch {
		case reason != "":
		case status == StatusSatisfied && !f.Held:
			reason = ReasonOverrideNotNeeded
		case stands != nil:
			reason = "not needed: " + stands.Identity + "'s override stands"
		}
		if reason != "" {
			v.Reason = reason
			ignored = append(ignored, v)
			continue
		}
		v.Role, v.Reason = CapabilityOverride, d.Justification
		stands = &v
	}
	return stands, ignored
}

// overrideReason is why an override cannot stand, "" when it can.
func overrideReason(f *Facts, ix *index, d Decision) string {
	id, known := ix.ids[d.Identity]
	switch {
	case !known:
		return ReasonUnknownIdentity
	case ix.dup[d.Identity]:
		return ReasonDuplicateIdentity
	case id.Kind == schemas.IdentityAgent:
		return ReasonOverrideAgent
	case id.Kind != schemas.IdentityHuman:
		return fmt.Sprintf("not a human (kind %q)", id.Kind)
	case f.isAuthor(d.Identity):
		return ReasonOverrideAuthor
	case !id.HasCapability(CapabilityOverride):
		return ReasonOverrideCapability
	case strings.TrimSpace(d.Justification) == "":
		return ReasonOverrideNoWhy
	case !d.covers(f.Subject):
		return ReasonOverrideOlderCommit
	case !d.sawPlan(f.Plan):
		return ReasonOverrideOtherPlan
	case !f.Overridable:
		return ReasonOverrideNotAllowed
	}
	return ""
}
