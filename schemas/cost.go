package schemas

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Trigger is what started an instance: the pull request, issue or
// incident, a schedule, or a person by hand. The first applied proposal
// that carries one records it on the instance; later ones never change it.
type Trigger struct {
	Kind TriggerKind `yaml:"kind" json:"kind"`
	// Ref names it in its system ("org/repo#12", "OPS-12", "INC-7").
	Ref string `yaml:"ref,omitempty" json:"ref,omitempty"`
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
}

// TriggerKind says what kind of thing a Trigger names.
type TriggerKind string

// The trigger kinds.
const (
	TriggerPullRequest TriggerKind = "pull_request"
	TriggerIssue       TriggerKind = "issue"
	TriggerIncident    TriggerKind = "incident"
	TriggerSchedule    TriggerKind = "schedule"
	TriggerManual      TriggerKind = "manual"
)

// Cost is an amount spent in one unit ("USD", "tokens", "gpu-hours"). The
// amount is a non-negative decimal written as a string ("12.50"), never a
// float: sums are exact.
type Cost struct {
	Amount string `yaml:"amount" json:"amount"`
	Unit   string `yaml:"unit" json:"unit"`
}

// Limits of cost amounts and units; the proposal schema holds proposals to
// them, SumCosts holds sums to them.
const (
	// MaxCostUnits is how many units one proposal may list, and how many
	// distinct units one instance (or one owner's sum) may hold.
	MaxCostUnits = 16
	// MaxAmountDigits and MaxAmountDecimals bound an amount a proposal
	// writes: digits before and after the decimal point.
	MaxAmountDigits   = 18
	MaxAmountDecimals = 9
	// MaxSumDigits bounds the digits before the point of a sum.
	MaxSumDigits = 30
)

// ErrCost is what SumCosts wraps: an amount that is not a decimal, a unit
// listed twice, too many units, a sum too large.
var ErrCost = errors.New("invalid cost")

// scale is 10^MaxAmountDecimals: amounts are summed as integers of that
// many fractional digits.
var scale = new(big.Int).Exp(big.NewInt(10), big.NewInt(MaxAmountDecimals), nil)

// parseAmount reads a non-negative decimal of at most MaxAmountDecimals
// fractional digits (and maxDigits integer digits) as an integer of
// MaxAmountDecimals fractional digits.
func parseAmount(s string, maxDigits int) (*big.Int, error) {
	whole, frac, dot := strings.Cut(s, ".")
	switch {
	case whole == "" || !allDigits(whole) || (dot && (frac == "" || !allDigits(frac))):
		return nil, fmt.Errorf("amount %q is not a decimal number such as 12.50 (digits, an optional point and decimals; no sign, exponent or spaces)", s)
	case len(whole) > maxDigits:
		return nil, fmt.Errorf("amount %q has more than %d digits before the point", s, maxDigits)
	case len(frac) > MaxAmountDecimals:
		return nil, fmt.Errorf("amount %q has more than %d decimals", s, MaxAmountDecimals)
	}
	n, _ := new(big.Int).SetString(whole+frac+strings.Repeat("0", MaxAmountDecimals-len(frac)), 10)
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatAmount writes n (MaxAmountDecimals fractional digits) in canonical
// form: no leading zeros, no trailing fractional zeros, no point when
// whole ("12.5", "3400", "0").
func formatAmount(n *big.Int) string {
	q, r := new(big.Int).QuoRem(n, scale, new(big.Int))
	if r.Sign() == 0 {
		return q.String()
	}
	frac := fmt.Sprintf("%0*s", MaxAmountDecimals, r.String())
	return q.String() + "." + strings.TrimRight(frac, "0")
}

// CanonicalAmount returns the canonical form of a valid amount ("012.50"
// is "12.5").
func CanonicalAmount(s string) (string, error) {
	n, err := parseAmount(s, MaxSumDigits)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrCost, err)
	}
	return formatAmount(n), nil
}

