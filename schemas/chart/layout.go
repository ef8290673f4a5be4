package chart

// box is a laid-out rectangle, in whole pixels.
type box struct{ x, y, w, h int }

func (b box) cx() int { return b.x + b.w/2 }

// Layout constants of the SVG, in pixels.
const (
	charWidth  = 7  // average glyph width at the label font size
	nodeHeight = 32 // a simple state
	nodeMinW   = 72
	gapX       = 36 // between boxes on one row
	gapY       = 48 // between rows
	padding    = 14 // inside a composite or region box
	headerH    = 22 // a composite or region box's title
	margin     = 24 // around the drawing
	labelFont  = 6  // average glyph width of an arrow's label
)

// labelWidth is the width a label needs.
func labelWidth(s string) int {
	n := 0
	for range s {
		n++
	}
	return n * charWidth
}

// layers assigns each of ids (in declaration order) a row: breadth-first
// from starts along edges, in edge order; ids never reached go on one row
// after the last. It returns the rows, each in declaration order.
func layers(ids []string, starts []string, edges []edge) [][]string {
	row := map[string]int{}
	var queue []string
	for _, s := range starts {
		if _, ok := row[s]; !ok {
			row[s] = 0
			queue = append(queue, s)
		}
	}
	if len(queue) == 0 && len(ids) > 0 {
		row[ids[0]] = 0
		queue = append(queue, ids[0])
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, e := range edges {
			if e.from != cur {
				continue
			}
			if _, ok := row[e.to]; !ok {
				row[e.to] = row[cur] + 1
				queue = append(queue, e.to)
			}
		}
	}
	last := -1
	for _, id := range ids {
		if r, ok := row[id]; ok && r > last {
			last = r
		}
	}
	rows := make([][]string, last+2)
	for _, id := range ids {
		r, ok := row[id]
		if !ok {
			r = last + 1
		}
		rows[r] = append(rows[r], id)
	}
	if len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	return rows
}

// place lays rows out top to bottom from (x, y), each row centred in the
// widest, given each id's size; it returns each id's box and the size of
// the whole.
func place(rows [][]string, size map[string][2]int, x, y int) (map[string]box, int, int) {
	width := 0
	for _, r := range rows {
		w := 0
		for i, id := range r {
			if i > 0 {
				w += gapX
			}
			w += size[id][0]
		}
		width = max(width, w)
	}
	out := map[string]box{}
	cy := y
	for i, r := range rows {
		if i > 0 {
			cy += gapY
		}
		w, h := 0, 0
		for j, id := range r {
			if j > 0 {
				w += gapX
			}
			w += size[id][0]
			h = max(h, size[id][1])
		}
		cx := x + (width-w)/2
		for _, id := range r {
			s := size[id]
			out[id] = box{cx, cy + (h-s[1])/2, s[0], s[1]}
			cx += s[0] + gapX
		}
		cy += h
	}
	return out, width, cy - y
}
