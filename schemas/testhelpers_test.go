package schemas

import (
	"strings"
	"testing"
	"testing/fstest"
)

// Public keys only, from the release fixture.
const (
	keyAlice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHaABqDMoC3kd7gdheVLB2wVOuyXZ3/DA9ZJ1K6vvXxW alice@writ.example"
	keyBob   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDIOyhhv1TVX3uHDvCe5aA+y89jMNdnZjZ4i46d7Zpue bob@writ.example"
	keyBot   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK4wRn2RgIYZYUCs74uJwDLBjM3yN2S2FSPiHNQrgcaY writ-bot@writ.example"
)

// miniRepo is a small valid control repo; tests overlay files on it.
var miniRepo = map[string]string{
	"writ.yaml": `version: 1
repository: mini
reconciler:
  identity: bot
governance:
  policy: governance
roles: [sre]
identities:
  - name: alice
    kind: human
    roles: [sre]
    signers:
      - ssh: ` + keyAlice + `
  - name: bob
    kind: human
    roles: [sre]
    signers:
      - ssh: ` + keyBob + `
  - name: bot
    kind: agent
    capabilities: [reconcile]
    signers:
      - ssh: ` + keyBot + `
`,
	"policies/governance.yaml": `name: governance
rules:
  - name: two-sre
    count: 2
    roles: [sre]
`,
	"workflows/deploy.yaml": `name: deploy
states:
  - name: pending
  - name: done
    terminal: true
transitions:
  - name: open
    to: pending
  - name: finish
    from: [pending]
    to: done
`,
	"proposals/d-1/open.yaml": `instance: d-1
workflow: deploy
transition: open
base_state: none
idem_key: d-1/open
`,
}

// repo returns miniRepo with files replaced (an empty string deletes one).
func repo(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range miniRepo {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	for name, data := range files {
		if data == "" {
			delete(fsys, name)
			continue
		}
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// want describes one expected problem; Line or Column 0 means "any".
type want struct {
	file         string
	line, column int
	field        string
	message      string // substring
}

func (w want) matches(p Problem) bool {
	return p.File == w.file && (w.line == 0 || p.Line == w.line) &&
		(w.column == 0 || p.Column == w.column) && p.Field == w.field &&
		strings.Contains(p.Message, w.message)
}

// expectProblem fails unless some problem matches w.
func expectProblem(t *testing.T, ps Problems, w want) {
	t.Helper()
	for _, p := range ps {
		if w.matches(p) {
			return
		}
	}
	t.Errorf("no problem matches %+v; got:\n%s", w, ps.Error())
}

// checkInvariants asserts what every problem must satisfy.
func checkInvariants(t *testing.T, ps Problems) {
	t.Helper()
	for _, p := range ps {
		if p.File == "" || p.Field == "" || p.Message == "" {
			t.Errorf("incomplete problem %#v", p)
		}
		if p.Line < 0 || p.Column < 0 || (p.Line == 0 && p.Field != FieldFile) {
			t.Errorf("badly positioned problem %#v", p)
		}
	}
}
