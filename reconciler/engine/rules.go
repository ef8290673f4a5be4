package engine

import (
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/schemas"
)

// rulesFiles are the paths that make up the rules of a control repo.
var rulesDirs = []string{"workflows", "policies"}

// TrustDir holds trust roots (Fulcio, TSA, Rekor, x509 CAs). Its files are
// rules too: changing them is a governance change.
const TrustDir = "trust"

// ConfigFile is the control repo's main configuration file.
const ConfigFile = "writ.yaml"

// IsRulesPath reports whether a path is part of the rules (writ.yaml,
// workflows/, policies/): changing it is a governance change.
func IsRulesPath(p string) bool {
	if p == ConfigFile {
		return true
	}
	for _, d := range append(rulesDirs, TrustDir) {
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
	for _, dir := range append(rulesDirs, TrustDir) {
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
	if paths := b.Config.TrustPaths(); len(paths) > 0 {
		b.TrustFiles = map[string][]byte{}
		for _, p := range paths {
			data, err := store.ReadFile(commit, p)
			if err != nil {
				return nil, fmt.Errorf("commit %s: trust file %s: %w", shortHash(commit.String()), p, err)
			}
			b.TrustFiles[p] = data
		}
	}
	if _, err := RingOf(b); err != nil {
		return nil, fmt.Errorf("commit %s: %w", shortHash(commit.String()), err)
	}
	return b, nil
}

// RingOf builds the key ring of a rule set: every signer of writ.yaml plus
// the trust roots, from the trust files the rules carry.
func RingOf(rules *schemas.Bundle) (*signing.KeyRing, error) {
	ring, err := signing.NewTrust(&rules.Config, func(p string) ([]byte, error) {
		b, ok := rules.TrustFiles[p]
		if !ok {
			return nil, fmt.Errorf("trust file %s is not part of the rules", p)
		}
		return b, nil
	})
	if err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	return ring, nil
}
