package gitstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-git/gcfg"
)

// configEntry is one "key = value" of git config, in the order git reads
// it: section, subsection (case kept) and key (lower case).
type configEntry struct {
	section, subsection, key, value string
	blank                           bool   // "key" with no "=": git's boolean true
	file                            string // where it was read, for messages
}

// maxIncludeDepth caps nested include and includeIf, as git does (10).
const maxIncludeDepth = 10

// gitConfig reads the configuration git would read for a repository whose
// git directory is gitDir, lowest precedence first: the system file
// (unless $GIT_CONFIG_NOSYSTEM; $GIT_CONFIG_SYSTEM, else /etc/gitconfig),
// the global files ($GIT_CONFIG_GLOBAL, else $XDG_CONFIG_HOME/git/config
// and ~/.gitconfig), the repository's config, then the variables of
// $GIT_CONFIG_COUNT ($GIT_CONFIG_KEY_<n>, $GIT_CONFIG_VALUE_<n>). include.path
// and includeIf "gitdir:"/"gitdir/i:" sections are followed in place (as
// actions/checkout v6 persists its credentials: an includeIf in the
// repository's config naming a file of its own); other includeIf
// conditions are not followed. A missing file is skipped, as git skips it;
// one that cannot be read or parsed is skipped too and named in skipped
// (never with its content), so that a file go-git's parser does not
// accept costs its own entries, not all remote traffic.
func gitConfig(gitDir string, getenv func(string) string) (entries []configEntry, skipped []string) {
	var files []string
	if !configBool(getenv("GIT_CONFIG_NOSYSTEM")) {
		if f := getenv("GIT_CONFIG_SYSTEM"); f != "" {
			files = append(files, f)
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	home := getenv("HOME")
	if f := getenv("GIT_CONFIG_GLOBAL"); f != "" {
		files = append(files, f)
	} else {
		xdg := getenv("XDG_CONFIG_HOME")
		if xdg == "" && home != "" {
			xdg = filepath.Join(home, ".config")
		}
		if xdg != "" {
			files = append(files, filepath.Join(xdg, "git", "config"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	files = append(files, filepath.Join(gitDir, "config"))
	r := configReader{gitDir: gitDir, home: home}
	for _, f := range files {
		r.read(f, 0)
	}
	n, _ := strconv.Atoi(getenv("GIT_CONFIG_COUNT"))
	for i := 0; i < n && i < 1000; i++ {
		k := getenv(fmt.Sprintf("GIT_CONFIG_KEY_%d", i))
		e, ok := splitConfigKey(k)
		if !ok {
			continue
		}
		e.value, e.file = getenv(fmt.Sprintf("GIT_CONFIG_VALUE_%d", i)), "$GIT_CONFIG_KEY_"+strconv.Itoa(i)
		r.out = append(r.out, e)
	}
	return r.out, r.skipped
}

// splitConfigKey splits "section.sub.section.key" as git does: the
// section up to the first dot, the key after the last.
func splitConfigKey(k string) (configEntry, bool) {
	first, last := strings.IndexByte(k, '.'), strings.LastIndexByte(k, '.')
	if first <= 0 || last == len(k)-1 {
		return configEntry{}, false
	}
	e := configEntry{section: strings.ToLower(k[:first]), key: strings.ToLower(k[last+1:])}
	if first != last {
		e.subsection = k[first+1 : last]
	}
	return e, true
}

// configReader collects entries across files and includes.
type configReader struct {
	gitDir, home string
	out          []configEntry
	skipped      []string // files not read, with why
}

// read appends the entries of file, following includes in place.
func (r *configReader) read(file string, depth int) {
	if depth > maxIncludeDepth {
		r.skipped = append(r.skipped, fmt.Sprintf("%s (includes nested deeper than %d)", file, maxIncludeDepth))
		return
	}
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return
	} else if err != nil {
		r.skipped = append(r.skipped, fmt.Sprintf("%s (%v)", file, errors.Unwrap(err)))
		return
	}
	type include struct {
		at   int // entries of file before it
		path string
	}
	var entries []configEntry
	var includes []include
	err = gcfg.ReadWithCallback(bytes.NewReader(data), func(s, ss, k, v string, blank bool) error {
		if k == "" {
			return nil // a section header
		}
		e := configEntry{section: strings.ToLower(s), subsection: ss, key: strings.ToLower(k), value: v, blank: blank, file: file}
		if e.key == "path" && !blank && v != "" && r.includes(e, file) {
			includes = append(includes, include{at: len(entries), path: r.expand(v, file)})
			return nil
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		r.skipped = append(r.skipped, file+" (does not parse as git config)")
		return
	}
	at := 0
	for _, inc := range includes {
		r.out = append(r.out, entries[at:inc.at]...)
		at = inc.at
		r.read(inc.path, depth+1)
	}
	r.out = append(r.out, entries[at:]...)
}

// includes reports whether a "path" entry is an include to follow:
// include.path, or includeIf.<cond>.path whose gitdir condition holds.
func (r *configReader) includes(e configEntry, file string) bool {
	switch {
	case e.section == "include" && e.subsection == "":
		return true
	case e.section != "includeif":
		return false
	}
	cond, fold := "", false
	switch {
	case strings.HasPrefix(e.subsection, "gitdir:"):
		cond = strings.TrimPrefix(e.subsection, "gitdir:")
	case strings.HasPrefix(e.subsection, "gitdir/i:"):
		cond, fold = strings.TrimPrefix(e.subsection, "gitdir/i:"), true
	default:
		return false // onbranch:, hasconfig: are not followed
	}
	return gitdirMatches(cond, fold, r.gitDir, r.home, file)
}

// expand resolves an include path: "~/" is the home directory, a relative
// path is relative to the including file's directory.
func (r *configReader) expand(p, file string) string {
	if strings.HasPrefix(p, "~/") && r.home != "" {
		return filepath.Join(r.home, p[2:])
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(filepath.Dir(file), p)
	}
	return p
}

// gitdirMatches applies git's includeIf "gitdir:" rule: "~/" is the home
// directory, "./" the including file's directory, a pattern that is not
// absolute gets "**/" in front, one ending in "/" gets "**" appended, and
// the result is a glob matched against the git directory (as given and
// with symbolic links resolved).
func gitdirMatches(pattern string, fold bool, gitDir, home, file string) bool {
	switch {
	case strings.HasPrefix(pattern, "~/") && home != "":
		pattern = filepath.ToSlash(home) + pattern[1:]
	case strings.HasPrefix(pattern, "./"):
		pattern = filepath.ToSlash(filepath.Dir(file)) + pattern[1:]
	}
	if !strings.HasPrefix(pattern, "/") {
		pattern = "**/" + pattern
	}
	if strings.HasSuffix(pattern, "/") {
		pattern += "**"
	}
	re, err := globRegexp(pattern, fold)
	if err != nil {
		return false
	}
	dirs := []string{filepath.ToSlash(filepath.Clean(gitDir))}
	if abs, err := filepath.Abs(gitDir); err == nil {
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			dirs = append(dirs, filepath.ToSlash(real))
		}
		dirs = append(dirs, filepath.ToSlash(abs))
	}
	for _, d := range dirs {
		if re.MatchString(d) {
			return true
		}
	}
	return false
}

// globRegexp translates a wildmatch pattern with path semantics ("*" and
// "?" stay within a component, "**/" spans components, "[...]" classes) to
// an anchored regular expression.
func globRegexp(pattern string, fold bool) (*regexp.Regexp, error) {
	var b strings.Builder
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case strings.HasPrefix(pattern[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(pattern[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pattern[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// configBool reads a git boolean ("true", "yes", "on", "1").
func configBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}

// cleanURLPath is a URL path as git's url_normalize leaves it for
// matching: dot segments removed, a trailing slash kept, "/" when empty.
func cleanURLPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
