package schemas

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// A file over the size limit is reported against the file as a whole,
// naming its path, its size and the limit, never at a made-up 0:0
// position; reading it from a file system or decoding its bytes says the
// same.
func TestTooLargeFileMessage(t *testing.T) {
	size := MaxFileSize + 4096
	big := strings.Repeat("#", size)
	want := fmt.Sprintf("workflows/big.yaml: (file): file is %d bytes; the limit is %d bytes", size, MaxFileSize)

	_, problems := Decode(KindWorkflow, "workflows/big.yaml", []byte(big), &Workflow{})
	if len(problems) != 1 || problems[0].String() != want {
		t.Fatalf("Decode: %q\nwant %q", problems, want)
	}
	fsys := fstest.MapFS{"workflows/big.yaml": &fstest.MapFile{Data: []byte(big)}}
	_, problems = LoadBundle(fsys)
	found := false
	for _, p := range problems {
		if p.File == "workflows/big.yaml" {
			if p.String() != want {
				t.Fatalf("LoadBundle: %q\nwant %q", p.String(), want)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("LoadBundle did not report the large file: %q", problems)
	}
}
