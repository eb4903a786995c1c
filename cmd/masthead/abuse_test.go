package main

// Abusive clients against the real server and its real listener: each
// must leave the server answering everyone else.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAbusiveClients(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "masthead.db")
	inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "12", "--read-header-timeout", "1s")
	addr := strings.TrimPrefix(inst.URL, "http://")
	art := firstArticle(t, inst)
	alive := func(what string) {
		t.Helper()
		mustStatus(t, "an article "+what, get(t, inst.URL+art), http.StatusOK)
	}

	t.Run("slow-loris", func(t *testing.T) {
		// Clients that send their headers a byte at a time hold a
		// connection each until ReadHeaderTimeout, then are cut off.
		const n = 200
		conns := make([]net.Conn, n)
		for i := range conns {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nX-Slow: ", addr)
			conns[i] = c
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var closed atomic.Int64
		for _, c := range conns {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(200 * time.Millisecond):
					}
					if _, err := c.Write([]byte("a")); err != nil {
						closed.Add(1)
						return
					}
					// A server that gave up answers 408 or closes.
					c.SetReadDeadline(time.Now().Add(time.Millisecond))
					if b, err := bufio.NewReader(c).Peek(1); len(b) > 0 || (err != nil && !isTimeout(err)) {
						closed.Add(1)
						return
					}
				}
			})
		}
		alive("while slow clients hold connections")
		ok := waitFor(20*time.Second, func() bool { return closed.Load() == n })
		close(stop)
		wg.Wait()
		if !ok {
			t.Errorf("%d of %d slow clients were still connected after 20 s", n-closed.Load(), n)
		}
	})

	t.Run("huge headers", func(t *testing.T) {
		// 200 KB of headers, over the 64 KB limit: 431. Sent on a raw
		// connection, since the server stops reading and closes, which
		// a client still writing meets as a reset before the answer.
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		go fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nX-Huge: %s\r\n\r\n", art, addr, strings.Repeat("h", 200<<10))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("200 KB of headers: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("200 KB of headers: status %d, want 431", resp.StatusCode)
		}
		alive("after huge headers")
	})

	t.Run("1 GB upload", func(t *testing.T) {
		// Declared: refused from the Content-Length alone. Chunked:
		// read up to the body limit, then refused. Neither is read to
		// its end nor held in memory.
		for _, declared := range []bool{true, false} {
			var sent atomic.Int64
			body := &countingReader{r: io.LimitReader(zeros{}, 1<<30), n: &sent}
			req, _ := http.NewRequest(http.MethodPost, inst.URL+"/register", body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if declared {
				req.ContentLength = 1 << 30
			} else {
				req.ContentLength = -1
			}
			resp, err := client().Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				// Undeclared, the form parser meets the limit: 413, or
				// 400 where a handler reports the form unreadable.
				if resp.StatusCode != http.StatusRequestEntityTooLarge && (declared || resp.StatusCode != http.StatusBadRequest) {
					t.Errorf("1 GB upload (declared %t): status %d, want 413", declared, resp.StatusCode)
				}
			}
			// The server may also close the connection under a client
			// still sending: an error here is fine, reading it all is not.
			if s := sent.Load(); s >= 1<<30 {
				t.Errorf("the server read the whole 1 GB upload (declared %t)", declared)
			} else {
				t.Logf("1 GB upload (declared %t): refused after %d MB sent (%v)", declared, s>>20, err)
			}
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > 256<<20 {
			t.Errorf("heap %d MB after the uploads: was the body held in memory?", ms.HeapAlloc>>20)
		}
		alive("after 1 GB uploads")
	})

	t.Run("thousands of connections", func(t *testing.T) {
		// 3,000 clients at once, each on its own connection.
		const n = 3000
		var ok, failed atomic.Int64
		var firstErr atomic.Value
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				c, err := net.DialTimeout("tcp", addr, 30*time.Second)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(60 * time.Second))
				fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", art, addr)
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if failed.Load() > 0 {
			t.Errorf("%d of %d concurrent clients failed (first: %v)", failed.Load(), n, firstErr.Load())
		}
		t.Logf("%d of %d concurrent connections served", ok.Load(), n)
		alive("after thousands of connections")
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
