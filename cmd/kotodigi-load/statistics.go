package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/bench"
)

// runStatistics queries indicators at random (CONTRACT.md § 3) with a
// statistician's token: a random indicator, area level, period level and
// breakdown over the last two years, in one format; or GETs the paths of
// --paths at random.
func runStatistics(ctx context.Context, c config, base string, out io.Writer) error {
	if !slices.Contains([]string{"json", "csv", "xlsx", "json-stat"}, c.format) {
		return errors.New("--format must be json, csv, xlsx or json-stat")
	}
	l := &loader{base: strings.TrimRight(base, "/"), token: c.token, cookie: c.cookie, client: bench.LoopbackClient(c.concurrency, c.timeout)}
	var paths []string
	what := "indicator queries (" + c.format + ")"
	if c.paths != "" {
		b, err := os.ReadFile(c.paths)
		if err != nil {
			return err
		}
		for _, p := range strings.Split(string(b), "\n") {
			if p = strings.TrimSpace(p); strings.HasPrefix(p, "/") {
				paths = append(paths, p)
			}
		}
		what = fmt.Sprintf("GET of %d paths", len(paths))
	} else {
		var err error
		if paths, err = l.indicatorQueries(ctx, c.format, time.Now()); err != nil {
			return err
		}
	}
	if len(paths) == 0 {
		return errors.New("nothing to ask")
	}
	s, firstErr := loop(ctx, c, func(ctx context.Context, _ int) error {
		_, err := l.do(ctx, http.MethodGet, paths[rand.IntN(len(paths))], nil, http.StatusOK)
		return err
	})
	label := c.label
	if label == "" {
		label = "statistics-" + c.format
	}
	report(out, c, label, what+" against "+l.base, s, firstErr)
	if s.OK == 0 {
		return fmt.Errorf("no request succeeded: %v", firstErr)
	}
	return ctx.Err()
}

// indicatorQueries lists every combination of indicator, area level, period
// level and breakdown (none, or one of the indicator's) over the two years
// up to today.
func (l *loader) indicatorQueries(ctx context.Context, format string, now time.Time) ([]string, error) {
	b, err := l.do(ctx, http.MethodGet, "/api/v1/indicators", nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []struct {
			ID         string   `json:"id"`
			Breakdowns []string `json:"breakdowns"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("indicator list: %w", err)
	}
	from := time.Date(now.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	to := now.Format(time.DateOnly)
	var out []string
	for _, ind := range list.Items {
		for _, area := range []string{"municipality", "wellbeing_county", "region", "country"} {
			for _, period := range []string{"month", "quarter", "year"} {
				for _, by := range append([]string{""}, ind.Breakdowns...) {
					q := url.Values{"area": {area}, "period": {period}, "from": {from}, "to": {to}, "format": {format}}
					if by != "" {
						q.Set("by", by)
					}
					out = append(out, "/api/v1/indicators/"+url.PathEscape(ind.ID)+"/data?"+q.Encode())
				}
			}
		}
	}
	return out, nil
}
