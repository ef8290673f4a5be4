package schemas

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSumCosts(t *testing.T) {
	tests := []struct {
		name     string
		acc, add []Cost
		want     []Cost
		err      string
	}{
		{"first costs, sorted by unit, canonical", nil, []Cost{{"12.50", "USD"}, {"3400", "tokens"}, {"0.000", "EUR"}},
			[]Cost{{"0", "EUR"}, {"12.5", "USD"}, {"3400", "tokens"}}, ""},
		{"exact decimal sums (no float drift)", []Cost{{"0.1", "USD"}}, []Cost{{"0.2", "USD"}}, []Cost{{"0.3", "USD"}}, ""},
		{"carry into the whole part", []Cost{{"12.5", "USD"}}, []Cost{{"0.75", "USD"}, {"600", "tokens"}},
			[]Cost{{"13.25", "USD"}, {"600", "tokens"}}, ""},
		{"nine decimals", []Cost{{"0.000000001", "BTC"}}, []Cost{{"0.999999999", "BTC"}}, []Cost{{"1", "BTC"}}, ""},
		{"largest amount", nil, []Cost{{"999999999999999999.999999999", "tokens"}}, []Cost{{"999999999999999999.999999999", "tokens"}}, ""},
		{"leading zeros", nil, []Cost{{"007.10", "USD"}}, []Cost{{"7.1", "USD"}}, ""},
		{"nothing added", []Cost{{"5", "USD"}}, nil, []Cost{{"5", "USD"}}, ""},
		{"negative", nil, []Cost{{"-1", "USD"}}, nil, "unit USD: amount \"-1\" is not a decimal number"},
		{"exponent", nil, []Cost{{"1e3", "USD"}}, nil, "is not a decimal number"},
		{"trailing point", nil, []Cost{{"1.", "USD"}}, nil, "is not a decimal number"},
		{"too many decimals", nil, []Cost{{"0.0000000001", "USD"}}, nil, "more than 9 decimals"},
		{"too many digits", nil, []Cost{{"1000000000000000000", "USD"}}, nil, "more than 18 digits before the point"},
		{"unit twice", nil, []Cost{{"1", "USD"}, {"2", "USD"}}, nil, "unit USD is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SumCosts(tt.acc, tt.add)
			if tt.err != "" {
				if !errors.Is(err, ErrCost) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want ErrCost with %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("SumCosts = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	var many []Cost
	for i := range MaxCostUnits + 1 {
		many = append(many, Cost{Amount: "1", Unit: fmt.Sprintf("u%02d", i)})
	}
	if _, err := SumCosts(many[:1], many[1:]); !errors.Is(err, ErrCost) || !strings.Contains(err.Error(), "more than the limit of 16") {
		t.Fatalf("17 units: %v", err)
	}
	// The sum is bounded too: 10^12 additions of the largest amount
	// would pass 30 digits; start just below the bound.
	big := Cost{Amount: strings.Repeat("9", MaxSumDigits), Unit: "tokens"}
	if _, err := SumCosts([]Cost{big}, []Cost{{"1", "tokens"}}); !errors.Is(err, ErrCost) || !strings.Contains(err.Error(), "more than 30 digits") {
		t.Fatalf("sum over the bound: %v", err)
	}
}

// TestProposalTriggerAndCostChecks: a proposal's trigger and cost are
// checked at file:line:col, field by field.
func TestProposalTriggerAndCostChecks(t *testing.T) {
	const file = "proposals/web-1/open.yaml"
	head := "instance: web-1\nworkflow: deploy\ntransition: open\nbase_state: none\nidem_key: web-1/open\n"
	tests := []struct {
		name string
		yaml string
		want want
	}{
		{"unquoted amount", "cost:\n  - amount: 12.50\n    unit: USD\n", want{file, 7, 13, "cost[0].amount", "expected string, got number"}},
		{"negative amount", "cost:\n  - amount: \"-3\"\n    unit: USD\n", want{file, 7, 13, "cost[0].amount", "non-negative decimal"}},
		{"too many decimals", "cost:\n  - amount: \"0.0000000001\"\n    unit: USD\n", want{file, 7, 13, "cost[0].amount", "9 after"}},
		{"bad unit", "cost:\n  - amount: \"1\"\n    unit: US Dollar\n", want{file, 8, 11, "cost[0].unit", "unit name"}},
		{"unit twice", "cost:\n  - amount: \"1\"\n    unit: USD\n  - amount: \"2\"\n    unit: USD\n", want{file, 10, 11, "cost[1].unit", `duplicate cost unit "USD" (first at line 8)`}},
		{"missing unit", "cost:\n  - amount: \"1\"\n", want{file, 7, 5, "cost[0]", "unit"}},
		{"unknown trigger kind", "trigger:\n  kind: pager\n  ref: INC-7\n", want{file, 7, 9, "trigger.kind", "incident"}},
		{"trigger url not http", "trigger:\n  kind: incident\n  url: ftp://x\n", want{file, 8, 8, "trigger.url", "http(s) URL"}},
		{"trigger without kind", "trigger:\n  ref: INC-7\n", want{file, 7, 3, "trigger", "kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{file: head + tt.yaml}
			ps := ValidateRepo(repo(files))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
	ok := head + "trigger:\n  kind: pull_request\n  ref: acme/web#12\n  url: https://github.example/acme/web/pull/12\ncost:\n  - amount: \"12.50\"\n    unit: USD\n  - amount: \"3400\"\n    unit: tokens\n"
	if ps := ValidateRepo(repo(map[string]string{file: ok})); len(ps) > 0 {
		t.Fatalf("a valid trigger and cost refused: %v", ps)
	}
	p, ps := LoadProposal(file, []byte(ok))
	if len(ps) > 0 || p.Trigger == nil || p.Trigger.Kind != TriggerPullRequest || len(p.Cost) != 2 || p.Cost[0] != (Cost{"12.50", "USD"}) {
		t.Fatalf("loaded %+v %v", p, ps)
	}
	// The proposal's canonical JSON carries them as written.
	b, err := CanonicalJSON(p)
	if err != nil || !strings.Contains(string(b), `"cost":[{"amount":"12.50","unit":"USD"},{"amount":"3400","unit":"tokens"}]`) ||
		!strings.Contains(string(b), `"trigger":{"kind":"pull_request","ref":"acme/web#12","url":"https://github.example/acme/web/pull/12"}`) {
		t.Fatalf("canonical JSON %s (%v)", b, err)
	}
}

// TestTotalCostsHasNoBound: a total of sums SumCosts accepted never fails,
// however many digits or units it reaches; only what no sum holds does.
func TestTotalCostsHasNoBound(t *testing.T) {
	max := strings.Repeat("9", MaxSumDigits)
	tests := []struct {
		name  string
		lists [][]Cost
		want  []Cost
		err   string
	}{
		{name: "two largest sums", lists: [][]Cost{{{Amount: max, Unit: "USD"}}, {{Amount: max + ".5", Unit: "USD"}}},
			want: []Cost{{Amount: "1" + strings.Repeat("9", MaxSumDigits-1) + "8.5", Unit: "USD"}}},
		{name: "units sorted", lists: [][]Cost{{{Amount: "1", Unit: "b"}}, {{Amount: "2.50", Unit: "a"}, {Amount: "1", Unit: "b"}}},
			want: []Cost{{Amount: "2.5", Unit: "a"}, {Amount: "2", Unit: "b"}}},
		{name: "none", want: []Cost{}},
		{name: "not a sum", lists: [][]Cost{{{Amount: max + "9", Unit: "USD"}}}, err: "unit USD"},
		{name: "no unit", lists: [][]Cost{{{Amount: "1"}}}, err: "without a unit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TotalCosts(tt.lists...)
			if tt.err != "" {
				if !errors.Is(err, ErrCost) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("TotalCosts = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	var many [][]Cost
	for i := range 3 * MaxCostUnits {
		many = append(many, []Cost{{Amount: "1", Unit: fmt.Sprintf("u%02d", i)}})
	}
	if got, err := TotalCosts(many...); err != nil || len(got) != 3*MaxCostUnits {
		t.Fatalf("%d units: %d, %v", 3*MaxCostUnits, len(got), err)
	}
}
