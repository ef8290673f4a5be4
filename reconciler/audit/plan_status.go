package audit

import "fmt"

// PlanStatus says how the plan a decision records compares with the plan
// of the entry that carries it, recomputed from the clone.
type PlanStatus string

// Plan statuses of a decision.
const (
	// PlanMatches: the decision records the digest of this entry's plan;
	// its decider was shown what was applied.
	PlanMatches PlanStatus = "matches"
	// PlanDiffers: the decision records another plan (the instance, the
	// workflow or the policy changed after its decider looked).
	PlanDiffers PlanStatus = "differs"
	// PlanNone: the decision records no plan (a GitHub review, or a
	// decision written before decisions recorded plans).
	PlanNone PlanStatus = "none"
)

// StatusOf compares the plan digest a decision records with the entry's
// plan digest. It is pure.
func StatusOf(recorded, entry string) PlanStatus {
	switch {
	case recorded == "":
		return PlanNone
	case recorded == entry:
		return PlanMatches
	}
	return PlanDiffers
}

// Describe is the status in words, naming the recorded digest.
func (s PlanStatus) Describe(recorded string) string {
	switch s {
	case PlanMatches:
		return fmt.Sprintf("shown plan %s — matches this entry's plan", recorded)
	case PlanDiffers:
		return fmt.Sprintf("shown plan %s — differs (decided on another plan)", recorded)
	}
	return "no plan recorded (GitHub review / older decision)"
}
