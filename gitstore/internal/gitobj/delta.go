package gitobj

import (
	"errors"
	"fmt"
)

// errDelta reports a malformed delta.
var errDelta = errors.New("malformed delta")

// applyDelta rebuilds an object from its delta base and a git delta
// (pack format: base size, result size, then copy and insert
// instructions). Unlike go-git's PatchDelta it allocates the result once,
// at the size the delta declares, which matters when every entry of a
// replay rebuilds a large tree.
func applyDelta(base, delta []byte) ([]byte, error) {
	srcSize, rest, ok := deltaSize(delta)
	if !ok || srcSize != uint64(len(base)) {
		return nil, fmt.Errorf("%w: base size %d, delta expects %d", errDelta, len(base), srcSize)
	}
	dstSize, rest, ok := deltaSize(rest)
	if !ok || dstSize > 1<<32 {
		return nil, fmt.Errorf("%w: bad result size", errDelta)
	}
	out := make([]byte, 0, dstSize)
	for len(rest) > 0 {
		cmd := rest[0]
		rest = rest[1:]
		switch {
		case cmd&0x80 != 0:
			var off, size uint64
			for i, shift := 0, 0; i < 7; i, shift = i+1, shift+8 {
				if cmd&(1<<i) == 0 {
					continue
				}
				if len(rest) == 0 {
					return nil, fmt.Errorf("%w: truncated copy", errDelta)
				}
				if i < 4 {
					off |= uint64(rest[0]) << shift
				} else {
					size |= uint64(rest[0]) << (shift - 32)
				}
				rest = rest[1:]
			}
			if size == 0 {
				size = 0x10000
			}
			if off+size > uint64(len(base)) || uint64(len(out))+size > dstSize {
				return nil, fmt.Errorf("%w: copy out of bounds", errDelta)
			}
			out = append(out, base[off:off+size]...)
		case cmd != 0:
			n := int(cmd)
			if n > len(rest) || uint64(len(out)+n) > dstSize {
				return nil, fmt.Errorf("%w: insert out of bounds", errDelta)
			}
			out = append(out, rest[:n]...)
			rest = rest[n:]
		default:
			return nil, fmt.Errorf("%w: instruction 0", errDelta)
		}
	}
	if uint64(len(out)) != dstSize {
		return nil, fmt.Errorf("%w: result is %d bytes, delta declares %d", errDelta, len(out), dstSize)
	}
	return out, nil
}

// deltaSize reads one of a delta's little-endian base-128 sizes.
func deltaSize(b []byte) (uint64, []byte, bool) {
	var n uint64
	for i, shift := 0, uint(0); i < len(b) && shift < 64; i, shift = i+1, shift+7 {
		n |= uint64(b[i]&0x7f) << shift
		if b[i]&0x80 == 0 {
			return n, b[i+1:], true
		}
	}
	return 0, nil, false
}
