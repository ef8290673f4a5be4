package core

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"testing"
)

// TestTaskIDHashesTheDocumentedJSON pins exactly what a task id is: the
// SHA-256 of the canonical JSON written in TaskID's contract.
func TestTaskIDHashesTheDocumentedJSON(t *testing.T) {
	payload := map[string]any{"b": []any{true, nil}, "a": 1}
	got, err := TaskID("patch", payload, "lineage-1")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(`{"domain":"writ/task/v1","origin":"lineage-1","payload":{"a":1,"b":[true,null]},"type":"patch"}`))
	if want := "sha256:" + hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("TaskID = %s, want %s", got, want)
	}
}

func TestTaskID(t *testing.T) {
	type node struct {
		Name string `json:"name"`
		Port int    `json:"port"`
	}
	base := map[string]any{"node": "n1", "rules": map[string]any{"x": 1, "y": "z"}}
	baseID, err := TaskID("harden", base, "g1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		typ     string
		payload any
		origin  string
		same    bool // same id as base
	}{
		{"identical", "harden", map[string]any{"node": "n1", "rules": map[string]any{"x": 1, "y": "z"}}, "g1", true},
		{"keys inserted in another order", "harden", func() map[string]any {
			m := map[string]any{}
			m["rules"] = map[string]any{"y": "z", "x": 1}
			m["node"] = "n1"
			return m
		}(), "g1", true},
		{"number of another Go type", "harden", map[string]any{"node": "n1", "rules": map[string]any{"x": 1.0, "y": "z"}}, "g1", true},
		{"int64 number", "harden", map[string]any{"node": "n1", "rules": map[string]any{"x": int64(1), "y": "z"}}, "g1", true},
		{"other type", "patch", base, "g1", false},
		{"other origin", "harden", base, "g2", false},
		{"other payload value", "harden", map[string]any{"node": "n2", "rules": map[string]any{"x": 1, "y": "z"}}, "g1", false},
		{"extra payload key", "harden", map[string]any{"node": "n1", "rules": map[string]any{"x": 1, "y": "z"}, "k": nil}, "g1", false},
		{"nil payload", "harden", nil, "g1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := TaskID(tt.typ, tt.payload, tt.origin)
			if err != nil {
				t.Fatal(err)
			}
			if (id == baseID) != tt.same {
				t.Fatalf("TaskID = %s, base %s; want same=%v", id, baseID, tt.same)
			}
		})
	}
	t.Run("struct and map with the same JSON", func(t *testing.T) {
		a, _ := TaskID("open", node{Name: "n", Port: 22}, "g")
		b, _ := TaskID("open", map[string]any{"port": 22, "name": "n"}, "g")
		if a != b || a == "" {
			t.Fatalf("struct %s != map %s", a, b)
		}
	})
	t.Run("nil payload differs from empty object", func(t *testing.T) {
		a, _ := TaskID("t", nil, "g")
		b, _ := TaskID("t", map[string]any{}, "g")
		if a == b {
			t.Fatalf("nil and {} both give %s", a)
		}
	})
}

func TestTaskIDErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		typ     string
		payload any
	}{
		{"empty type", "", map[string]any{}},
		{"NaN payload", "t", math.NaN()},
		{"func payload", "t", func() {}},
		{"channel in a map", "t", map[string]any{"c": make(chan int)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id, err := TaskID(tt.typ, tt.payload, "g")
			if !errors.Is(err, ErrTaskIdentity) || id != "" {
				t.Fatalf("TaskID = %q, %v; want ErrTaskIdentity", id, err)
			}
		})
	}
}
