package goalview_test

import (
	"slices"
	"strings"
	"time"

	"github.com/writ-dev/writ/reconciler/core"
)

func sortStrings(s []string) { slices.Sort(s) }

func sortBlocks(bs []core.BlockView) {
	slices.SortFunc(bs, func(a, b core.BlockView) int { return strings.Compare(a.ID, b.ID) })
}

func timeMS(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
