package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

var (
	notFoundErr        = model.ErrNotFound
	forbiddenErr       = model.ErrForbidden
	unauthenticatedErr = &model.Error{Code: model.CodeUnauthenticated}
)

// FieldProblem is one entry of a problem's "errors" list.
type FieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem details object with kotodigi's extensions.
type Problem struct {
	Type         string         `json:"type"`
	Title        string         `json:"title"`
	Status       int            `json:"status"`
	Detail       string         `json:"detail,omitempty"`
	Code         string         `json:"code"`
	Errors       []FieldProblem `json:"errors,omitempty"`
	Municipality string         `json:"municipality,omitempty"`
	MergedInto   string         `json:"merged_into,omitempty"`
	RequestID    string         `json:"request_id,omitempty"`
}

// Status maps an error code to its HTTP status (CONTRACT.md § 2).
func Status(code string) int {
	switch code {
	case model.CodeBadRequest:
		return http.StatusBadRequest
	case model.CodeUnauthenticated:
		return http.StatusUnauthorized
	case model.CodeForbidden:
		return http.StatusForbidden
	case model.CodeNotFound:
		return http.StatusNotFound
	case model.CodeDuplicateClient, model.CodeConflict, model.CodeClientMerged:
		return http.StatusConflict
	case model.CodeValidationFailed, model.CodeNotInThisVersion, model.CodeEmploymentAuthority, model.CodeClientClosed, model.CodeUndoPeriodOver:
		return http.StatusUnprocessableEntity
	case model.CodeTooManyRequests:
		return http.StatusTooManyRequests
	case model.CodeBusy:
		return http.StatusServiceUnavailable
	case "payload_too_large":
		return http.StatusRequestEntityTooLarge
	case "method_not_allowed":
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// AsDomainError turns any error into a domain error: known ones keep their
// code; a body over the limit is payload_too_large; anything else is internal.
func AsDomainError(err error) *model.Error {
	var e *model.Error
	if errors.As(err, &e) {
		return e
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &model.Error{Code: "payload_too_large"}
	}
	var rl *store.RateLimitedError
	if errors.As(err, &rl) {
		return &model.Error{Code: model.CodeTooManyRequests, Detail: RetryAfterText(rl.RetryAfter)}
	}
	return &model.Error{Code: model.CodeInternal}
}

// Message translates an error for a person.
func (s *Server) Message(lang string, e *model.Error, requestID string) string {
	switch e.Code {
	case model.CodeDuplicateClient:
		return s.catalog.T(lang, "error.duplicate_client", s.store.MunicipalityName(e.Municipality, lang)+" "+e.Municipality)
	case model.CodeInternal:
		return s.catalog.T(lang, "error.internal", requestID)
	case model.CodeTooManyRequests:
		return s.catalog.T(lang, "error.too_many_requests", e.Detail)
	case model.CodeBadRequest:
		if e.Detail != "" {
			return s.catalog.T(lang, "error.bad_request") + " (" + e.Detail + ")"
		}
	}
	return s.catalog.T(lang, "error."+e.Code)
}

// RetryAfter is the Retry-After header value (seconds) for a refusal that
// passes with time, or "".
func RetryAfter(e *model.Error) string {
	switch e.Code {
	case model.CodeTooManyRequests:
		return "900"
	case model.CodeBusy:
		return "5"
	}
	return ""
}

// FieldMessage translates a field error.
func (s *Server) FieldMessage(lang string, f model.FieldError) string {
	if f.Param != "" {
		return s.catalog.T(lang, "field."+f.Code, f.Param)
	}
	return s.catalog.T(lang, "field."+f.Code)
}

// problem writes err as application/problem+json, in the request's language.
// Internal errors are logged with the request id only.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	req := From(r)
	e := AsDomainError(err)
	status := Status(e.Code)
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", "request_id", req.ID, "route", r.Pattern, "error_type", errorType(err))
	}
	if to := mergedLocation(r, e); to != "" {
		// A read of a client id merged into another record: the survivor.
		status = http.StatusPermanentRedirect
		w.Header().Set("Location", to)
	}
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: e.Code,
		Detail: s.Message(req.Lang, e, req.ID), Municipality: e.Municipality, MergedInto: e.MergedInto, RequestID: req.ID}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Code: f.Code, Message: s.FieldMessage(req.Lang, f)})
	}
	if ra := RetryAfter(e); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", req.Lang)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// mergedLocation is where a read (GET or HEAD) of a client id that was
// merged into another record goes: the same path with the surviving
// record's id in place of the old one ("" for anything else). A merge can
// be undone for 30 days, so the answer is never cached.
func mergedLocation(r *http.Request, e *model.Error) string {
	old := r.PathValue("id")
	if e.Code != model.CodeClientMerged || e.MergedInto == "" || old == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return ""
	}
	parts := strings.Split(r.URL.Path, "/")
	for i, p := range parts {
		if p == old {
			parts[i] = e.MergedInto
			if r.URL.RawQuery != "" {
				return strings.Join(parts, "/") + "?" + r.URL.RawQuery
			}
			return strings.Join(parts, "/")
		}
	}
	return ""
}

// errorType names the Go type of an error without its text, which may hold
// personal data (a database error can quote a row).
func errorType(err error) string {
	var names []string
	for err != nil {
		names = append(names, strings.TrimPrefix(fmt.Sprintf("%T", err), "*"))
		err = errors.Unwrap(err)
	}
	return strings.Join(names, " > ")
}

// Problem writes an API error (used by API handlers).
func (s *Server) Problem(w http.ResponseWriter, r *http.Request, err error) { s.problem(w, r, err) }

// fail reports an error in the form the route expects.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.problem(w, r, err)
		return
	}
	e := AsDomainError(err)
	if to := mergedLocation(r, e); to != "" {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	if e.Code == model.CodeInternal {
		s.log.Error("internal error", "request_id", From(r).ID, "route", r.Pattern, "error_type", errorType(err))
	}
	s.pageError(w, r, Status(e.Code))
}

// Fail is fail for handlers.
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }

// pageError shows a translated error page through the web package's renderer.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, status int) {
	if s.ErrorPage != nil {
		s.ErrorPage(w, r, status)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status)))
}

// JSON writes v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