// SumCosts returns acc plus add, per unit: one Cost per unit, sorted by
// unit, each amount canonical. It is exact (integer arithmetic, never
// floats), pure and deterministic; acc and add are not changed. A unit
// add lists twice, an amount that is not a decimal, more than
// MaxCostUnits units or a sum of more than MaxSumDigits digits before the
// point is an error wrapping ErrCost that names the unit.
func SumCosts(acc, add []Cost) ([]Cost, error) {
	sums := make(map[string]*big.Int, len(acc)+len(add))
	for _, c := range acc {
		n, err := parseAmount(c.Amount, MaxSumDigits)
		if err != nil {
			return nil, fmt.Errorf("%w: unit %s: %w", ErrCost, c.Unit, err)
		}
		if _, dup := sums[c.Unit]; dup {
			return nil, fmt.Errorf("%w: unit %s is listed twice", ErrCost, c.Unit)
		}
		sums[c.Unit] = n
	}
	seen := make(map[string]bool, len(add))
	for _, c := range add {
		if seen[c.Unit] {
			return nil, fmt.Errorf("%w: unit %s is listed twice", ErrCost, c.Unit)
		}
		seen[c.Unit] = true
		n, err := parseAmount(c.Amount, MaxAmountDigits)
		if err != nil {
			return nil, fmt.Errorf("%w: unit %s: %w", ErrCost, c.Unit, err)
		}
		if c.Unit == "" {
			return nil, fmt.Errorf("%w: an amount without a unit", ErrCost)
		}
		if s, ok := sums[c.Unit]; ok {
			n = new(big.Int).Add(s, n)
		}
		sums[c.Unit] = n
	}
	if len(sums) > MaxCostUnits {
		return nil, fmt.Errorf("%w: %d units, more than the limit of %d", ErrCost, len(sums), MaxCostUnits)
	}
	out := make([]Cost, 0, len(sums))
	for unit, n := range sums {
		a := formatAmount(n)
		if whole, _, _ := strings.Cut(a, "."); len(whole) > MaxSumDigits {
			return nil, fmt.Errorf("%w: unit %s: the sum has more than %d digits before the point", ErrCost, unit, MaxSumDigits)
		}
		out = append(out, Cost{Amount: a, Unit: unit})
	}
	slices.SortFunc(out, func(a, b Cost) int { return strings.Compare(a.Unit, b.Unit) })
	return out, nil
}

// TotalCosts sums lists of sums (each one instance's cost, as SumCosts
// returns it) per unit: one Cost per unit, sorted by unit, each amount
// canonical. It is exact (integers of any size, never floats), pure and
// deterministic, and, unlike SumCosts, bounds neither the total's digits
// nor its number of units: a total over instances never fails on sums
// SumCosts accepted. The error (wrapping ErrCost) names the unit of an
// amount that is not a decimal of at most MaxSumDigits digits before the
// point, or an amount without a unit, which no sum SumCosts returned holds.
func TotalCosts(lists ...[]Cost) ([]Cost, error) {
	sums := map[string]*big.Int{}
	for _, list := range lists {
		for _, c := range list {
			if c.Unit == "" {
				return nil, fmt.Errorf("%w: an amount without a unit", ErrCost)
			}
			n, err := parseAmount(c.Amount, MaxSumDigits)
			if err != nil {
				return nil, fmt.Errorf("%w: unit %s: %w", ErrCost, c.Unit, err)
			}
			if s, ok := sums[c.Unit]; ok {
				n = new(big.Int).Add(s, n)
			}
			sums[c.Unit] = n
		}
	}
	out := make([]Cost, 0, len(sums))
	for unit, n := range sums {
		out = append(out, Cost{Amount: formatAmount(n), Unit: unit})
	}
	slices.SortFunc(out, func(a, b Cost) int { return strings.Compare(a.Unit, b.Unit) })
	return out, nil
}
