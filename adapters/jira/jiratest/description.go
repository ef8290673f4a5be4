package jiratest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// descriptionJSON is an extract of Atlassian's published OpenAPI
// description of the Jira Cloud platform REST API: the operations the
// notifier calls, with their parameters, responses and schemas (see its
// info.description).
//
//go:embed testdata/jira-platform-openapi-extract.json
var descriptionJSON []byte

const descriptionURL = "https://writ.invalid/jira-platform-openapi-extract.json"

// Description is the API description the fake is built from; tests check
// the fake's answers and the notifier's requests against it.
type Description struct {
	ops map[string]*operation
}

type operation struct {
	method   string
	template string
	params   map[string]bool
	request  *jsonschema.Schema
	response map[int]*jsonschema.Schema
}

type rawDescription struct {
	Paths map[string]map[string]struct {
		Parameters []struct {
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		RequestBody *struct {
			Content map[string]json.RawMessage `json:"content"`
		} `json:"requestBody"`
		Responses map[string]struct {
			Content map[string]json.RawMessage `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
}

// LoadDescription compiles the embedded description.
func LoadDescription() (*Description, error) {
	var raw rawDescription
	if err := json.Unmarshal(descriptionJSON, &raw); err != nil {
		return nil, fmt.Errorf("jiratest: description: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(descriptionJSON))
	if err != nil {
		return nil, fmt.Errorf("jiratest: description: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(descriptionURL, doc); err != nil {
		return nil, fmt.Errorf("jiratest: description: %w", err)
	}
	ptr := func(parts ...string) string {
		for i, p := range parts {
			parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
		}
		return descriptionURL + "#/" + strings.Join(parts, "/")
	}
	d := &Description{ops: map[string]*operation{}}
	for path, methods := range raw.Paths {
		for method, op := range methods {
			o := &operation{method: strings.ToUpper(method), template: path, params: map[string]bool{}, response: map[int]*jsonschema.Schema{}}
			for _, p := range op.Parameters {
				if p.In == "query" {
					o.params[p.Name] = true
				}
			}
			if op.RequestBody != nil {
				if _, ok := op.RequestBody.Content["application/json"]; ok {
					if o.request, err = c.Compile(ptr("paths", path, method, "requestBody", "content", "application/json", "schema")); err != nil {
						return nil, fmt.Errorf("jiratest: description: %s %s request: %w", method, path, err)
					}
				}
			}
			for code, r := range op.Responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue
				}
				if _, ok := r.Content["application/json"]; !ok {
					continue
				}
				if o.response[status], err = c.Compile(ptr("paths", path, method, "responses", code, "content", "application/json", "schema")); err != nil {
					return nil, fmt.Errorf("jiratest: description: %s %s %d: %w", method, path, status, err)
				}
			}
			d.ops[o.method+" "+path] = o
		}
	}
	return d, nil
}

// Operations lists the described operations, "METHOD /path/{template}",
// sorted.
func (d *Description) Operations() []string {
	out := make([]string, 0, len(d.ops))
	for k := range d.ops {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// match finds the operation of method on a concrete path.
func (d *Description) match(method, path string) (*operation, error) {
	segs := strings.Split(path, "/")
	for _, o := range d.ops {
		if o.method != method {
			continue
		}
		tsegs := strings.Split(o.template, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		ok := true
		for i, t := range tsegs {
			if !(strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") && segs[i] != "") && t != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return o, nil
		}
	}
	return nil, fmt.Errorf("%s %s is not an operation of the description", method, path)
}

// CheckRequest checks a request against the description: a described
// operation, query parameters it declares, and a body its schema accepts.
func (d *Description) CheckRequest(r Request) error {
	o, err := d.match(r.Method, r.Path)
	if err != nil {
		return err
	}
	q, err := url.ParseQuery(r.Query)
	if err != nil {
		return fmt.Errorf("%s %s: query %q: %w", r.Method, r.Path, r.Query, err)
	}
	for name := range q {
		if !o.params[name] {
			return fmt.Errorf("%s %s: query parameter %q is not declared by the description", r.Method, r.Path, name)
		}
	}
	if o.request == nil {
		if r.Body != "" {
			return fmt.Errorf("%s %s: the description declares no body", r.Method, r.Path)
		}
		return nil
	}
	return validate(o.request, []byte(r.Body), r.Method+" "+r.Path+" request")
}

// CheckResponse checks an answer of status to method on path against the
// schema the description gives for it.
func (d *Description) CheckResponse(method, path string, status int, body []byte) error {
	o, err := d.match(method, path)
	if err != nil {
		return err
	}
	if status == 204 {
		if len(bytes.TrimSpace(body)) != 0 {
			return fmt.Errorf("%s %s: 204 with a body", method, path)
		}
		return nil
	}
	sch, ok := o.response[status]
	if !ok {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		return fmt.Errorf("%s %s: the description declares no JSON body for %d", method, path, status)
	}
	return validate(sch, body, fmt.Sprintf("%s %s %d", method, path, status))
}

func validate(sch *jsonschema.Schema, body []byte, what string) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: not JSON: %w", what, err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
