package reconciler

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// KeyGenerator makes a key for an identity and returns its public key in
// authorized_keys form.
type KeyGenerator interface {
	Generate(identity string) (string, error)
}

// AllowedSignersFile is where Init writes git's allowed-signers file,
// relative to the git directory.
const AllowedSignersFile = "writ/allowed_signers"

// ActionWorkflowsDir is where a control repo keeps its GitHub Actions
// workflows: ordinary governed files, changed only by a rule change.
const ActionWorkflowsDir = ".github/workflows"

// InitOptions are what Init adds to a template.
type InitOptions struct {
	// ActionWorkflows are GitHub Actions workflow files, keyed by file
	// name, that genesis holds under .github/workflows/ when the template
	// has no file there (a template with its own workflows keeps them
	// alone). Nil adds none.
	ActionWorkflows map[string][]byte
	// KeepSigners keeps the signers the template declares, so that a team
	// starts with the keys its people already sign with (SSH, OpenPGP,
	// x509, gitsign). Only identities that declare no signer get a fresh
	// SSH key; the reconciler always gets one added (named "local": it
	// signs the genesis entry here), beside any it declares. Without it,
	// every identity's signers are replaced by a fresh key (the demo).
	KeepSigners bool
	// OwnKeys is real use: every signer the template declares is kept
	// (as with KeepSigners) and the only key made is the reconciler's, so
	// no person's private key is ever written by Init. An identity other
	// than the reconciler that declares no signer is an error naming it:
	// give it its own public key, or add it later with a governed rules
	// change (writ identity add).
	OwnKeys bool
}

// Init is InitWith with no options: genesis holds the template's governed
// files and nothing more.
func (e *Engine) Init(template fs.FS, keys KeyGenerator) (plumbing.Hash, error) {
	return e.InitWith(template, keys, InitOptions{})
}

// InitWith creates a control repo in the Store from a template holding
// writ.yaml, workflows/, policies/ and trust/, and any ordinary files
// (README.md, CODEOWNERS, docs/, .github/): every governed file of the
// template (schemas.ReadGoverned: all but proposals/ and .git, regular
// files only) goes into genesis, plus opts.ActionWorkflows. It gives every
// identity a fresh SSH key (replacing the template's signers), validates
// the rules, writes the signed genesis entry as main's first commit,
// writes a checkpoint, and configures the repository so stock `git log
// --show-signature` and `git verify-commit` check signatures against
// writ.yaml's keys. With opts.KeepSigners the template's declared signers
// are kept (see InitOptions).
func (e *Engine) InitWith(template fs.FS, keys KeyGenerator, opts InitOptions) (plumbing.Hash, error) {
	files, err := readTemplate(template)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	addActionWorkflows(files, opts.ActionWorkflows)
	plan, err := planSigners(files[schemas.ConfigFile], opts)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	// Judge the template as the user wrote it, so problems point into
	// their files; signers about to be replaced or added do not count.
	// Nothing is written before this passes.
	if _, problems := schemas.LoadBundle(mapFSOf(files)); len(plan.judged(problems, opts)) > 0 {
		return plumbing.ZeroHash, fmt.Errorf("template rules do not validate: %w", plan.judged(problems, opts))
	}
	cfg, err := withKeys(files[schemas.ConfigFile], keys, plan)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	// writ.yaml is rewritten anyway: it gets the line naming its schema.
	files[schemas.ConfigFile] = schemas.WithModeline(schemas.ConfigFile, cfg, e.SchemaRef)
	mapFS := mapFSOf(files)
	rules, problems := schemas.LoadBundle(mapFS)
	if len(problems) > 0 {
		return plumbing.ZeroHash, fmt.Errorf("writ.yaml with fresh keys does not validate: %w", problems)
	}
	for _, p := range rules.Config.TrustPaths() {
		b, ok := files[p]
		if !ok {
			return plumbing.ZeroHash, fmt.Errorf("template: trust file %s is missing (trust files live under %s/)", p, schemas.TrustDir)
		}
		if rules.TrustFiles == nil {
			rules.TrustFiles = map[string][]byte{}
		}
		rules.TrustFiles[p] = b
	}
	if _, err := intake.RingOf(rules); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("template: %w", err)
	}
	hash, err := core.HashRules(rules)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	id := rules.Config.Reconciler.Identity
	entry := core.Entry{Kind: core.KindGenesis, HLC: core.NextHLC(core.HLC{}, e.now().UnixMilli()),
		Signer: id, IdemKey: "genesis", Rules: rules}
	pre := core.NewState()
	post, out, err := core.Apply(pre, entry)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("genesis: %w", err)
	}
	if out.Status != core.StatusApplied {
		return plumbing.ZeroHash, fmt.Errorf("genesis does not apply: %s", out.Reason)
	}
	msg, err := wal.Encode(wal.Record{Entry: entry, RulesHash: hash, Guards: out.Guards,
		Summary:  "Genesis: the rules in writ.yaml, workflows/ and policies/ are in force.",
		StatePre: pre.Hash(), StatePost: post.Hash()})
	if err != nil {
		return plumbing.ZeroHash, err
	}
	signer, err := e.Keys.Signer(id)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	commit, err := e.Store.WriteCommit(gitstore.CommitRequest{Files: files, Message: msg,
		Author: e.signature(rules, id), Committer: e.signature(rules, id), Signer: signer})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write genesis: %w", err)
	}
	if err := e.Store.CompareAndSwap(gitstore.MainRef, plumbing.ZeroHash, commit); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("genesis: %w", err)
	}
	if err := e.checkpoint(post, plumbing.ZeroHash, commit); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := e.configureGit(rules, !opts.OwnKeys); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := e.Store.SyncWorktree(plumbing.ZeroHash, commit); err != nil {
		return plumbing.ZeroHash, err
	}
	return commit, nil
}

