package idprole

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/authplane/authplane/internal/secret"
)

// csrfCookie binds the sign-in form to the browser that loaded it, so a
// third-party page cannot post credentials of its choice (login CSRF).
const csrfCookie = "authplane_idp_csrf"

// handleAuthorizeGet validates the authorization request and shows the
// sign-in form.
func (s *Server) handleAuthorizeGet(w http.ResponseWriter, r *http.Request) {
	f, err := parseValues(r.URL.RawQuery)
	if err != nil {
		s.renderError(w, &pageError{http.StatusBadRequest, "The request is malformed.", "malformed_query"})
		return
	}
	app, err := s.checkClient(r.Context(), f)
	if err != nil {
		s.renderError(w, err)
		return
	}
	if e := checkRequest(app, f); e != nil {
		s.sendRedirectError(w, r, f, e)
		return
	}
	s.renderForm(w, r, app, authRequestFrom(f), "", http.StatusOK)
}

// handleAuthorizePost checks the form's CSRF token and the credentials,
// then redirects with a fresh authorization code (RFC 6749 §4.1.2, with
// iss per RFC 9207).
func (s *Server) handleAuthorizePost(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(w, r)
	if err != nil {
		s.renderError(w, &pageError{http.StatusBadRequest, "The form is malformed.", "malformed_form"})
		return
	}
	app, err := s.checkClient(r.Context(), f)
	if err != nil {
		s.renderError(w, err)
		return
	}
	if e := checkRequest(app, f); e != nil {
		s.sendRedirectError(w, r, f, e)
		return
	}
	req := authRequestFrom(f)
	if !s.validCSRF(r, req, f.get("csrf_token")) {
		s.renderError(w, &pageError{http.StatusForbidden, "The sign-in form expired or was not loaded by this browser. Start again from the application.", "csrf"})
		return
	}
	username := f.get("username")
	if !s.checkCredentials(r, app.ID, username, f.get("password")) {
		req.LoginHint = username
		s.renderForm(w, r, app, req, "Invalid username or password.", http.StatusOK)
		return
	}
	code, err := s.issueCode(r, app.ID, req, username)
	if err != nil {
		s.log.Error("issue authorization code", "client_id", app.ID, "err", err)
		s.renderError(w, &pageError{http.StatusInternalServerError, "The sign-in could not be completed.", "internal"})
		return
	}
	p := url.Values{"code": {code}}
	if req.State != "" {
		p.Set("state", req.State)
	}
	s.redirectTo(w, r, req.RedirectURI, p)
}

// csrfToken is HMAC(csrfKey, cookie || request): valid only with the
// cookie of the browser that loaded the form and for the same request.
func (s *Server) csrfToken(cookie string, req authRequest) string {
	req.LoginHint = "" // a prefill only; the form does not carry it
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(cookie + "\x00" + req.values().Encode()))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) validCSRF(r *http.Request, req authRequest, token string) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 16 || token == "" {
		return false
	}
	return hmac.Equal([]byte(s.csrfToken(c.Value, req)), []byte(token))
}

// csrfCookieValue returns the browser's CSRF cookie, setting a new one if
// it has none.
func (s *Server) csrfCookieValue(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 16 && len(c.Value) <= 64 {
		return c.Value
	}
	v := secret.ID()
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: v, Path: s.ep.base + "/authorize", HttpOnly: true,
		Secure: s.ep.secure, SameSite: http.SameSiteStrictMode, MaxAge: int((30 * time.Minute).Seconds()),
	})
	return v
}

// formData feeds the sign-in template.
type formData struct {
	AppName string
	Action  string
	Fields  url.Values
	CSRF    string
	Error   string
	Login   string
}

func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, app appRow, req authRequest, msg string, status int) {
	cookie := s.csrfCookieValue(w, r)
	name := app.Name
	if name == "" {
		name = app.ID
	}
	fields := req.values()
	fields.Del("login_hint")
	d := formData{AppName: name, Action: s.ep.authorize, Fields: fields, CSRF: s.csrfToken(cookie, req),
		Error: msg, Login: req.LoginHint}
	setPageHeaders(w)
	w.WriteHeader(status)
	_ = s.pages.signIn.Execute(w, d) // the browser may have gone
}

func (s *Server) renderError(w http.ResponseWriter, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		s.log.Error("authorization endpoint", "err", err)
		pe = &pageError{http.StatusInternalServerError, "The identity provider encountered an error.", "internal"}
	}
	setPageHeaders(w)
	w.WriteHeader(pe.status)
	_ = s.pages.err.Execute(w, pe.msg)
}

// setPageHeaders forbids framing (clickjacking of the sign-in form),
// caching, referrers and every active content.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

const pageStyle = `<style>body{font-family:sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin-top:1rem}input[type=text],input[type=password]{width:100%;padding:.4rem}
button{margin-top:1.5rem;padding:.5rem 1.5rem}.error{color:#a00}</style>`

// pages are the parsed HTML templates of the authorization endpoint.
type pages struct {
	signIn, err *template.Template
}

func parsePages() (pages, error) {
	si, err := template.New("signin").Parse(signInHTML)
	if err != nil {
		return pages{}, err
	}
	e, err := template.New("error").Parse(errorHTML)
	return pages{signIn: si, err: e}, err
}

const signInHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title>` + pageStyle + `</head><body>
<h1>Sign in</h1>
<p>to continue to <strong>{{.AppName}}</strong></p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label>Username <input type="text" name="username" value="{{.Login}}" autocomplete="username" required autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form></body></html>
`

const errorHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title>` + pageStyle + `</head><body>
<h1>Sign-in error</h1><p class="error">{{.}}</p></body></html>
`
