package intake

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/schemas"
)

// LoadRules reads and validates the rules at a commit.
func LoadRules(store *gitstore.Store, commit plumbing.Hash) (*schemas.Bundle, error) {
	return loadRules(commitFiles{store: store, commit: commit}, "commit "+shortHash(commit.String()))
}

// LoadRulesAs is LoadRules with errors labelled by label rather than by
// the commit (replay names the entry's commit itself).
func LoadRulesAs(store *gitstore.Store, commit plumbing.Hash, label string) (*schemas.Bundle, error) {
	return loadRules(commitFiles{store: store, commit: commit}, label)
}

// LoadRulesChanged reads and validates the rules a change to a commit
// gives: the commit's files with files written over them and deleted
// removed. A rule change is judged and applied with these rules, which are
// exactly what its merge onto that commit will hold.
func LoadRulesChanged(store *gitstore.Store, commit plumbing.Hash, files map[string][]byte, deleted []string) (*schemas.Bundle, error) {
	src := overlayFiles{base: commitFiles{store: store, commit: commit}, files: files, deleted: map[string]bool{}}
	for _, d := range deleted {
		src.deleted[d] = true
	}
	return loadRules(src, "main "+shortHash(commit.String())+" with the proposed changes")
}

// ruleFiles is where rules are read from.
type ruleFiles interface {
	read(path string) ([]byte, error)
	list(dir string) ([]string, error)
}

// commitFiles are the files of a commit's tree.
type commitFiles struct {
	store  *gitstore.Store
	commit plumbing.Hash
}

// read returns the file at path. A file that is not a regular file gives
// gitstore.RegularFile's error alone, which names the path and its kind.
func (c commitFiles) read(path string) ([]byte, error) {
	if mode, err := c.store.FileMode(c.commit, path); err == nil {
		if err := gitstore.RegularFile(path, mode); err != nil {
			return nil, err
		}
	}
	return c.store.ReadFile(c.commit, path)
}

func (c commitFiles) list(dir string) ([]string, error) { return c.store.ListFiles(c.commit, dir) }

// overlayFiles are base's files with files written and deleted removed.
type overlayFiles struct {
	base    ruleFiles
	files   map[string][]byte
	deleted map[string]bool
}

func (c overlayFiles) read(path string) ([]byte, error) {
	if b, ok := c.files[path]; ok {
		return b, nil
	}
	if c.deleted[path] {
		return nil, fmt.Errorf("read %s: %w", path, gitstore.ErrNotFound)
	}
	return c.base.read(path)
}

func (c overlayFiles) list(dir string) ([]string, error) {
	base, err := c.base.list(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range base {
		if !c.deleted[f] && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for f := range c.files {
		if strings.HasPrefix(f, dir+"/") && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out, nil
}

func loadRules(src ruleFiles, where string) (*schemas.Bundle, error) {
	fsys := fstest.MapFS{}
	data, err := src.read(schemas.ConfigFile)
	if errors.Is(err, gitstore.ErrNotRegular) {
		return nil, fmt.Errorf("%s: %w", where, err) // the error names writ.yaml
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", where, schemas.ConfigFile, err)
	}
	fsys[schemas.ConfigFile] = &fstest.MapFile{Data: data}
	for _, dir := range schemas.RulesDirs() {
		files, err := src.list(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: list %s: %w", where, dir, err)
		}
		for _, f := range files {
			b, err := src.read(f)
			if errors.Is(err, gitstore.ErrNotRegular) {
				return nil, fmt.Errorf("%s: %w", where, err) // the error names f
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", where, f, err)
			}
			fsys[f] = &fstest.MapFile{Data: b}
		}
	}
	b, problems := schemas.LoadBundle(fsys)
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: rules do not validate: %w", where, problems)
	}
	if paths := b.Config.TrustPaths(); len(paths) > 0 {
		b.TrustFiles = map[string][]byte{}
		for _, p := range paths {
			data, err := src.read(p)
			if err != nil {
				return nil, fmt.Errorf("%s: trust file %s: %w", where, p, err)
			}
			b.TrustFiles[p] = data
		}
	}
	if _, err := RingOf(b); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
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
