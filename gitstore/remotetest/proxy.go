package remotetest

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Faults says what a Proxy does to the connections it relays. Each new
// connection draws its fate once: reset (closed with an RST after a random
// number of bytes), cut (closed cleanly after a random number of bytes),
// or relayed whole; any of them may also be delayed before every chunk.
type Faults struct {
	// Reset and Cut are the probabilities (0..1) of a connection being
	// reset or cut; the byte count it dies after is below MaxBytes.
	Reset, Cut float64
	MaxBytes   int
	// Delay is the probability of a connection being slow; a slow one
	// waits up to MaxDelay before relaying each chunk.
	Delay    float64
	MaxDelay time.Duration
}

// Proxy relays TCP connections from 127.0.0.1 to a target address,
// injecting Faults. It is closed by the test's Cleanup.
type Proxy struct {
	// Addr is the proxy's own address, host:port.
	Addr string

	target string
	l      net.Listener
	mu     sync.Mutex
	rng    *rand.Rand
	faults Faults

	// Resets, Cuts and Delays count the faults injected so far.
	Resets, Cuts, Delays atomic.Int64
}

// NewProxy starts a proxy to target (host:port) with no faults; seed
// makes its choices reproducible (given the same order of connections).
func NewProxy(t testing.TB, target string, seed uint64) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: l.Addr().String(), target: target, l: l, rng: rand.New(rand.NewPCG(seed, 0x70726f7879))}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); p.relay(c) }()
		}
	}()
	return p
}

// SetFaults changes the faults of connections accepted from now on.
func (p *Proxy) SetFaults(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
}

// fate is what happens to one connection.
type fate struct {
	dieAfter int // bytes relayed (both ways) before dying; <0: never
	reset    bool
	delay    time.Duration
	rng      *rand.Rand
}

func (p *Proxy) draw() fate {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, r := p.faults, p.rng
	ft := fate{dieAfter: -1, rng: rand.New(rand.NewPCG(r.Uint64(), r.Uint64()))}
	switch x := r.Float64(); {
	case x < f.Reset:
		ft.reset, ft.dieAfter = true, r.IntN(max(f.MaxBytes, 1))
		p.Resets.Add(1)
	case x < f.Reset+f.Cut:
		ft.dieAfter = r.IntN(max(f.MaxBytes, 1))
		p.Cuts.Add(1)
	}
	if f.MaxDelay > 0 && r.Float64() < f.Delay {
		ft.delay = f.MaxDelay
		p.Delays.Add(1)
	}
	return ft
}

func (p *Proxy) relay(client net.Conn) {
	ft := p.draw()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	var budget atomic.Int64
	budget.Store(int64(ft.dieAfter))
	var once sync.Once
	kill := func() {
		once.Do(func() {
			for _, c := range []net.Conn{client, server} {
				if tc, ok := c.(*net.TCPConn); ok && ft.reset {
					tc.SetLinger(0) // close sends RST
				}
				c.Close()
			}
		})
	}
	var rngMu sync.Mutex
	pause := func() {
		if ft.delay <= 0 {
			return
		}
		rngMu.Lock()
		d := time.Duration(ft.rng.Int64N(int64(ft.delay)))
		rngMu.Unlock()
		time.Sleep(d)
	}
	copyHalf := func(dst, src net.Conn) {
		buf := make([]byte, 16<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				pause()
				if ft.dieAfter >= 0 {
					left := budget.Add(-int64(n))
					if left < 0 {
						if keep := int64(n) + left; keep > 0 {
							dst.Write(buf[:keep])
						}
						kill()
						return
					}
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					kill()
					return
				}
			}
			if err != nil {
				if err == io.EOF {
					if tc, ok := dst.(*net.TCPConn); ok {
						tc.CloseWrite()
						return
					}
				}
				kill()
				return
			}
		}
	}
	done := make(chan struct{}, 2)
	go func() { copyHalf(server, client); done <- struct{}{} }()
	go func() { copyHalf(client, server); done <- struct{}{} }()
	<-done
	<-done
	kill()
}
