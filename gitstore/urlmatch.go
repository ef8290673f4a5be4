package gitstore

import (
	"net/url"
	"path"
	"strings"
)

// urlKey is a URL as git's urlmatch compares it: scheme and host lower
// case, the scheme's default port left out, the path cleaned.
type urlKey struct {
	scheme, user, host, port, path string
	hasUser                        bool
}

// parseURLKey normalises a URL for matching; ok is false for what is not
// an absolute URL with a host.
func parseURLKey(raw string) (urlKey, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return urlKey{}, false
	}
	k := urlKey{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port(), path: cleanURLPath(u.Path)}
	if u.User != nil {
		k.user, k.hasUser = u.User.Username(), true
	}
	if (k.scheme == "https" && k.port == "443") || (k.scheme == "http" && k.port == "80") {
		k.port = ""
	}
	return k, true
}

// urlMatch is how well a config URL matches a remote URL, compared as git
// does: the longer host (an exact host beats a wildcard), then the longer
// path prefix, then a matching user name over none. The zero value is an
// entry without a URL ("http.extraheader"), which matches every URL worst.
type urlMatch struct {
	host, path  int
	userMatched bool
}

// less reports whether m is a worse match than o.
func (m urlMatch) less(o urlMatch) bool {
	if m.host != o.host {
		return m.host < o.host
	}
	if m.path != o.path {
		return m.path < o.path
	}
	return !m.userMatched && o.userMatched
}

// matchURL reports whether the config URL prefix applies to target (git's
// http.<url>.* rule): same scheme, host (each "*" label of the config
// matches one label), port and, if the config names one, user; and the
// config path is a prefix of the target's that ends at a "/" boundary.
func matchURL(prefix, target urlKey) (urlMatch, bool) {
	var m urlMatch
	if prefix.scheme != target.scheme || prefix.port != target.port {
		return m, false
	}
	if prefix.hasUser {
		if !target.hasUser || prefix.user != target.user {
			return m, false
		}
		m.userMatched = true
	}
	if !matchHost(prefix.host, target.host) {
		return m, false
	}
	m.host = len(prefix.host)
	if m.path = matchPathPrefix(prefix.path, target.path); m.path == 0 {
		return m, false
	}
	return m, true
}

// matchHost matches a host label by label, "*" globs within a label.
func matchHost(pattern, host string) bool {
	pl, hl := strings.Split(pattern, "."), strings.Split(host, ".")
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		if ok, err := path.Match(pl[i], hl[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

// matchPathPrefix is git's url_match_prefix: the length of the match
// (counting an implicit final "/"), 0 for none.
func matchPathPrefix(prefix, p string) int {
	if prefix == "" || prefix == "/" {
		if p == "" || strings.HasPrefix(p, "/") {
			return 1
		}
		return 0
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if !strings.HasPrefix(p, prefix) {
		return 0
	}
	if len(p) == len(prefix) || p[len(prefix)] == '/' {
		return len(prefix) + 1
	}
	return 0
}

// header is one extra HTTP header and the config entry it came from.
type header struct {
	name, value string
	from        string // "http.<url>.extraheader in <file>"
}

// extraHeaders collects the http.<url>.extraheader values that apply to
// target, in config order, as git collects them: an entry matching worse
// than the best one seen so far is ignored, an empty value clears the
// list, every other value adds a header ("Name: value").
func extraHeaders(entries []configEntry, target string) []header {
	t, ok := parseURLKey(target)
	if !ok {
		return nil
	}
	var out []header
	var best *urlMatch
	for _, e := range entries {
		if e.section != "http" || e.key != "extraheader" || e.blank {
			continue
		}
		var m urlMatch
		if e.subsection != "" {
			p, ok := parseURLKey(e.subsection)
			if !ok {
				continue
			}
			if m, ok = matchURL(p, t); !ok {
				continue
			}
		}
		if best != nil && m.less(*best) {
			continue
		}
		best = &m
		if e.value == "" {
			out = nil
			continue
		}
		name, value, ok := strings.Cut(e.value, ":")
		if !ok || strings.TrimSpace(name) == "" {
			continue
		}
		key := "http.extraheader"
		if e.subsection != "" {
			key = "http." + e.subsection + ".extraheader"
		}
		out = append(out, header{name: strings.TrimSpace(name), value: strings.TrimSpace(value), from: key + " in " + e.file})
	}
	return out
}
