package engine

import (
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// rulesFiles are the paths that make up the rules of a control repo.
var rulesDirs = []string{"workflows", "policies"}

// ConfigFile is the control repo's main configuration file.
const ConfigFile = "writ.yaml"

// IsRulesPath reports whether a path is part of the rules (writ.yaml,
// workflows/, policies/): changing it is a governance change.
func IsRulesPath(p string) bool {
	if p == ConfigFile {
		return true
	}
	for _, d := range rulesDirs {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// LoadRules reads and validates the rules at a commit.
func LoadRules(store *gitstore.Store, commit plumbing.Hash) (*schemas.Bundle, error) {
	fsys := fstest.MapFS{}
	data, err := store.ReadFile(commit, ConfigFile)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %s: %w", shortHash(commit.String()), ConfigFile, err)
	}
	fsys[ConfigFile] = &fstest.MapFile{Data: data}
	for _, dir := range rulesDirs {
		files, err := store.ListFiles(commit, dir)
		if err != nil {
			return nil, fmt.Errorf("commit %s: list %s: %w", shortHash(commit.String()), dir, err)
		}
		for _, f := range files {
			b, err := store.ReadFile(commit, f)
			if err != nil {
				return nil, fmt.Errorf("commit %s: %s: %w", shortHash(commit.String()), f, err)
			}
			fsys[f] = &fstest.MapFile{Data: b}
		}
	}
	b, problems := schemas.LoadBundle(fsys)
	if len(problems) > 0 {
		return nil, fmt.Errorf("commit %s: rules do not validate: %w", shortHash(commit.String()), problems)
	}
	return b, nil
}

// RulesHash returns the hash Apply records for a rule set.
func RulesHash(b *schemas.Bundle) (string, error) {
	canon, err := schemas.CanonicalJSON(b)
	if err != nil {
		return "", fmt.Errorf("rules hash: %w", err)
	}
	return schemas.HashBytes(canon), nil
}
