package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/server"
)

func (a *API) clientStatistics(w http.ResponseWriter, r *http.Request) {
	cells, err := a.srv.Store().ClientStatistics(r.Context(), server.From(r).Actor, r.URL.Query().Get("group_by"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, map[string]any{"cells": cells})
}
