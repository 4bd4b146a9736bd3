// Package web is the server-rendered web UI.
package web

import "github.com/kotodigi/kotodigi/internal/server"

// Routes returns the web UI's route table.
func Routes(srv *server.Server) []server.Route { return nil }
