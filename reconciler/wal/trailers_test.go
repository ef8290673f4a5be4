package wal

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var walTrailers = []Trailer{
	{Key: "Writ-Instance", Value: "deploy-42"},
	{Key: "Writ-Transition", Value: "approve"},
	{Key: "Writ-Approval", Value: "alice role=security review=7 sha=abc"},
	{Key: "Writ-Approval", Value: "bob role=sre review=9 sha=abc"},
	{Key: "Writ-State-Post", Value: "sha256:0f1e"},
}

func TestFormatParseMessage(t *testing.T) {
	tests := []struct {
		name, subject, body string
		trailers            []Trailer
		want                string
	}{
		{"subject only", "apply", "", nil, "apply\n"},
		{"body", "apply", "why\n\nmore", nil, "apply\n\nwhy\n\nmore\n"},
		{"trailers", "apply", "", walTrailers[:2], "apply\n\nWrit-Instance: deploy-42\nWrit-Transition: approve\n"},
		{"all", "apply", "\nsome body\n\n", walTrailers, "apply\n\nsome body\n\nWrit-Instance: deploy-42\nWrit-Transition: approve\n" +
			"Writ-Approval: alice role=security review=7 sha=abc\nWrit-Approval: bob role=sre review=9 sha=abc\nWrit-State-Post: sha256:0f1e\n"},
		{"body ending like trailers, with trailers", "s", "Note: x", walTrailers[:1], "s\n\nNote: x\n\nWrit-Instance: deploy-42\n"},
		{"value with colon", "s", "", []Trailer{{Key: "Writ-Proposal", Value: "pr=12 head: abc"}}, "s\n\nWrit-Proposal: pr=12 head: abc\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := FormatMessage(tt.subject, tt.body, tt.trailers)
			if err != nil {
				t.Fatal(err)
			}
			if msg != tt.want {
				t.Fatalf("FormatMessage = %q, want %q", msg, tt.want)
			}
			s, b, tr, err := ParseMessage(msg)
			if err != nil {
				t.Fatal(err)
			}
			if s != tt.subject || b != strings.Trim(tt.body, "\n") || !sameTrailers(tr, tt.trailers) {
				t.Errorf("ParseMessage = %q, %q, %v", s, b, tr)
			}
		})
	}
}

