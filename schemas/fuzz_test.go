package schemas

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to every loader, as every kind (goals and
// goal actions too). Loading must never panic, and every problem must name
// its file and a line (0 only for whole-file problems).
func FuzzLoad(f *testing.F) {
	for _, s := range miniRepo {
		f.Add([]byte(s))
	}
	f.Add([]byte(goalYAML))
	for _, root := range []string{releaseRepo, "../fixtures/invalid"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isYAML(p) {
				if data, err := os.ReadFile(p); err == nil {
					f.Add(data)
				}
			}
			return nil
		})
	}
	f.Add([]byte(goalAction("start", "none", "")))
	f.Add([]byte(goalAction("declare-block", "sha256:"+sixtyFourHex, "inputs:\n  task: "+goalTask+"\n  prerequisite: {type: t, payload: {a: 1}, members: [{type: m}, {type: n, payload: {}}, 3]}\n")))
	f.Add([]byte(goalAction("refute-block", "sha256:"+sixtyFourHex, "inputs: {block: x, extra: [1]}\nevidence: [{name: ci}]\n")))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("require: {all: [{any: [a, {rule: b}]}]}\n"))
	f.Add([]byte("inputs: {x: !!binary aGk=, y: 2001-12-14t21:59:43.10-05:00, z: -.inf}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "f.yaml"
		check := func(ps Problems) {
			for _, p := range ps {
				if p.File != file || p.Field == "" || p.Message == "" {
					t.Fatalf("incomplete problem %#v", p)
				}
				if p.Line < 0 || p.Column < 0 || (p.Line == 0 && p.Field != FieldFile) {
					t.Fatalf("badly positioned problem %#v", p)
				}
			}
		}
		_, ps := LoadConfig(file, data)
		check(ps)
		_, ps = LoadWorkflow(file, data)
		check(ps)
		_, ps = LoadPolicy(file, data)
		check(ps)
		g, ps := LoadGoal(file, data)
		check(ps)
		if g != nil {
			b, _ := LoadBundle(repo(map[string]string{"goals/f.yaml": string(data)}))
			if len(b.Goals) != 1 {
				t.Fatalf("a goal LoadGoal accepts is not in the bundle")
			}
			if _, err := CanonicalJSON(g); err != nil {
				t.Fatalf("loaded goal does not encode: %v", err)
			}
		}
		var p Proposal
		pos, ps := Decode(KindProposal, file, data, &p)
		check(ps)
		if len(ps) == 0 {
			b, _ := LoadBundle(repo(nil))
			check(CheckProposal(b, file, &p, pos))
			// With a goal, proposals naming it are goal actions.
			b, _ = LoadBundle(repo(goalRepo(goalYAML)))
			check(CheckProposal(b, file, &p, pos))
			if _, err := CanonicalJSON(p); err != nil {
				t.Fatalf("loaded proposal does not encode: %v", err)
			}
		}
	})
}
