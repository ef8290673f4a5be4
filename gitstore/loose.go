package gitstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/klauspost/compress/zlib"
)

// defaultLooseLevel is git's zlib level for loose objects when neither
// core.looseCompression nor core.compression is set: best speed.
const defaultLooseLevel = zlib.BestSpeed

// looseLevel returns the zlib level git would compress loose objects with,
// given the repository's core options (get): core.looseCompression, else
// core.compression, else best speed; -1 is zlib's default. Unreadable or
// out-of-range values (which git refuses) give git's default.
func looseLevel(get func(key string) string) int {
	for _, key := range []string{"looseCompression", "compression"} {
		v := get(key)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < -1 || n > 9:
			return defaultLooseLevel
		case n == -1:
			return zlib.DefaultCompression
		}
		return n
	}
	return defaultLooseLevel
}

// looseWriter writes loose objects as git does: the zlib-compressed
// "<type> <size>\x00<content>" in a temporary file in objects/xx/, made
// read-only and renamed to objects/xx/<rest of the hash>; the file and its
// directory are flushed, all at once, before the next ref update
// (objectSyncer). A reader sees
// an object whole or not at all, and an object that exists is never
// rewritten. It is safe for concurrent use.
type looseWriter struct {
	objectsDir string
	level      int
	zw         sync.Pool     // *zlib.Writer at level
	durable    *objectSyncer // told of every new name
}

// write stores data as the loose object h of type t. The caller has
// checked that h is the object's hash and that it does not exist yet.
func (w *looseWriter) write(h plumbing.Hash, t plumbing.ObjectType, data []byte) error {
	var buf bytes.Buffer
	buf.Grow(len(data)/2 + 64)
	zw, _ := w.zw.Get().(*zlib.Writer)
	if zw == nil {
		var err error
		if zw, err = zlib.NewWriterLevel(&buf, w.level); err != nil {
			return err
		}
	} else {
		zw.Reset(&buf)
	}
	defer w.zw.Put(zw)
	var hdr [32]byte
	if _, err := zw.Write(strconv.AppendInt(append(append(hdr[:0], t.String()...), ' '), int64(len(data)), 10)); err != nil {
		return err
	}
	if _, err := zw.Write([]byte{0}); err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}

	hex := h.String()
	dir := filepath.Join(w.objectsDir, hex[:2])
	f, err := os.CreateTemp(dir, "tmp_obj_")
	newDir := false
	if errors.Is(err, os.ErrNotExist) {
		newDir = true
		if err = os.MkdirAll(dir, 0o777); err == nil {
			f, err = os.CreateTemp(dir, "tmp_obj_")
		}
	}
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o444)
	}
	if err == nil {
		final := filepath.Join(dir, hex[2:])
		if err = os.Rename(tmp, final); err != nil {
			// Where rename does not replace a read-only file (Windows),
			// another writer's copy of the same object is as good.
			if _, serr := os.Stat(final); serr == nil {
				err = nil
				os.Remove(tmp)
			}
		}
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("loose object %s: %w", hex, err)
	}
	w.durable.wrote(filepath.Join(dir, hex[2:]), newDir)
	return nil
}
