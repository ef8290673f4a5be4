package reconciler

import (
	"testing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// The Store refuses from the header exactly the files the loader would
// refuse after reading them.
func TestFileLimitIsTheLoaders(t *testing.T) {
	if gitstore.MaxFileSize != schemas.MaxFileSize {
		t.Fatalf("gitstore.MaxFileSize %d, schemas.MaxFileSize %d", gitstore.MaxFileSize, schemas.MaxFileSize)
	}
}
