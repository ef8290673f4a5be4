package wal

import "testing"

func TestParseReviewRef(t *testing.T) {
	r, err := ParseReviewRef("github-review:42:octo-cat:7")
	if err != nil || r != (ReviewRef{ReviewID: 42, Login: "octo-cat", UserID: 7}) {
		t.Fatalf("got %+v, %v", r, err)
	}
	for _, bad := range []string{"review:42", "github-review:42:octo cat:7", "github-review:0:a:1", "github-review:1:a:-1", "github-review:1:a:1:2"} {
		if _, err := ParseReviewRef(bad); err == nil {
			t.Errorf("%q: parsed", bad)
		}
	}
}
