package core

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/writ-dev/writ/schemas"
)

// PlanContext is what the plan a decider is shown (plan.View: the move,
// its guards, the judging policy, the proposal's own words, the diff of a
// rules change) is a pure function of, reduced to names and hashes. Its
// Digest is what a decision records as the plan its decider saw
// (policies.Decision.Plan), so the WAL entry proves what each human was
// shown and an auditor can re-render it from a clone.
//
// A plan changes when the proposal's content changes, when the instance
// moves (Base), and when the workflow or the policy that judges the move is
// edited; for a rules change or a recovery, when the rules in force change.
// An edit elsewhere in the rules (another workflow, another policy) leaves
// a transition's plan, and the approvals of it, intact.
type PlanContext struct {
	// Fields are in the order of their JSON keys, so that the struct's
	// JSON is its canonical JSON (see Digest).

	// Base is the proposal's base_state: the instance's state hash the
	// move starts from (schemas.BaseStateNone to create it), or for a
	// rules change the rules hash it replaces.
	Base string `json:"base"`
	// Content is the content hash of the proposal (policies.Subject).
	Content string `json:"content"`
	// Instance names the instance a transition moves.
	Instance string `json:"instance,omitempty"`
	// Kind is "transition" (what a rejection of one was shown, too),
	// "rules" or "recover".
	Kind EntryKind `json:"kind"`
	// Workflow and Policy are "name@version", the version being the hash
	// of the definition's canonical JSON; Policy is empty when the move
	// needs no approval. For a rules change or a recovery Policy is the
	// governance policy and Rules the hash of the rules in force.
	Policy   string `json:"policy,omitempty"`
	Rules    string `json:"rules,omitempty"`
	Workflow string `json:"workflow,omitempty"`
}

// Digest is the hash of the context's canonical JSON (schemas.CanonicalJSON),
// "sha256:<hex>". Every field is a string and the fields are in key
// order, so encoding the struct once gives those bytes (invalid UTF-8
// spelled U+FFFD first, as the canonical round trip does).
func (c PlanContext) Digest() string {
	for _, f := range []*string{&c.Base, &c.Content, &c.Instance, (*string)(&c.Kind), &c.Policy, &c.Rules, &c.Workflow} {
		if !utf8.ValidString(*f) {
			*f = validUTF8(*f)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return ""
	}
	return schemas.HashBytes(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// PlanContextOf returns the context of the plan a decider of an entry of
// kind kind, for proposal p with content hash content, is shown under
// rules, whose hash is rulesHash. A reject or withdraw entry is judged on
// the plan of the proposal it closes: a transition's, or for a rules
// change or a recovery (workflow "rules") the governed one; rules and
// recover entries by the governance policy. A workflow, transition or policy p names that does not exist is
// left out (Apply refuses such a proposal). It is pure.
func PlanContextOf(rules *schemas.Bundle, rulesHash string, kind EntryKind, p *schemas.Proposal, content string) PlanContext {
	return planContext(rules, rulesHash, kind, p, content, VersionOf)
}

// planContext is PlanContextOf with the versions of definitions taken
// from version.
func planContext(rules *schemas.Bundle, rulesHash string, kind EntryKind, p *schemas.Proposal, content string, version func(any) string) PlanContext {
	c := PlanContext{Kind: KindTransition, Content: content}
	if p != nil {
		c.Base = p.BaseState
	}
	if (kind == KindReject || kind == KindWithdraw) && p != nil && p.Workflow == schemas.RulesInstance {
		// Closing a rules change or a recovery: its plan is the governed one.
		kind = KindRules
		if p.Transition == schemas.RecoverTransition {
			kind = KindRecover
		}
	}
	governed := kind == KindRules || kind == KindRecover
	if governed {
		c.Kind, c.Rules = kind, rulesHash
	} else if p != nil {
		c.Instance = p.Instance
		if rules != nil {
			if wf, ok := rules.Workflow(p.Workflow); ok {
				c.Workflow = wf.Name + "@" + version(wf)
			} else if g, ok := rules.Goal(p.Workflow); ok {
				c.Kind, c.Workflow = KindGoal, g.Name+"@"+version(g)
			}
		}
	}
	if pol, ok := PolicyOf(rules, p, governed); ok {
		c.Policy = pol.Name + "@" + version(pol)
	}
	return c
}

// planContextIn is PlanContextOf for an entry judged in s, the versions
// remembered by s's rules (see versionMemo).
func planContextIn(s State, e Entry) PlanContext {
	return planContext(s.rules, s.rulesHash, e.Kind, e.Proposal, e.Subject.Content, s.versions.of)
}

// VersionOf is the version of a definition (a workflow, a policy): the
// hash of its canonical JSON, "" when it does not encode.
func VersionOf(v any) string {
	b, err := schemas.CanonicalJSON(v)
	if err != nil {
		return ""
	}
	return schemas.HashBytes(b)
}

// planDigest is the digest of the plan of e judged in s, which the policy
// compares with the plan each decision records; "" when no decision
// records one, so entries without such decisions pay nothing for it.
func planDigest(s State, e Entry) string {
	for _, d := range e.Decisions {
		if d.Plan != "" {
			return planContextIn(s, e).Digest()
		}
	}
	return ""
}

// versionMemo remembers the versions (VersionOf) of the workflows and
// policies of one rules bundle, each computed on first use: hashing a
// definition's canonical JSON costs far more than the rest of judging an
// entry, and a bundle never changes once a State holds it. States that
// share the bundle share the memo; a nil memo computes every time. It
// changes no result, only when the work is done.
type versionMemo struct {
	mu sync.Mutex
	m  map[any]string
}

func newVersionMemo() *versionMemo { return &versionMemo{m: map[any]string{}} }

// of returns VersionOf(def), def a *schemas.Workflow or *schemas.Policy of
// the memo's bundle (keyed by pointer: the bundle is never changed).
func (v *versionMemo) of(def any) string {
	if v == nil {
		return VersionOf(def)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if got, ok := v.m[def]; ok {
		return got
	}
	got := VersionOf(def)
	v.m[def] = got
	return got
}

// validUTF8 replaces each byte of s that is not part of valid UTF-8 with
// U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
