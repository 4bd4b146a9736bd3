package api

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// Signed-in indicator answers are rendered once per published snapshot,
// viewer, query and language and kept: a table of tens of thousands of
// figures took milliseconds of CPU to assemble and encode for every caller
// (at 1,000,000 clients, 16 callers at once saturated both cores). What is
// rendered depends on nothing else (indicators.Assemble applies the viewer,
// the organisation). Every request is still checked and audited as
// indicator.read (store.RecordIndicatorRead) before the answer is written.

const (
	// answerCacheEntries and answerCacheBytes bound the cache; it is
	// emptied when either would be exceeded, and on a new snapshot.
	answerCacheEntries = 4096
	answerCacheBytes   = 256 << 20
)

type answerCache struct {
	mu       sync.Mutex
	snapshot int64
	size     int
	answers  map[string]cachedAnswer
}

type cachedAnswer struct {
	openAnswer
	figures int
}

func (c *answerCache) get(snapshot int64, key string) (cachedAnswer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snapshot != snapshot {
		return cachedAnswer{}, false
	}
	a, ok := c.answers[key]
	return a, ok
}

func (c *answerCache) put(snapshot int64, key string, a cachedAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(a.body) > answerCacheBytes/4 || snapshot < c.snapshot {
		return
	}
	if c.answers == nil || snapshot != c.snapshot || len(c.answers) >= answerCacheEntries || c.size+len(a.body) > answerCacheBytes {
		c.snapshot, c.size, c.answers = snapshot, 0, map[string]cachedAnswer{}
	}
	c.answers[key] = a
	c.size += len(a.body)
}

// answerKey names one rendered answer within a snapshot.
func answerKey(r *http.Request, ind *indicators.Indicator, q indicators.Query) string {
	p := server.From(r).Actor.Principal
	return p.OrgKind + "|" + p.OrgCode + "|" + ind.ID + "|" + q.AreaLevel + "|" + q.PeriodLevel + "|" + q.From.String() + "|" +
		q.To.String() + "|" + q.By + "|" + q.Format + "|" + server.From(r).Lang
}

// cachedIndicatorData answers from a rendered answer of the published
// snapshot when there is one (audited); false when the caller must compute
// it, or when it has answered with a problem.
func (a *API) cachedIndicatorData(w http.ResponseWriter, r *http.Request, ind *indicators.Indicator, q indicators.Query) (handled bool, snapshot int64) {
	st := a.srv.Store()
	sn, err := st.PublishedSnapshot(r.Context())
	if model.ErrorCode(err) == model.CodeNotFound {
		return false, 0 // the first query refreshes
	}
	if err != nil {
		a.srv.Problem(w, r, err)
		return true, 0
	}
	ans, ok := a.answers.get(sn.ID, answerKey(r, ind, q))
	if !ok {
		return false, sn.ID
	}
	if err := st.RecordIndicatorRead(r.Context(), server.From(r).Actor, q, sn.ID, ans.figures); err != nil {
		a.srv.Problem(w, r, err)
		return true, sn.ID
	}
	writeAnswer(w, ans.openAnswer, "no-store")
	return true, sn.ID
}

// writeAnswer writes rendered answer bytes with their headers.
func writeAnswer(w http.ResponseWriter, ans openAnswer, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", ans.ctype)
	if ans.disposition != "" {
		h.Set("Content-Disposition", ans.disposition)
	}
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Length", strconv.Itoa(len(ans.body)))
	_, _ = w.Write(ans.body)
}
