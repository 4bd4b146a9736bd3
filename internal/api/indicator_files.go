package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/store"
)

// writeStatFile answers with the table as a CSV, XLSX or JSON-stat file
// (the same code path as the web UI's downloads).
func (a *API) writeStatFile(w http.ResponseWriter, r *http.Request, t store.IndicatorTable, cacheControl string) {
	a.srv.WriteIndicatorFile(w, r, t, cacheControl)
}
