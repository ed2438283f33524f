package demo

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// maxPeek bounds the request and response bodies the tap reads.
const maxPeek = 1 << 20

// hop is one HTTP exchange of the agent, as the tap saw it.
type hop struct {
	method string
	url    *url.URL
	// form is the request's form body; rpc and tool the JSON-RPC method
	// and tools/call name of an MCP request; bearer whether it carried an
	// Authorization header.
	form      url.Values
	rpc, tool string
	bearer    bool
	// status, the WWW-Authenticate challenge and Location of the answer;
	// body its decoded JSON object, if it was one.
	status    int
	challenge string
	location  string
	body      map[string]any
}

// tap is an http.RoundTripper that shows every exchange of the agent to
// see, after the answer arrived and before the agent reads it. It reads
// request bodies through GetBody (leaving the request untouched) and
// JSON answers up to maxPeek (handing the agent an identical body);
// streams (text/event-stream) are never read.
type tap struct {
	base http.RoundTripper
	see  func(hop)
}

// RoundTrip implements http.RoundTripper.
func (t *tap) RoundTrip(req *http.Request) (*http.Response, error) {
	h := hop{method: req.Method, url: req.URL, bearer: req.Header.Get("Authorization") != ""}
	if body := requestBody(req); body != nil {
		h.parseRequest(req.Header.Get("Content-Type"), body)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	h.status, h.challenge, h.location = resp.StatusCode, resp.Header.Get("WWW-Authenticate"), resp.Header.Get("Location")
	if mediaType(resp.Header.Get("Content-Type")) == "application/json" {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxPeek))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if rerr == nil {
			_ = json.Unmarshal(b, &h.body)
		}
	}
	t.see(h)
	return resp, nil
}

// requestBody returns a copy of the request body, or nil.
func requestBody(req *http.Request) []byte {
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPeek))
	if err != nil {
		return nil
	}
	return b
}

// parseRequest reads a form body or a JSON-RPC message.
func (h *hop) parseRequest(contentType string, body []byte) {
	switch mediaType(contentType) {
	case "application/x-www-form-urlencoded":
		h.form, _ = url.ParseQuery(string(body))
	case "application/json":
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &msg) == nil {
			h.rpc = msg.Method
			if msg.Method == "tools/call" {
				h.tool = msg.Params.Name
			}
		}
	}
}

func mediaType(v string) string {
	mt, _, _ := mime.ParseMediaType(v)
	return mt
}

// str returns a string member of the answer's JSON body.
func (h hop) str(name string) string {
	s, _ := h.body[name].(string)
	return s
}
