package outbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// An effects file is the JSON array of its effects, sorted by key. A
// save rewrites a file whole when one of its effects was added or
// removed, but it does not decode the effects it only carries over: each
// is cut from the file as it was read (its raw JSON) and written again
// byte for byte, and an effect recorded here is encoded once. So
// recording 200 effects beside thousands kept from earlier runs costs
// their bytes, not their decoding; an effect is decoded only to be
// delivered (Effect).

// Effect fills r.Effect from the effect files (of Head and of commits
// merged in) when only its state was read, and returns it. An effect
// whose key is not its KeyFor, or whose target or event is not its
// record's, is refused.
func (b *Book) Effect(r *Record) (Effect, error) {
	if b.full[r.Key] {
		return r.Effect, nil
	}
	raw, err := b.rawOf(r)
	if err != nil {
		return Effect{}, err
	}
	var e Effect
	if err := json.Unmarshal(raw, &e); err != nil || e.Key != r.Key {
		return Effect{}, fmt.Errorf("outbox: effect %s in %s does not decode (%v; delete the ref to start an empty outbox)", r.Key, Ref, err)
	}
	if e.Key != e.KeyFor() || e.Target != r.Target || e.Event != r.Event {
		return Effect{}, fmt.Errorf("outbox: effect %s in %s is not the effect its key names (target %q, event %q): not delivered; a reconcile derives again what it still owes",
			r.Key, Ref, clip(e.Target), clip(string(e.Event)))
	}
	r.Effect = e
	b.full[r.Key] = true
	return e, nil
}

// rawOf returns r's effect as JSON: encoded once when the book holds it
// whole, else cut from the effects file that holds it, of Head first,
// then of the commits merged in.
func (b *Book) rawOf(r *Record) (json.RawMessage, error) {
	if raw, ok := b.raw[r.Key]; ok {
		return raw, nil
	}
	if b.full[r.Key] {
		raw, err := json.Marshal(r.Effect)
		if err != nil {
			return nil, fmt.Errorf("outbox: encode effect %s: %w", r.Key, err)
		}
		b.raw[r.Key] = raw
		return raw, nil
	}
	from := b.merged
	if !b.refused {
		from = append([]plumbing.Hash{b.head}, b.merged...)
	}
	for _, h := range from {
		if err := b.cutFile(h, r.Key); err != nil {
			return nil, err
		}
		if raw, ok := b.raw[r.Key]; ok {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("outbox: effect %s is in no effects file of %s", r.Key, Ref)
}

// cutFile cuts the effects file that holds key at commit h (if it has
// one) into the raw JSON of each effect the book holds a record of and
// has no JSON for yet.
func (b *Book) cutFile(h plumbing.Hash, key string) error {
	if h.IsZero() {
		return nil
	}
	l, err := b.layoutAt(h)
	if err != nil {
		return err
	}
	p := effectPath(bucketName(key, l.width))
	if b.cut[h.String()+" "+p] {
		return nil
	}
	data, err := b.store.ReadFile(h, p)
	if errors.Is(err, gitstore.ErrNotFound) {
		b.cut[h.String()+" "+p] = true
		return nil
	} else if err != nil {
		return fmt.Errorf("outbox: read %s at %s: %w", p, h, err)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		return fmt.Errorf("outbox: %s at %s: %w (delete the ref %s to start an empty outbox)", p, h, err, Ref)
	}
	for _, raw := range elems {
		k, err := rawKey(raw)
		if err != nil {
			return fmt.Errorf("outbox: %s at %s: %w (delete the ref %s to start an empty outbox)", p, h, err, Ref)
		}
		if _, held := b.records[k]; held && !b.full[k] {
			if _, ok := b.raw[k]; !ok {
				b.raw[k] = raw
			}
		}
	}
	b.cut[h.String()+" "+p] = true
	return nil
}

// keyPrefix is how an encoded Effect begins: Key is its first field.
var keyPrefix = []byte(`{"key":"`)

// rawKey is the key of an effect's JSON, read from its start when it is
// there, as json.Marshal writes it, else decoded.
func rawKey(raw json.RawMessage) (string, error) {
	if rest, ok := bytes.CutPrefix(raw, keyPrefix); ok {
		if i := bytes.IndexByte(rest, '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i]), nil
		}
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(raw, &k); err != nil || k.Key == "" {
		return "", fmt.Errorf("an effect without a key (%v)", err)
	}
	return k.Key, nil
}

// encodeEffects is the effects file of rs: the JSON array of their
// effects sorted by key, as json.Marshal would write it, and a newline.
func (b *Book) encodeEffects(rs []*Record) ([]byte, error) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Key < rs[j].Key })
	raws := make([]json.RawMessage, len(rs))
	size := 3
	for i, r := range rs {
		raw, err := b.rawOf(r)
		if err != nil {
			return nil, err
		}
		raws[i] = raw
		size += len(raw) + 1
	}
	buf := make([]byte, 0, size)
	buf = append(buf, '[')
	for i, raw := range raws {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, raw...)
	}
	return append(buf, ']', '\n'), nil
}
