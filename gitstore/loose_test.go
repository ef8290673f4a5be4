package gitstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/klauspost/compress/zlib"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

func TestLooseLevel(t *testing.T) {
	tests := []struct {
		name string
		core map[string]string
		want int
	}{
		{"unset", nil, zlib.BestSpeed},
		{"loose", map[string]string{"looseCompression": "9"}, 9},
		{"core", map[string]string{"compression": "4"}, 4},
		{"loose wins", map[string]string{"looseCompression": "0", "compression": "4"}, 0},
		{"zlib default", map[string]string{"compression": "-1"}, zlib.DefaultCompression},
		{"out of range", map[string]string{"compression": "12"}, zlib.BestSpeed},
		{"not a number", map[string]string{"compression": "fast"}, zlib.BestSpeed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := looseLevel(func(k string) string { return tt.core[k] }); got != tt.want {
				t.Errorf("looseLevel = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestLooseObjects checks that objects WriteCommit writes are loose
// objects git reads, compressed at the level git would use.
func TestLooseObjects(t *testing.T) {
	tests := []struct {
		name   string
		config []string // git config arguments, if any
		header string   // the zlib header of that level
	}{
		{"git default", nil, "\x78\x01"},
		{"looseCompression 9", []string{"core.looseCompression", "9"}, "\x78\xda"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			g := gittest.New(t)
			if tt.config != nil {
				g.Run(s.Dir(), append([]string{"config"}, tt.config...)...)
				var err error
				if s, err = Open(s.Dir()); err != nil {
					t.Fatal(err)
				}
			}
			c := mustCommit(t, s, i, nil, map[string]string{"a/b.txt": "hello\n"})
			again := mustCommit(t, s, i, nil, map[string]string{"a/b.txt": "hello\n"})
			if again != c {
				t.Fatalf("same request, hashes %s and %s", c, again)
			}
			blob := plumbing.ComputeHash(plumbing.BlobObject, []byte("hello\n"))
			raw, err := os.ReadFile(filepath.Join(s.GitDir(), "objects", blob.String()[:2], blob.String()[2:]))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(raw[:2]); got != tt.header {
				t.Errorf("zlib header %q, want %q", got, tt.header)
			}
			if got := g.Run(s.Dir(), "cat-file", "-p", c.String()+":a/b.txt"); got != "hello\n" {
				t.Errorf("git cat-file = %q", got)
			}
			if tmp, _ := filepath.Glob(filepath.Join(s.GitDir(), "objects", "*", "tmp_obj_*")); len(tmp) > 0 {
				t.Errorf("temporary files left: %q", tmp)
			}
			g.Fsck(s.Dir())
		})
	}
}
