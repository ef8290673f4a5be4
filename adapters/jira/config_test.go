package jira_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/jira"
)

// TestNewValidates: New refuses an incomplete or malformed configuration
// with an error naming the writ.yaml field.
func TestNewValidates(t *testing.T) {
	ok := jira.Config{BaseURL: "https://example.atlassian.net", Token: "t", Email: "a@example.com", Project: "OPS"}
	tests := []struct {
		name   string
		mutate func(*jira.Config)
		want   string
	}{
		{"valid", func(*jira.Config) {}, ""},
		{"valid server with context path", func(c *jira.Config) { c.BaseURL = "http://jira.internal:8080/jira/"; c.Email = "" }, ""},
		{"no base url", func(c *jira.Config) { c.BaseURL = "" }, "base_url is empty"},
		{"not http", func(c *jira.Config) { c.BaseURL = "ftp://example.com" }, "not an http(s) URL"},
		{"no host", func(c *jira.Config) { c.BaseURL = "https://" }, "not an http(s) URL"},
		{"credentials in url", func(c *jira.Config) { c.BaseURL = "https://u:p@example.atlassian.net" }, "must not carry credentials"},
		{"query", func(c *jira.Config) { c.BaseURL = "https://example.atlassian.net/?x=1" }, "query or fragment"},
		{"no token", func(c *jira.Config) { c.Token = "" }, "token_env"},
		{"email with colon", func(c *jira.Config) { c.Email = "a:b@example.com" }, "email"},
		{"bad project", func(c *jira.Config) { c.Project = "ops" }, "notifications.jira.project"},
		{"bad user", func(c *jira.Config) { c.Users = map[string]string{"alice": "x]y"} }, "notifications.jira.users.alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mutate(&cfg)
			n, err := jira.New(cfg)
			if tt.want == "" {
				if err != nil || n.Target() != "jira" {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, jira.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrConfig with %q", err, tt.want)
			}
		})
	}
}
