package schemas

import "strings"

// checkWindows checks a transition's windows and freezes: known days, each
// once; hours HH:MM-HH:MM that do not cross midnight; zones of the
// embedded time zone database; freeze dates that exist, to not before
// from.
func (c *checker) checkWindows(t Times, tp Path) {
	for i, w := range t.Windows {
		wp := child(child(tp, "windows"), i)
		seen := map[string]int{}
		for j, d := range w.Days {
			dp := child(child(wp, "days"), j)
			if _, ok := ParseDay(d); !ok {
				c.at(dp, "unknown day %q (days: %s)", d, strings.Join(WindowDays[1:], ", ")+", sun")
				continue
			}
			if k, dup := seen[d]; dup {
				c.at(dp, "day %q is listed twice (first at %s)", d, where(c.pos, child(child(wp, "days"), k), c.pos))
			}
			seen[d] = j
		}
		if _, _, err := ParseHours(w.Hours); err != nil {
			c.at(child(wp, "hours"), "%v", err)
		}
		c.zone(child(wp, "zone"), w.Zone)
	}
	for i, f := range t.Freeze {
		fp := child(child(tp, "freeze"), i)
		from, errFrom := ParseDate(f.From)
		if errFrom != nil {
			c.at(child(fp, "from"), "%v", errFrom)
		}
		to, errTo := ParseDate(f.To)
		if errTo != nil {
			c.at(child(fp, "to"), "%v", errTo)
		}
		if errFrom == nil && errTo == nil && to.Before(from) {
			c.at(child(fp, "to"), "freeze ends (%s) before it starts (%s); both days are included, so write the earlier date in from", f.To, f.From)
		}
		c.zone(child(fp, "zone"), f.Zone)
	}
}

// zone reports a zone the embedded time zone database does not know.
func (c *checker) zone(path Path, name string) {
	if _, err := Zone(name); err != nil {
		c.at(path, "%v", err)
	}
}
