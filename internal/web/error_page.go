package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/server"
)

// errorPage is the translated error page, in the same layout as the others.
type errorPage struct {
	Page
	Status int
	Text   string
	// RequestID is shown for internal errors, so that support can find the log line.
	RequestID string
}

// errorStatuses have their own title and text; other client errors use
// 400's and other server errors 500's.
var errorStatuses = map[int]bool{400: true, 401: true, 403: true, 404: true, 405: true, 413: true, 429: true, 500: true}

// errorPage renders the error page for status; the server calls it for every
// failed web request (srv.ErrorPage).
func (h *handler) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	req := server.From(r)
	key := strconv.Itoa(status)
	switch {
	case errorStatuses[status]:
	case status >= 400 && status < 500:
		key = "400"
	default:
		key = "500"
	}
	page := errorPage{Page: h.newPage(r, "errorpage."+key+".title", ""), Status: status}
	page.Text = page.T("errorpage." + key + ".text")
	if key == "500" {
		page.RequestID = req.ID
	}
	var buf bytes.Buffer
	hd := w.Header()
	if err := h.pages["error"].ExecuteTemplate(&buf, "layout.html", page); err != nil {
		// The error page itself failed: say so plainly.
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(http.StatusText(status) + "\n"))
		return
	}
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", req.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