func TestFormatMessageErrors(t *testing.T) {
	tests := []struct {
		name, subject, body string
		trailers            []Trailer
		want                error
	}{
		{"empty subject", " ", "", nil, ErrMalformedMessage},
		{"multi-line subject", "a\nb", "", nil, ErrMalformedMessage},
		{"key with space", "s", "", []Trailer{{Key: "Writ Instance", Value: "x"}}, ErrInvalidTrailer},
		{"key with underscore", "s", "", []Trailer{{Key: "Writ_Instance", Value: "x"}}, ErrInvalidTrailer},
		{"empty key", "s", "", []Trailer{{Key: "", Value: "x"}}, ErrInvalidTrailer},
		{"newline in value", "s", "", []Trailer{{Key: "K", Value: "a\nb"}}, ErrInvalidTrailer},
		{"empty value", "s", "", []Trailer{{Key: "K", Value: ""}}, ErrInvalidTrailer},
		{"padded value", "s", "", []Trailer{{Key: "K", Value: " x"}}, ErrInvalidTrailer},
		{"body looks like trailers", "s", "Key: value", nil, ErrMalformedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FormatMessage(tt.subject, tt.body, tt.trailers); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name, msg     string
		subject, body string
		trailers      Trailers
		errLine       string // non-empty: want ErrMalformedMessage naming this
	}{
		{name: "no trailing newline", msg: "s\n\nb\n\nK: v", subject: "s", body: "b", trailers: Trailers{{"K", "v"}}},
		{name: "whitespace separator line", msg: "s\n\nb\n  \nK: v\n", subject: "s", body: "b", trailers: Trailers{{"K", "v"}}},
		{name: "lenient spacing", msg: "s\n\nK:v\nL:   w  \n", subject: "s", trailers: Trailers{{"K", "v"}, {"L", "w"}}},
		{name: "subject is never trailers", msg: "Key: value\n", subject: "Key: value"},
		{name: "prose last paragraph", msg: "s\n\nSee: below\n\nJust text.\nMore.\n", subject: "s", body: "See: below\n\nJust text.\nMore."},
		{name: "empty", msg: "", errLine: "line 1"},
		{name: "no blank after subject", msg: "s\nbody\n", errLine: "line 2"},
		{name: "prose in trailer block", msg: "s\n\nK: v\nnot a trailer\n", errLine: "line 4"},
		{name: "continuation", msg: "s\n\nb\n\nK: v\n  folded\n", errLine: "line 6"},
		{name: "bad key", msg: "s\n\nK: v\nBad Key: w\n", errLine: "line 4"},
		{name: "empty value", msg: "s\n\nK:\n", errLine: "line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, b, tr, err := ParseMessage(tt.msg)
			if tt.errLine != "" {
				if !errors.Is(err, ErrMalformedMessage) || !strings.Contains(err.Error(), tt.errLine+":") {
					t.Fatalf("err = %v, want ErrMalformedMessage at %s", err, tt.errLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s != tt.subject || b != tt.body || !reflect.DeepEqual(tr, tt.trailers) {
				t.Errorf("got %q, %q, %v; want %q, %q, %v", s, b, tr, tt.subject, tt.body, tt.trailers)
			}
		})
	}
	tr := Trailers(walTrailers)
	if got := tr.Get("writ-approval"); len(got) != 2 || got[1] != "bob role=sre review=9 sha=abc" {
		t.Errorf("Get(writ-approval) = %q", got)
	}
	if got := tr.Get("Nope"); got != nil {
		t.Errorf("Get(Nope) = %q", got)
	}
}

// TestTrailersGitInterop: git interpret-trailers --parse reads the same
// trailers from a formatted message.
func TestTrailersGitInterop(t *testing.T) {
	for _, tt := range []struct {
		body     string
		trailers []Trailer
	}{
		{"", walTrailers},
		{"A body.\n\nWith: paragraphs", walTrailers},
		{"body", []Trailer{{Key: "Signed-off-by", Value: "A <a@example.com>"}, {Key: "X", Value: "y: z"}}},
	} {
		msg, err := FormatMessage("apply deploy-42", tt.body, tt.trailers)
		if err != nil {
			t.Fatal(err)
		}
		out := interpretTrailers(t, msg)
		var want strings.Builder
		for _, tr := range tt.trailers {
			want.WriteString(tr.Key + ": " + tr.Value + "\n")
		}
		if out != want.String() {
			t.Errorf("git interpret-trailers --parse =\n%s\nwant\n%s", out, want.String())
		}
	}
}

// interpretTrailers runs `git interpret-trailers --parse` on msg with no
// user or system configuration (which could add or rename trailers).
func interpretTrailers(t *testing.T, msg string) string {
	t.Helper()
	cmd := exec.Command("git", "interpret-trailers", "--parse")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"HOME=" + cmd.Dir, "XDG_CONFIG_HOME=" + cmd.Dir, "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C", "PATH=" + os.Getenv("PATH")}
	cmd.Stdin = strings.NewReader(msg)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git interpret-trailers --parse: %v\n%s", err, stderr.String())
	}
	return out.String()
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		"", "s", "s\n", "s\n\nb", "s\n\nK: v\n", "s\n\nb\n\nK: v\nL: w\n", "s\n\nK:\n", "s\n\nK: v\n x\n",
		"Key: v\n\nKey: v", "s\n \n \nK: v\n\n\n", "s\n\n\x00: \xff\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		s, b, tr, err := ParseMessage(msg)
		if b != bodyBySplitting(msg) && err == nil {
			t.Fatalf("body of %q: %q, split and joined %q", msg, b, bodyBySplitting(msg))
		}
		if err != nil {
			if !errors.Is(err, ErrMalformedMessage) {
				t.Fatalf("error %v does not wrap ErrMalformedMessage", err)
			}
			return
		}
		// Whatever parses and can be formatted must round-trip.
		out, err := FormatMessage(s, b, tr)
		if err != nil {
			return
		}
		s2, b2, tr2, err := ParseMessage(out)
		if err != nil || s2 != s || b2 != b || !sameTrailers(tr2, tr) {
			t.Fatalf("round trip of %q via %q: %q %q %v %v", msg, out, s2, b2, tr2, err)
		}
	})
}

// The hand-written key checks must agree with the patterns they replace.
func TestTrailerKeyChecksMatchPatterns(t *testing.T) {
	keyRE := regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	likeRE := regexp.MustCompile(`^[A-Za-z0-9-]+:`)
	for _, s := range []string{"", "Writ-Kind", "Writ-Kind:", "Writ-Kind: x", "writ_kind: x", ":x", "-:", "a", "a b:", "é:", "Key\n:", "0:", "A-:", "x:y:z", " Writ: x"} {
		if got, want := isTrailerKey(s), keyRE.MatchString(s); got != want {
			t.Errorf("isTrailerKey(%q) = %v, pattern says %v", s, got, want)
		}
		if got, want := looksLikeTrailer(s), likeRE.MatchString(s); got != want {
			t.Errorf("looksLikeTrailer(%q) = %v, pattern says %v", s, got, want)
		}
	}
}

// bodyBySplitting is the body ParseMessage gives (when msg parses), as it
// was first written: the lines between the subject and the trailer block
// joined, then blank lines trimmed from both ends. ParseMessage takes the
// same text as a part of msg.
func bodyBySplitting(msg string) string {
	lines := strings.Split(strings.TrimRight(msg, "\n"), "\n")
	if len(lines) < 2 {
		return ""
	}
	rest := lines[2:]
	start := len(rest)
	for start > 0 && !isBlank(rest[start-1]) {
		start--
	}
	bodyEnd := len(rest)
	if start < len(rest) && looksLikeTrailer(rest[start]) {
		bodyEnd = start
	}
	return trimBlankLines(strings.Join(rest[:bodyEnd], "\n"))
}
