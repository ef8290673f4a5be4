package reconciler

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/writ-dev/writ/schemas"
)

// AddIdentityRequest asks for a rule change that adds one identity to
// writ.yaml: a person or agent with their own signer (the public half
// only), proposed by As and judged by the governance policy in force.
type AddIdentityRequest struct {
	As            string
	Name          string // proposal name; default "identity-<identity>"
	Justification string
	Identity      schemas.Identity
}

// ProposeIdentityWith proposes writ.yaml on l.Head with req.Identity
// appended to its identities (comments and the rest of the file kept as
// written) as a governed rule change (ProposeRulesWith): the rules with
// the new identity must validate, and nothing is written otherwise. An
// identity whose name writ.yaml already holds is refused (ErrRefused)
// with the line it is on.
func (e *Engine) ProposeIdentityWith(l *Loaded, req AddIdentityRequest) (*Proposed, error) {
	raw, err := e.Store.ReadFile(l.Head, schemas.ConfigFile)
	if err != nil {
		return nil, fmt.Errorf("read %s on main: %w", schemas.ConfigFile, err)
	}
	cfg, err := withIdentity(raw, req.Identity)
	if err != nil {
		return nil, err
	}
	name := req.Name
	if name == "" {
		name = "identity-" + req.Identity.Name
	}
	return e.ProposeRulesWith(l, ProposeRulesRequest{As: req.As, Name: name, Justification: req.Justification,
		Files: map[string][]byte{schemas.ConfigFile: cfg}})
}

// withIdentity appends id to the identities of writ.yaml cfg.
func withIdentity(cfg []byte, id schemas.Identity) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(cfg, &doc); err != nil {
		return nil, fmt.Errorf("%s on main: %w", schemas.ConfigFile, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s on main: not a mapping", schemas.ConfigFile)
	}
	ids := mappingValue(doc.Content[0], "identities")
	if ids == nil || ids.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s on main: no identities list", schemas.ConfigFile)
	}
	for _, n := range ids.Content {
		if v := mappingValue(n, "name"); v != nil && v.Value == id.Name {
			return nil, fmt.Errorf("%w: identity %q already exists (%s:%d); to change its signers, edit %s and run writ propose --rules",
				ErrRefused, id.Name, schemas.ConfigFile, v.Line, schemas.ConfigFile)
		}
	}
	var node yaml.Node
	if err := node.Encode(id); err != nil {
		return nil, fmt.Errorf("encode identity %s: %w", id.Name, err)
	}
	ids.Content = append(ids.Content, &node)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.ConfigFile, err)
	}
	return out, nil
}
