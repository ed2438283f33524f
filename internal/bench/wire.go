package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// wireConn is one keep-alive HTTP/1.1 connection of a worker. The
// generator writes each request as one pre-assembled buffer and reads the
// answer with a minimal HTTP/1.1 parser: no transport goroutines, pools or
// header maps, so that the generator takes as little CPU as it can from the
// server it measures on the same machine.
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
	return w.readResponse(out)
}

// errResponse reports an answer the generator cannot read.
var errResponse = errors.New("malformed or unsupported HTTP response")

// readResponse reads one HTTP/1.1 answer: the status line, the headers
// (only Content-Length, Connection and Transfer-Encoding matter) and a
// Content-Length body, which is what the server sends for every token
// endpoint answer.
func (w *wireConn) readResponse(out *bytes.Buffer) (status int, keep bool, err error) {
	line, err := w.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errResponse
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, errResponse
	}
	length, keep := -1, true
	for {
		if line, err = w.r.ReadSlice('\n'); err != nil {
			return 0, false, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, errResponse
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, false, errResponse
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			keep = false
		}
	}
	if length < 0 {
		return 0, false, errResponse
	}
	out.Reset()
	_, err = io.CopyN(out, w.r, int64(length))
	return status, keep && err == nil, err
}

// close drops the connection.
func (w *wireConn) close() {
	if w.c != nil {
		w.c.Close()
		w.c = nil
	}
}
