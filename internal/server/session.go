package server

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Session cookie names: the __Host- prefix (Secure, Path=/, no Domain) when
// the connection allows Secure cookies.
const (
	sessionCookieSecure = "__Host-kotodigi_session"
	sessionCookiePlain  = "kotodigi_session"
)

var crossOrigin = http.NewCrossOriginProtection()

func sessionToken(r *http.Request) string {
	name := sessionCookiePlain
	if IsSecure(r) {
		name = sessionCookieSecure
	}
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// SetSessionCookie starts the browser session after sign-in.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	name := sessionCookiePlain
	if IsSecure(r) {
		name = sessionCookieSecure
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, Secure: IsSecure(r), SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	name := sessionCookiePlain
	if IsSecure(r) {
		name = sessionCookieSecure
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: IsSecure(r), SameSite: http.SameSiteLaxMode})
}

// SetLangCookie remembers the chosen language for a year.
func SetLangCookie(w http.ResponseWriter, r *http.Request, lang string) {
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: IsSecure(r), SameSite: http.SameSiteLaxMode})
}

// CSRFField is the form field that carries the session's CSRF token.
const CSRFField = "csrf_token"

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// authenticateSession loads the session from the cookie and, for unsafe
// methods, checks the request's origin and the CSRF token. With required, a
// request without a session is sent to the sign-in page.
func (s *Server) authenticateSession(w http.ResponseWriter, r *http.Request, req *Request, required bool) bool {
	if unsafeMethod(r.Method) {
		if err := crossOrigin.Check(r); err != nil {
			s.fail(w, r, forbiddenErr)
			return false
		}
	}
	token := sessionToken(r)
	if token != "" {
		sess, err := s.store.SessionByToken(r.Context(), token)
		switch {
		case err == nil:
			req.Actor.Principal = sess.Principal
			req.Actor.Meta.SessionRef = sess.Ref
			req.CSRFToken = sess.CSRFToken
			req.SessionToken = token
		case !isNotFound(err):
			s.fail(w, r, err)
			return false
		default:
			ClearSessionCookie(w, r)
		}
	}
	if req.Actor.Principal == nil {
		if !required {
			return true
		}
		next := r.URL.Path
		if r.Method != http.MethodGet {
			next = "/"
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return false
	}
	if unsafeMethod(r.Method) {
		got := r.PostFormValue(CSRFField)
		if got == "" && tooLarge(r) {
			s.fail(w, r, &http.MaxBytesError{})
			return false
		}
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(req.CSRFToken)) != 1 {
			s.fail(w, r, forbiddenErr)
			return false
		}
	}
	return true
}

// maxNextLength bounds a path to go to after sign-in (it is stored with a
// started identity-provider sign-in).
const maxNextLength = 512

// SafeNext returns the local path to go to after sign-in or a language
// switch, or "/" when next is anything else. next is validated as it will be
// used: url.Parse decodes it once, and the decoded path is returned only when
// it is a clean absolute path ("/a/b", no empty, "." or ".." segments) made
// of letters, digits and "-", ".", "_", "~". Such a path is its own
// percent-encoding, so however often a browser, a form or this function
// decodes it again, it stays the same path on this site: no "//host",
// backslash, tab, newline, encoded slash or look-alike character can turn
// it into another site. The query and fragment are dropped.
func SafeNext(next string) string {
	if len(next) > maxNextLength {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Opaque != "" || u.User != nil || u.Host != "" || !localPath(u.Path) {
		return "/"
	}
	return u.Path
}

// localPath reports whether p is a clean absolute path of unreserved
// characters (RFC 3986 § 2.3) only.
func localPath(p string) bool {
	if p == "" || p[0] != '/' || (p != "/" && path.Clean(p) != p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/-._~", c) >= 0) {
			return false
		}
	}
	return true
}

func isNotFound(err error) bool { return model.ErrorCode(err) == model.CodeNotFound }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// RetryAfterText formats a wait for a person ("15 min").
func RetryAfterText(d time.Duration) string {
	return strconv.Itoa(int(d.Round(time.Minute).Minutes())) + " min"
}

// tooLarge reports whether a multipart form could not be read because the
// body was over the route's limit (the form's token is then missing too).
func tooLarge(r *http.Request) bool {
	if r.MultipartForm != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return false
	}
	var mbe *http.MaxBytesError
	return errors.As(r.ParseMultipartForm(32<<20), &mbe)
}
