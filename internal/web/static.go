package web

import (
	"bytes"
	"net/http"
	"time"
)

// staticFile is one embedded static file.
type staticFile struct {
	body        []byte
	etag        string
	contentType string
}

// staticFile serves the embedded stylesheet. Pages link it with its content
// hash in the query, so it may be cached for long.
func (h *handler) staticFile(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static[r.PathValue("file")]
	if !ok {
		h.errorPage(w, r, http.StatusNotFound)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", f.etag)
	if `"`+r.URL.Query().Get("v")+`"` == f.etag {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
