package core

// slots is 256 values copied on write in 16 groups of 16: setting one
// copies its group (16 values) and the index of groups (16 pointers),
// never all 256, so a lineage's tables and its block set change by a
// few hundred bytes per event, not kilobytes. The zero value is 256 zero
// values; a slots is never changed once shared.
type slots[E any] struct {
	groups *[16]*[16]E // nil: every value zero; a nil group: 16 zero values
}

// at returns value i (0–255).
func (s slots[E]) at(i int) E {
	if s.groups == nil || s.groups[i>>4] == nil {
		var zero E
		return zero
	}
	return s.groups[i>>4][i&15]
}

// group returns group g (values 16g to 16g+15), nil when all are zero.
func (s slots[E]) group(g int) *[16]E {
	if s.groups == nil {
		return nil
	}
	return s.groups[g]
}

// set returns s with value i replaced by e; s is not changed.
func (s slots[E]) set(i int, e E) slots[E] {
	var groups [16]*[16]E
	if s.groups != nil {
		groups = *s.groups
	}
	var g [16]E
	if old := groups[i>>4]; old != nil {
		g = *old
	}
	g[i&15] = e
	groups[i>>4] = &g
	return slots[E]{groups: &groups}
}

// isZero reports whether every value is zero because none was ever set.
func (s slots[E]) isZero() bool { return s.groups == nil }

// same reports whether s and o share their storage, so hold the same
// values without looking at them.
func (s slots[E]) same(o slots[E]) bool { return s.groups == o.groups }

// all yields every value with its index, in index order, zero values
// included.
func (s slots[E]) all(yield func(int, E) bool) {
	var zero E
	for g := range 16 {
		grp := s.group(g)
		for j := range 16 {
			v := zero
			if grp != nil {
				v = grp[j]
			}
			if !yield(g<<4|j, v) {
				return
			}
		}
	}
}

// slotsOf returns slots holding values (copied), one allocation for all
// 16 groups.
func slotsOf[E any](values *[256]E) slots[E] {
	var store [16][16]E
	var groups [16]*[16]E
	for g := range store {
		copy(store[g][:], values[g<<4:g<<4+16])
		groups[g] = &store[g]
	}
	return slots[E]{groups: &groups}
}
