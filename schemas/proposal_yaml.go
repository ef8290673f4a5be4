package schemas

import (
	"strings"
)

// ProposalIsYAML reports whether data is, byte for byte, the YAML writ
// writes for p (yaml.v3's Marshal of the Proposal, as a proposal commit
// holds it) and p passes the proposal schema. When it does, LoadProposal
// returns no problems for data and a proposal whose canonical JSON equals
// p's, so a caller that would load data only to compare it with p may skip
// the load. It is much cheaper than that load, and safe for concurrent use.
//
// It recognises only simple proposals: every string is a one-line plain
// YAML scalar of ASCII letters, digits, single spaces and a few punctuation
// marks, which reads back as that very string. Inputs may nest, as a goal
// action's do (a declare-block's prerequisite {type, payload, members}):
// mappings, lists, and scalars that are such strings (or, without spaces,
// double-quoted where yaml.v3 quotes them, as "n" or "5216"), booleans or
// integer json.Numbers, each written as yaml.v3 writes it with map keys in
// bytewise order. A first line as Modeline writes it (a comment) is
// allowed.
// False means "not shown", never "different": load data the full way then.
func ProposalIsYAML(data []byte, p *Proposal) bool {
	if p == nil || len(data) > MaxFileSize {
		return false
	}
	// The yaml-language-server line writ puts first is a comment.
	data, _ = cutModeline(data)
	m := yamlMatch{data: data, ok: true}
	return m.proposal(p) && m.off == len(data)
}

// ProposalYAML returns the YAML ProposalIsYAML vouches for as p, without a
// modeline: ok is false where it would vouch for none. When ok,
// ProposalIsYAML(out, p) is true, and so it is for out after any first
// line Modeline writes as long as the whole is at most MaxFileSize bytes
// (a caller that prefixes a line must check that). A reader that knows a
// file's object name can hash out instead of reading the file: equal
// names are equal bytes.
func ProposalYAML(p *Proposal) (out []byte, ok bool) {
	if p == nil {
		return nil, false
	}
	m := yamlMatch{write: true, ok: true}
	if !m.proposal(p) || len(m.out) > MaxFileSize {
		return nil, false
	}
	return m.out, true
}

// proposal matches (or writes) p's YAML and reports whether all of it
// matched and p passes the proposal schema; a matcher must then have met
// the end of its data too.
func (m *yamlMatch) proposal(p *Proposal) bool {
	if p.Trigger != nil || len(p.Cost) > 0 {
		return false
	}
	m.field("", "instance", p.Instance)
	m.field("", "workflow", p.Workflow)
	m.field("", "transition", p.Transition)
	m.field("", "base_state", p.BaseState)
	m.field("", "idem_key", p.IdemKey)
	if p.Owner != "" {
		m.field("", "owner", p.Owner)
	}
	if p.Materiality != "" {
		m.field("", "materiality", string(p.Materiality))
	}
	if len(p.Inputs) > 0 {
		m.lit("inputs:\n")
		m.mapping(p.Inputs, 4, 4, false, 1)
	}
	if len(p.Evidence) > 0 {
		m.lit("evidence:\n")
		for _, e := range p.Evidence {
			m.field("    - ", "name", e.Name)
			if e.URI != "" {
				m.field("      ", "uri", e.URI)
			}
			if e.Digest != "" {
				m.field("      ", "digest", e.Digest)
			}
		}
	}
	if p.Justification != "" {
		m.field("", "justification", p.Justification)
	}
	return m.ok && validSimpleProposal(p)
}

// yamlMatch compares data, piece by piece, with a rendering written to it;
// with write set it appends the rendering to out instead.
type yamlMatch struct {
	data  []byte
	off   int
	ok    bool
	write bool
	out   []byte
}

// lit matches (or writes) s.
func (m *yamlMatch) lit(s string) {
	if !m.ok {
		return
	}
	if m.write {
		m.out = append(m.out, s...)
		return
	}
	if len(m.data)-m.off < len(s) || string(m.data[m.off:m.off+len(s)]) != s {
		m.ok = false
		return
	}
	m.off += len(s)
}

// field matches the line "<indent><key>: <value>\n", where key and value
// must be plain scalars.
func (m *yamlMatch) field(indent, key, value string) {
	if !plainScalar(key) || !plainScalar(value) {
		m.ok = false
		return
	}
	m.lit(indent)
	m.lit(key)
	m.lit(": ")
	m.lit(value)
	m.lit("\n")
}

