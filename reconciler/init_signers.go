package reconciler

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/writ-dev/writ/schemas"
)

// signerPlan says, per identity of a template's writ.yaml, whether Init
// keeps its signers, and which identity is the reconciler.
type signerPlan struct {
	keep       map[string]bool
	missing    map[int]bool // index in identities: declares no signer
	reconciler string
}

// planSigners reads which identities declare signers.
func planSigners(cfg []byte, opt InitOptions) (signerPlan, error) {
	plan := signerPlan{keep: map[string]bool{}, missing: map[int]bool{}}
	keep := opt.KeepSigners || opt.OwnKeys
	var doc yaml.Node
	if err := yaml.Unmarshal(cfg, &doc); err != nil {
		return plan, fmt.Errorf("%s: %w", schemas.ConfigFile, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return plan, fmt.Errorf("%s: not a mapping", schemas.ConfigFile)
	}
	if r := mappingValue(doc.Content[0], "reconciler"); r != nil {
		if id := mappingValue(r, "identity"); id != nil {
			plan.reconciler = id.Value
		}
	}
	ids := mappingValue(doc.Content[0], "identities")
	if ids == nil || ids.Kind != yaml.SequenceNode {
		return plan, nil
	}
	for i, id := range ids.Content {
		name := mappingValue(id, "name")
		signers := mappingValue(id, "signers")
		declared := signers != nil && signers.Kind == yaml.SequenceNode && len(signers.Content) > 0
		if !declared {
			plan.missing[i] = true
			if opt.OwnKeys && name != nil && name.Value != plan.reconciler {
				return plan, fmt.Errorf("%s:%d: identity %s declares no signer, and init makes a key for the reconciler only: "+
					"give it the public key its person signs with (signers: ssh, pgp, x509 or keyless), or remove it and add it later with writ identity add; "+
					"--demo-keys makes throwaway keys for every identity instead", schemas.ConfigFile, id.Line, name.Value)
			}
		}
		if keep && declared && name != nil {
			plan.keep[name.Value] = true
		}
	}
	return plan, nil
}

// judged drops the problems Init is about to make moot: the missing
// signers of identities that declare none (they get a key), and without
// KeepSigners every problem of any identity's signers (they are replaced).
func (p signerPlan) judged(problems schemas.Problems, opt InitOptions) schemas.Problems {
	if !opt.KeepSigners && !opt.OwnKeys {
		problems = withoutSigners(problems)
	}
	var out schemas.Problems
	for _, pr := range problems {
		if pr.File == schemas.ConfigFile && p.aboutMissingSigners(pr) {
			continue
		}
		out = append(out, pr)
	}
	return out
}

func (p signerPlan) aboutMissingSigners(pr schemas.Problem) bool {
	for i := range p.missing {
		field := fmt.Sprintf("identities[%d]", i)
		if pr.Field == field+".signers" || strings.HasPrefix(pr.Field, field+".signers[") ||
			(pr.Field == field && strings.Contains(pr.Message, `"signers"`)) {
			return true
		}
	}
	return false
}

// withKeys rewrites writ.yaml's signers as plan and opt say: a fresh SSH
// key from keys for every identity whose signers are not kept, and one
// more (named "local") for a reconciler whose declared signers are kept.
func withKeys(cfg []byte, keys KeyGenerator, plan signerPlan) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(cfg, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.ConfigFile, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a mapping", schemas.ConfigFile)
	}
	ids := mappingValue(doc.Content[0], "identities")
	if ids == nil || ids.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: no identities list", schemas.ConfigFile)
	}
	for _, id := range ids.Content {
		name := mappingValue(id, "name")
		if name == nil {
			return nil, fmt.Errorf("%s:%d: identity without a name", schemas.ConfigFile, id.Line)
		}
		kept := plan.keep[name.Value]
		if kept && name.Value != plan.reconciler {
			continue
		}
		pub, err := keys.Generate(name.Value)
		if err != nil {
			return nil, fmt.Errorf("key for %s: %w", name.Value, err)
		}
		local := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "name"}, {Kind: yaml.ScalarNode, Value: "local"},
			{Kind: yaml.ScalarNode, Value: "ssh"},
			{Kind: yaml.ScalarNode, Value: strings.TrimSpace(pub), Style: yaml.DoubleQuotedStyle},
		}}
		v := mappingValue(id, "signers")
		switch {
		case kept:
			for _, s := range v.Content {
				if n := mappingValue(s, "name"); n != nil && n.Value == "local" {
					return nil, fmt.Errorf("%s:%d: the reconciler %s declares a signer named \"local\", the name init gives the key it adds: rename it", schemas.ConfigFile, n.Line, name.Value)
				}
			}
			v.Content = append(v.Content, local)
		case v != nil:
			*v = yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{local}}
		default:
			id.Content = append(id.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "signers"},
				&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{local}})
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", schemas.ConfigFile, err)
	}
	return out, nil
}
