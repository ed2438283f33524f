package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// wireConn is one keep-alive HTTP/1.1 connection of a worker. The
// generator writes each request as one pre-assembled buffer and parses the
// answer with http.ReadResponse: no transport goroutines, pools or
// per-request header maps on the sending side, so that the generator takes
// as little CPU as it can from the server it measures on the same machine.
type wireConn struct {
	addr   string
	prefix []byte // request line and fixed headers, up to Content-Length
	c      net.Conn
	r      *bufio.Reader
	req    []byte
}

// newWireConn prepares a connection for POSTs to target (http only) with
// the given Authorization header ("" for none); it dials on first use.
func newWireConn(target, authorization string) (*wireConn, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("bench: %q is not an http URL", target)
	}
	var p bytes.Buffer
	fmt.Fprintf(&p, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: authplane-bench\r\n", u.RequestURI(), u.Host)
	p.WriteString("Content-Type: application/x-www-form-urlencoded\r\n")
	if authorization != "" {
		p.WriteString("Authorization: " + authorization + "\r\n")
	}
	p.WriteString("Content-Length: ")
	return &wireConn{addr: u.Host, prefix: p.Bytes()}, nil
}

// post sends body and reads the whole answer into out; it returns the
// status. After an error the connection is closed and the next post dials
// again.
func (w *wireConn) post(body []byte, out *bytes.Buffer) (int, error) {
	if w.c == nil {
		if err := w.dial(); err != nil {
			return 0, err
		}
	}
	status, keep, err := w.roundTrip(body, out)
	if err != nil || !keep {
		w.close()
	}
	return status, err
}

func (w *wireConn) dial() error {
	c, err := net.DialTimeout("tcp", w.addr, 5*time.Second)
	if err != nil {
		return err
	}
	w.c = c
	if w.r == nil {
		w.r = bufio.NewReaderSize(c, 16<<10)
	} else {
		w.r.Reset(c)
	}
	return nil
}

func (w *wireConn) roundTrip(body []byte, out *bytes.Buffer) (status int, keep bool, err error) {
	if err := w.c.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return 0, false, err
	}
	w.req = append(w.req[:0], w.prefix...)
	w.req = strconv.AppendInt(w.req, int64(len(body)), 10)
	w.req = append(w.req, "\r\n\r\n"...)
	w.req = append(w.req, body...)
	if _, err := w.c.Write(w.req); err != nil {
		return 0, false, err
	}
	resp, err := http.ReadResponse(w.r, nil)
	if err != nil {
		return 0, false, err
	}
	out.Reset()
	_, err = out.ReadFrom(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err == nil && !resp.Close, err
}

// close drops the connection.
func (w *wireConn) close() {
	if w.c != nil {
		w.c.Close()
		w.c = nil
	}
}
