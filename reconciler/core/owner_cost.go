package core

import (
	"slices"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// OwnerCost is what one owner's instances cost together.
type OwnerCost struct {
	// Owner is the owning team; "" for instances without one.
	Owner string `json:"owner"`
	// Instances counts the owner's instances that were summed.
	Instances int `json:"instances"`
	// Cost is the sum of their costs per unit, sorted by unit, each
	// amount canonical; omitted when none of them cost anything.
	Cost []schemas.Cost `json:"cost,omitempty"`
}

// CostByOwner sums the costs of instances per owner, exactly (see
// schemas.SumCosts), sorted by owner. It is pure and does not change the
// instances; the error (wrapping schemas.ErrCost) names a unit whose sum
// is out of bounds or an amount that is not a decimal, which an instance
// built by Apply never holds.
func CostByOwner(instances []*Instance) ([]OwnerCost, error) {
	byOwner := map[string]*OwnerCost{}
	sums := map[string]map[string][]schemas.Cost{} // owner → unit → running sum
	for _, in := range instances {
		oc, ok := byOwner[in.Owner]
		if !ok {
			oc = &OwnerCost{Owner: in.Owner}
			byOwner[in.Owner] = oc
			sums[in.Owner] = map[string][]schemas.Cost{}
		}
		oc.Instances++
		for _, c := range in.Cost {
			// One unit at a time: an owner may hold more units than one
			// instance may.
			sum, err := schemas.SumCosts(sums[in.Owner][c.Unit], []schemas.Cost{c})
			if err != nil {
				return nil, err
			}
			sums[in.Owner][c.Unit] = sum
		}
	}
	out := make([]OwnerCost, 0, len(byOwner))
	for owner, oc := range byOwner {
		for _, sum := range sums[owner] {
			oc.Cost = append(oc.Cost, sum...)
		}
		slices.SortFunc(oc.Cost, func(a, b schemas.Cost) int { return strings.Compare(a.Unit, b.Unit) })
		out = append(out, *oc)
	}
	slices.SortFunc(out, func(a, b OwnerCost) int { return strings.Compare(a.Owner, b.Owner) })
	return out, nil
}
