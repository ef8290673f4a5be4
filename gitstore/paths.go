package gitstore

import (
	"fmt"
	"strings"
)

// ValidatePath reports whether p can name a file in a tree: relative,
// slash-separated, clean (no "", "." or ".." components, no leading,
// trailing or doubled slash), free of NUL, backslash and control characters,
// and with no component git fsck --strict refuses (".git" in any case or
// NTFS/HFS disguise such as ".git.", "git~1" or ".git" with ignorable
// Unicode). Errors wrap ErrInvalidPath.
func ValidatePath(p string) error {
	if p == "" {
		return fmt.Errorf("%w: empty path", ErrInvalidPath)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fmt.Errorf("%w: %q contains a control character or backslash", ErrInvalidPath, p)
		}
	}
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "":
			return fmt.Errorf("%w: %q has an empty component", ErrInvalidPath, p)
		case ".", "..":
			return fmt.Errorf("%w: %q has a %q component", ErrInvalidPath, p, c)
		}
		if isDotGit(c) {
			return fmt.Errorf("%w: %q has a .git component", ErrInvalidPath, p)
		}
	}
	return nil
}

// isDotGit matches the names git treats as ".git" on some filesystem.
func isDotGit(c string) bool {
	c = strings.Map(func(r rune) rune {
		switch {
		case r >= 0x200c && r <= 0x200f, r >= 0x202a && r <= 0x202e,
			r >= 0x206a && r <= 0x206f, r == 0xfeff:
			return -1 // HFS+ ignores these
		}
		return r
	}, c)
	c = strings.TrimRight(c, ". ") // NTFS drops trailing dots and spaces
	return strings.EqualFold(c, ".git") || strings.EqualFold(c, "git~1")
}

// validateDir is ValidatePath that also accepts "" (the root) and a
// trailing slash.
func validateDir(dir string) (string, error) {
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		return "", nil
	}
	return dir, ValidatePath(dir)
}
