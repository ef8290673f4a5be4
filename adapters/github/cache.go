package github

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The ETag cache's bounds: entries kept, bytes of one body, bytes of all
// bodies, and the largest cache file read. The oldest-used entry is dropped
// first.
const (
	maxEntries     = 4096
	maxCachedBody  = 4 << 20
	maxCachedBytes = 64 << 20
	maxCacheFile   = 96 << 20
	maxETag        = 256
	maxHeaderValue = 8 << 10
)

// cacheFormat names the cache file's format; a file of another format is
// ignored.
const cacheFormat = "writ-github-etags/1"

// cachedHeaders are the only response headers kept: what go-github reads
// from a listing (Link, for the next page) and the body's type.
var cachedHeaders = []string{"Content-Type", "Link"}

// cached is one GET's last 200: its ETag, the kept headers and the body.
type cached struct {
	Key    string            `json:"key"`
	ETag   string            `json:"etag"`
	Header map[string]string `json:"header,omitempty"`
	Body   []byte            `json:"body"`
}

func newCached(h http.Header, body []byte) *cached {
	c := &cached{ETag: h.Get("ETag"), Header: map[string]string{}, Body: body}
	for _, k := range cachedHeaders {
		if v := h.Get(k); v != "" {
			c.Header[k] = v
		}
	}
	return c
}

// cacheKey is a GET's cache key: the method and the full URL (API root,
// path and query). It never includes a credential.
func cacheKey(req *http.Request) string { return req.Method + " " + req.URL.String() }

// etagCache holds the entries of the etagTransport, least recently used
// first. It is safe for concurrent use.
type etagCache struct {
	mu      sync.Mutex
	entries map[string]*cached
	order   []string // least recently used first
	bytes   int
}

func (c *etagCache) get(key string) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e != nil {
		c.touch(key)
	}
	return e
}

func (c *etagCache) put(key string, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.Key = key
	if c.entries == nil {
		c.entries = map[string]*cached{}
	}
	if old, ok := c.entries[key]; ok {
		c.bytes -= len(old.Body)
		c.touch(key)
	} else {
		c.order = append(c.order, key)
	}
	c.entries[key] = e
	c.bytes += len(e.Body)
	for len(c.order) > 0 && (len(c.order) > maxEntries || c.bytes > maxCachedBytes) {
		c.bytes -= len(c.entries[c.order[0]].Body)
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// touch moves key to the most recently used end. Callers hold mu.
func (c *etagCache) touch(key string) {
	for i, k := range c.order {
		if k == key {
			c.order = append(append(c.order[:i:i], c.order[i+1:]...), key)
			return
		}
	}
}

// cacheFile is the cache as it is stored.
type cacheFile struct {
	Format  string    `json:"format"`
	Entries []*cached `json:"entries"`
}

// CachePath is the cache file for one control repository on one API root
// inside dir: a name derived from both, so one directory can serve
// several repositories.
func CachePath(dir, apiURL, repository string) string {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	sum := sha256.Sum256([]byte(strings.TrimSuffix(apiURL, "/") + "\n" + strings.ToLower(repository)))
	return filepath.Join(dir, "etags-"+hex.EncodeToString(sum[:8])+".json")
}

// LoadCache reads an ETag cache that SaveCache wrote, replacing the
// client's. A missing file is a cold start, not an error. The file is
// only a cache: an unreadable, oversized, malformed or hostile one (an
// entry for another host, a header writ does not keep, an ETag that is not
// a header value) is ignored as a whole and the error says why; the client
// then starts cold. An entry is only ever used to make a request
// conditional, and its body served only after GitHub answers 304 to its
// ETag, so a forged body is never served unless it is paired with the
// ETag GitHub currently gives that URL (see README, "API call budget", on
// who can write the cache).
func (c *Client) LoadCache(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCacheFile+1))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	if len(data) > maxCacheFile {
		return fmt.Errorf("%w: %s: larger than %d bytes; ignored", ErrCache, path, maxCacheFile)
	}
	var file cacheFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return fmt.Errorf("%w: %s: not a cache file (%w); ignored", ErrCache, path, err)
	}
	if file.Format != cacheFormat {
		return fmt.Errorf("%w: %s: format %q, want %q; ignored", ErrCache, path, file.Format, cacheFormat)
	}
	if len(file.Entries) > maxEntries {
		return fmt.Errorf("%w: %s: %d entries, at most %d; ignored", ErrCache, path, len(file.Entries), maxEntries)
	}
	fresh := &etagCache{}
	for i, e := range file.Entries {
		if err := c.validEntry(e); err != nil {
			return fmt.Errorf("%w: %s: entry %d: %w; ignored", ErrCache, path, i, err)
		}
		fresh.put(e.Key, e)
	}
	c.etag.cache.replace(fresh)
	return nil
}

// validEntry checks one loaded entry: a GET of a URL under the client's
// API root, an ETag and kept headers that are valid header values, a body
// within bounds.
func (c *Client) validEntry(e *cached) error {
	if e == nil {
		return errors.New("null")
	}
	method, raw, ok := strings.Cut(e.Key, " ")
	if !ok || method != http.MethodGet {
		return fmt.Errorf("key %q: want \"GET <url>\"", clip(e.Key))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != c.gh.BaseURL.Scheme || u.Host != c.gh.BaseURL.Host || !strings.HasPrefix(u.Path, c.gh.BaseURL.Path) {
		return fmt.Errorf("key %q: not under the API root %s", clip(e.Key), c.gh.BaseURL)
	}
	if e.ETag == "" || len(e.ETag) > maxETag || !headerValue(e.ETag) {
		return fmt.Errorf("etag %q: want 1 to %d printable characters", clip(e.ETag), maxETag)
	}
	for k, v := range e.Header {
		if !contains(cachedHeaders, http.CanonicalHeaderKey(k)) || k != http.CanonicalHeaderKey(k) {
			return fmt.Errorf("header %q: only %s are kept", clip(k), strings.Join(cachedHeaders, ", "))
		}
		if len(v) > maxHeaderValue || !headerValue(v) {
			return fmt.Errorf("header %s: not a header value", k)
		}
	}
	if len(e.Body) > maxCachedBody {
		return fmt.Errorf("body of %d bytes, at most %d", len(e.Body), maxCachedBody)
	}
	return nil
}

// headerValue reports whether s is printable ASCII (no CR, LF or NUL).
func headerValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// SaveCache writes the client's ETag cache to path (its directory is
// created, mode 0700; the file is replaced atomically, mode 0600), least
// recently used entry first. It holds URLs, ETags, the Content-Type and
// Link headers and response bodies: never a request header, so never the
// token.
func (c *Client) SaveCache(path string) error {
	file := cacheFile{Format: cacheFormat, Entries: c.etag.cache.snapshot()}
	data, err := json.Marshal(file)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	tmp, err := os.CreateTemp(dir, ".etags-*.tmp")
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCache, path, err)
	}
	return nil
}

func (c *etagCache) snapshot() []*cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*cached, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, c.entries[k])
	}
	return out
}

func (c *etagCache) replace(with *etagCache) {
	with.mu.Lock()
	entries, order, n := with.entries, with.order, with.bytes
	with.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.order, c.bytes = entries, order, n
}
