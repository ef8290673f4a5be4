package cli

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// triggerFlag reads --trigger KIND=REF (or KIND alone) and --trigger-url
// into a proposal's trigger; nil when neither is given. The proposal
// schema judges the values when the proposal is validated.
func triggerFlag(kindRef, url string) (*schemas.Trigger, error) {
	if kindRef == "" {
		if url != "" {
			return nil, fmt.Errorf("--trigger-url needs --trigger KIND=REF")
		}
		return nil, nil
	}
	kind, ref, _ := strings.Cut(kindRef, "=")
	if kind == "" {
		return nil, fmt.Errorf("--trigger %q: want KIND=REF, KIND one of pull_request, issue, incident, schedule, manual", kindRef)
	}
	return &schemas.Trigger{Kind: schemas.TriggerKind(kind), Ref: ref, URL: url}, nil
}

// costFlags reads repeated --cost UNIT=AMOUNT into a proposal's cost.
func costFlags(flags []string) ([]schemas.Cost, error) {
	var out []schemas.Cost
	for _, f := range flags {
		unit, amount, ok := strings.Cut(f, "=")
		if !ok || unit == "" || amount == "" {
			return nil, fmt.Errorf("--cost %q: want UNIT=AMOUNT, such as USD=12.50 or tokens=3400", f)
		}
		out = append(out, schemas.Cost{Amount: amount, Unit: unit})
	}
	return out, nil
}