// plainScalar reports whether s, written unquoted on one line in a block
// mapping, is a plain YAML scalar that reads back as the string s. It is
// deliberately narrow: an ASCII letter first; then letters, digits,
// ".", "_", "-", "/", "+", "@", single spaces between other characters,
// and ":" only before a character other than a space; and not one of the
// words YAML reads, or yaml.v3 writes, as something other than a string
// (true, null, yes, off, ...).
func plainScalar(s string) bool {
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case isASCIILetter(c), c >= '0' && c <= '9':
		case c == '.', c == '_', c == '-', c == '/', c == '+', c == '@':
		case c == ' ', c == ':':
			if i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		default:
			return false
		}
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true", "false", "null", "y", "yes", "n", "no", "on", "off":
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// validSimpleProposal validates p, whose strings are all plain scalars
// (see ProposalIsYAML), against the proposal schema, as the loader would
// validate the value it reads from p's YAML: a mapping of the fields
// yaml.v3 writes, every scalar a string.
func validSimpleProposal(p *Proposal) bool {
	return surelyValidProposal(p) || schemaValidSimpleProposal(p)
}

// schemaValidSimpleProposal is validSimpleProposal by the schema alone.
func schemaValidSimpleProposal(p *Proposal) bool {
	set, err := compiledSchemas()
	if err != nil {
		return false
	}
	v := map[string]any{
		"instance":   p.Instance,
		"workflow":   p.Workflow,
		"transition": p.Transition,
		"base_state": p.BaseState,
		"idem_key":   p.IdemKey,
	}
	if p.Owner != "" {
		v["owner"] = p.Owner
	}
	if p.Materiality != "" {
		v["materiality"] = string(p.Materiality)
	}
	if len(p.Inputs) > 0 {
		// Every value is a string (ProposalIsYAML checked), as the loader
		// would read it; validation only reads the map.
		v["inputs"] = p.Inputs
	}
	if len(p.Evidence) > 0 {
		ev := make([]any, len(p.Evidence))
		for i, e := range p.Evidence {
			item := map[string]any{"name": e.Name}
			if e.URI != "" {
				item["uri"] = e.URI
			}
			if e.Digest != "" {
				item["digest"] = e.Digest
			}
			ev[i] = item
		}
		v["evidence"] = ev
	}
	if p.Justification != "" {
		v["justification"] = p.Justification
	}
	return set.compiled[KindProposal].Validate(v) == nil
}

// surelyValidProposal reports whether p certainly passes the proposal
// schema, checked by hand for the common shape (ASCII fields; evidence
// of printable ASCII), so replay need not build a document for the
// validator per entry. False means "not sure": the caller validates
// against the schema. It must never say true where the schema says no
// (TestSurelyValidProposal holds it to the schema).
func surelyValidProposal(p *Proposal) bool {
	if p.Trigger != nil || len(p.Cost) > 0 {
		return false
	}
	for _, e := range p.Evidence {
		// name: 1–256 characters; uri: at least one (absent when empty);
		// digest: "<a-z0-9>+:<0-9a-f>+" (absent when empty).
		if !asciiBetween(e.Name, ' ', '~') || (e.URI != "" && !asciiBetween(e.URI, ' ', '~')) || (e.Digest != "" && !evidenceDigest(e.Digest)) {
			return false
		}
	}
	if !schemaName(p.Instance) || !schemaName(p.Workflow) || !schemaName(p.Transition) {
		return false
	}
	if p.BaseState != "none" && !IsSHA256Hash(p.BaseState) {
		return false
	}
	// idem_key: 1–256 characters, no whitespace; owner: absent or 1–256
	// characters on one line. Printable ASCII only, so bytes are characters.
	if !asciiBetween(p.IdemKey, '!', '~') || (p.Owner != "" && !asciiBetween(p.Owner, ' ', '~')) {
		return false
	}
	switch p.Materiality {
	case "", "low", "medium", "high":
	default:
		return false
	}
	return true
}

// evidenceDigest reports whether s matches the schema's evidence digest:
// an algorithm of a-z and 0-9, ":", then lowercase hex digits.
func evidenceDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	if !ok || alg == "" || hex == "" {
		return false
	}
	for i := 0; i < len(alg); i++ {
		if c := alg[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return lowerHex(hex)
}

// schemaName is the schema's name: 1–128 of a-z, 0-9, '.', '_', '-',
// starting with a letter or digit.
func schemaName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// IsSHA256Hash reports whether s is "sha256:" and 64 lowercase hex
// digits: the form of every content, state, rules and plan hash writ
// records (HashBytes).
func IsSHA256Hash(s string) bool {
	hex, ok := strings.CutPrefix(s, "sha256:")
	return ok && len(hex) == 64 && lowerHex(hex)
}

// lowerHex reports whether every byte of s is a lowercase hex digit.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// asciiBetween reports whether s is 1–256 bytes, each within [lo, hi].
func asciiBetween(s string, lo, hi byte) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < lo || s[i] > hi {
			return false
		}
	}
	return true
}
