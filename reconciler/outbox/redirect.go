package outbox

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrRedirect is the error of a notifier's call that the server answered
// with a redirect: a notifier never follows one, so a token (in a header
// or, as Slack's, in the form body, which Go replays on a 307 or 308 to
// any host) goes to the configured API and nowhere else.
var ErrRedirect = errors.New("refused to follow a redirect: the token is sent only to the configured API address; configure the address the API answers at")

// NoRedirects returns a copy of hc (nil: a new http.Client) that follows
// no redirect: a call answered with one fails with ErrRedirect, naming the
// host the server pointed to (never the token). hc itself is not changed.
// Notifier constructors apply it to whatever client they are given.
func NoRedirects(hc *http.Client) *http.Client {
	c := &http.Client{}
	if hc != nil {
		*c = *hc
	}
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		return fmt.Errorf("%w (the server redirected to host %q)", ErrRedirect, req.URL.Host)
	}
	return c
}
