// Package redirecttest holds the values of "next" that must never lead to
// another site, for the tests of every route that takes one (and the seeds
// of the SafeNext fuzz target). Only tests import it.
package redirecttest

import (
	_ "embed"
	"strconv"
	"strings"
)

//go:embed hostile_next.txt
var hostileNext string

// Hostile returns the values, as the server receives them (after the one
// decoding of a query or form value).
func Hostile() []string {
	var out []string
	for _, line := range strings.Split(hostileNext, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.Unquote(line)
		if err != nil {
			panic("hostile_next.txt: " + line + ": " + err.Error())
		}
		out = append(out, v)
	}
	return out
}
