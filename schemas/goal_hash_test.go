package schemas_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/schemas"
)

// releaseRulesHash is the rules hash of fixtures/controlrepos/release as it
// stood before goals and trust levels: a repo that uses neither must keep
// its hash, or every log written before them would stop replaying.
const releaseRulesHash = "sha256:0f75a6000e53be8967211de8b7a0802eec6c3df89114a26cfe32aa4bf0c47514"

func rulesHash(t *testing.T, b *schemas.Bundle) string {
	t.Helper()
	canon, err := schemas.CanonicalJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return schemas.HashBytes(canon)
}

// TestRulesHashWithoutGoalsIsUnchanged: the release example hashes as it
// did before Bundle.Goals and Identity.TrustLevel existed; adding a goal or
// a trust level changes the hash, so both are covered by it.
func TestRulesHashWithoutGoalsIsUnchanged(t *testing.T) {
	release := fixtures.Release()
	b, ps := schemas.LoadBundle(release)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	canon, _ := schemas.CanonicalJSON(b)
	if got := rulesHash(t, b); got != releaseRulesHash {
		t.Errorf("rules hash of the release example = %s, want %s", got, releaseRulesHash)
	}
	if strings.Contains(string(canon), `"goals"`) || strings.Contains(string(canon), `"trust_level"`) {
		t.Errorf("canonical rules carry goals or trust_level though the files set none")
	}

	// The same repo with one goal and one trust level: both are rules.
	fsys := fstest.MapFS{}
	for _, root := range []string{"writ.yaml", "workflows", "policies"} {
		copyTree(t, release, fsys, root)
	}
	withLevel := strings.Replace(string(fsys["writ.yaml"].Data), "    kind: human\n", "    kind: human\n    trust_level: 5\n", 1)
	fsys["writ.yaml"] = &fstest.MapFile{Data: []byte(withLevel)}
	b2, ps := schemas.LoadBundle(fsys)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	hashLevel := rulesHash(t, b2)
	if hashLevel == releaseRulesHash {
		t.Error("a trust level does not change the rules hash")
	}
	caps := firstCapability(b2)
	if caps == "" {
		t.Fatal("the release example has no identity with a capability")
	}
	fsys["goals/g.yaml"] = &fstest.MapFile{Data: []byte("name: g\nowner: o\nterminal:\n  type: t\ncapabilities:\n  attempt: [" + caps + "]\n  declare: [" + caps + "]\n  confirm: [" + caps + "]\n  refute: [" + caps + "]\n  resolve: [" + caps + "]\nquorum:\n  mode: single\n")}
	b3, ps := schemas.LoadBundle(fsys)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if len(b3.Goals) != 1 || rulesHash(t, b3) == hashLevel {
		t.Errorf("a goal does not change the rules hash (%d goals)", len(b3.Goals))
	}
}

func firstCapability(b *schemas.Bundle) string {
	for _, id := range b.Config.Identities {
		if len(id.Capabilities) > 0 {
			return id.Capabilities[0]
		}
	}
	return ""
}

// copyTree copies the file or every file under root of src into dst.
func copyTree(t *testing.T, src fs.FS, dst fstest.MapFS, root string) {
	t.Helper()
	err := fs.WalkDir(src, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		dst[p] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
