package core

import (
	"fmt"
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

// CostByOwner sums the costs of instances per owner, exactly and without
// bound (schemas.TotalCosts), sorted by owner. It is pure and does not
// change the instances. It never fails on instances built by Apply (their
// sums are what schemas.SumCosts accepted); the error (wrapping
// schemas.ErrCost) names a unit whose amount is not such a sum.
func CostByOwner(instances []*Instance) ([]OwnerCost, error) {
	byOwner := map[string]*OwnerCost{}
	lists := map[string][][]schemas.Cost{} // owner → its instances' costs
	for _, in := range instances {
		oc, ok := byOwner[in.Owner]
		if !ok {
			oc = &OwnerCost{Owner: in.Owner}
			byOwner[in.Owner] = oc
		}
		oc.Instances++
		if len(in.Cost) > 0 {
			lists[in.Owner] = append(lists[in.Owner], in.Cost)
		}
	}
	out := make([]OwnerCost, 0, len(byOwner))
	for owner, oc := range byOwner {
		if len(lists[owner]) > 0 {
			total, err := schemas.TotalCosts(lists[owner]...)
			if err != nil {
				return nil, fmt.Errorf("cost of owner %q: %w", owner, err)
			}
			oc.Cost = total
		}
		out = append(out, *oc)
	}
	slices.SortFunc(out, func(a, b OwnerCost) int { return strings.Compare(a.Owner, b.Owner) })
	return out, nil
}
