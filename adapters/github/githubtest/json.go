package githubtest

import (
	"strings"
)

// set assigns a value at a dotted path of a decoded JSON object, creating
// objects on the way (and replacing a null one).
func set(o map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := o[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			o[k] = next
		}
		o = next
	}
	o[keys[len(keys)-1]] = v
}

// setUser fills a simple-user object (at key, or o itself if key is "")
// for a login.
func setUser(o map[string]any, key, login string, id int64) {
	u := o
	if key != "" {
		var ok bool
		if u, ok = o[key].(map[string]any); !ok {
			u = map[string]any{}
			o[key] = u
		}
	}
	u["login"] = login
	u["id"] = id
	u["url"] = "https://api.github.com/users/" + login
	u["html_url"] = "https://github.com/" + login
	if strings.HasSuffix(login, "[bot]") {
		u["type"] = "Bot"
	} else {
		u["type"] = "User"
	}
}
