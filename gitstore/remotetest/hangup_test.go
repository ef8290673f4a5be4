package remotetest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestTruncatedRequestDoesNotOutliveTheServer: a client killed while it
// uploads a push (a request with a Content-Length) leaves git http-backend
// (2.39) spinning on the truncated input for ever, reading end of file in a
// loop, and the server's Close, which waits for that request, with it. The backend runs under a time limit, so the
// server stops by itself.
func TestTruncatedRequestDoesNotOutliveTheServer(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	s := New(t)
	s.backendLimit(2 * time.Second)
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	fmt.Fprintf(&body, "%04x%s %s refs/heads/x\x00 report-status\n0000", 4+40+1+40+14+16, strings.Repeat("0", 40), strings.Repeat("1", 40))
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s/git-receive-pack HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-git-receive-pack-request\r\nContent-Length: %d\r\n\r\n",
		u.Path, u.Host, body.Len()+1000)
	conn.Write(body.Bytes()) // then hang up before the rest
	bufio.NewReader(conn)
	time.Sleep(200 * time.Millisecond)
	conn.Close()

	closed := make(chan struct{})
	go func() { s.srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not stop: a git http-backend outlives the request its client abandoned")
	}
}