// configureGit points stock git at writ's keys: an allowed-signers file
// exported from writ.yaml, and with sshFormat gpg.format=ssh (for the
// convenience keys; with people's own keys their own git configuration
// says how they sign, and the repository must not override it).
func (e *Engine) configureGit(rules *schemas.Bundle, sshFormat bool) error {
	allowed, err := signing.AllowedSigners(rules.Config.Identities)
	if err != nil {
		return err
	}
	// git resolves a relative path against its own working directory, so
	// the configured path must be absolute.
	path, err := filepath.Abs(filepath.Join(e.Store.GitDir(), AllowedSignersFile))
	if err != nil {
		return fmt.Errorf("allowed signers path: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(allowed), 0o644); err != nil {
		return fmt.Errorf("write allowed signers: %w", err)
	}
	opts := []gitstore.ConfigOption{{Section: "gpg", Subsection: "ssh", Key: "allowedSignersFile", Value: path}}
	if sshFormat {
		opts = append(opts, gitstore.ConfigOption{Section: "gpg", Key: "format", Value: "ssh"})
	}
	return e.Store.SetConfig(opts...)
}

// readTemplate reads the governed files of a template (the rules,
// writ.yaml and workflows/, policies/, trust/, and ordinary files; not
// proposals/ or .git), only as regular files: a symlink or an executable
// is refused by path (see schemas.ReadGoverned).
func readTemplate(template fs.FS) (map[string][]byte, error) {
	files, err := schemas.ReadGoverned(template)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	if _, ok := files[schemas.ConfigFile]; !ok {
		return nil, fmt.Errorf("template has no %s", schemas.ConfigFile)
	}
	return files, nil
}

// addActionWorkflows adds workflows under .github/workflows/ to files,
// unless files hold a file there already.
func addActionWorkflows(files map[string][]byte, workflows map[string][]byte) {
	for p := range files {
		if strings.HasPrefix(p, ActionWorkflowsDir+"/") {
			return
		}
	}
	for name, b := range workflows {
		files[ActionWorkflowsDir+"/"+name] = b
	}
}

// withoutSigners drops the problems of identities' signers, which Init
// replaces anyway.
func withoutSigners(problems schemas.Problems) schemas.Problems {
	var out schemas.Problems
	for _, p := range problems {
		if p.File == schemas.ConfigFile && strings.Contains(p.Field, ".signers") {
			continue
		}
		out = append(out, p)
	}
	return out
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapFSOf wraps files as an in-memory fs.FS.
func mapFSOf(files map[string][]byte) fs.FS {
	m := fstest.MapFS{}
	for n, b := range files {
		m[n] = &fstest.MapFile{Data: b}
	}
	return m
}
