package api

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Open data (--open-data): the country, region and wellbeing-county levels
// of every indicator without sign-in, suppressed as for everyone outside a
// municipality. Answers are cached per published snapshot (in process and by
// HTTP caches: ETag and max-age), and each address may ask openDataRate
// times a minute. Open-data requests are not audited: they show nothing
// that is not public (the access log records them).

const (
	// openDataMaxAge is how long HTTP caches may keep an answer; the
	// snapshot id is re-read from the database as often.
	openDataMaxAge = 60 * time.Second
	// openDataCacheSize bounds the in-process cache of answers.
	openDataCacheSize = 1024
	// openDataAddresses bounds the rate limiter's table of addresses.
	openDataAddresses = 10000
)

// openData is the in-process state of the open-data endpoints.
type openData struct {
	mu       sync.Mutex
	snapshot int64
	checked  time.Time
	answers  map[string]openAnswer
	window   time.Time
	requests map[string]int
}

type openAnswer struct {
	body               []byte
	ctype, disposition string
}

func newOpenData() *openData {
	return &openData{answers: map[string]openAnswer{}, requests: map[string]int{}}
}

// allow counts a request from addr; false when it is over the limit this minute.
func (o *openData) allow(addr string, limit int, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if now.Sub(o.window) >= time.Minute || len(o.requests) > openDataAddresses {
		o.window, o.requests = now, map[string]int{}
	}
	o.requests[addr]++
	return o.requests[addr] <= limit
}

// current returns the published snapshot's id, read at most every max-age.
func (o *openData) current(r *http.Request, st *store.Store) (int64, error) {
	o.mu.Lock()
	if time.Since(o.checked) < openDataMaxAge && o.snapshot != 0 {
		id := o.snapshot
		o.mu.Unlock()
		return id, nil
	}
	o.mu.Unlock()
	sn, err := st.PublishedSnapshot(r.Context())
	if model.ErrorCode(err) == model.CodeNotFound {
		return 0, nil // the first query refreshes
	}
	if err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if sn.ID != o.snapshot {
		o.answers = map[string]openAnswer{}
	}
	o.snapshot, o.checked = sn.ID, time.Now()
	return sn.ID, nil
}

func (o *openData) get(key string) (openAnswer, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.answers[key]
	return a, ok
}

func (o *openData) put(key string, a openAnswer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.answers) >= openDataCacheSize {
		o.answers = map[string]openAnswer{}
	}
	o.answers[key] = a
}

// openGate checks that open data is on and the caller within its rate.
func (a *API) openGate(w http.ResponseWriter, r *http.Request) bool {
	st := a.srv.Store()
	if !st.OpenData() {
		a.srv.Problem(w, r, model.ErrNotFound)
		return false
	}
	if !a.open.allow(server.From(r).Actor.Meta.RemoteAddr, st.OpenDataRate(), time.Now()) {
		a.srv.Problem(w, r, &model.Error{Code: model.CodeTooManyRequests, Detail: "1 min"})
		return false
	}
	return true
}

func (a *API) openIndicators(w http.ResponseWriter, r *http.Request) {
	if !a.openGate(w, r) {
		return
	}
	a.listIndicators(w, r)
}

func (a *API) openIndicatorData(w http.ResponseWriter, r *http.Request) {
	if !a.openGate(w, r) {
		return
	}
	st := a.srv.Store()
	ind, q, ok := a.indicatorQuery(w, r)
	if !ok {
		return
	}
	snapshot, err := a.open.current(r, st)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	key := r.URL.Query().Encode() + "|" + ind.ID + "|" + server.From(r).Lang
	h := fnv.New64a()
	h.Write([]byte(key))
	etag := `"` + strconv.FormatInt(snapshot, 10) + "-" + strconv.FormatUint(h.Sum64(), 36) + `"`
	if snapshot != 0 && r.Header.Get("If-None-Match") == etag {
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	ans, ok := a.open.get(key)
	if !ok || snapshot == 0 {
		t, err := st.OpenIndicatorData(r.Context(), q)
		if err != nil {
			a.srv.Problem(w, r, err)
			return
		}
		if ans, err = a.openAnswer(r, t); err != nil {
			a.srv.Problem(w, r, err)
			return
		}
		if t.Snapshot.ID != snapshot { // refreshed meanwhile: cache under the new one next time
			etag = `"` + strconv.FormatInt(t.Snapshot.ID, 10) + "-" + strconv.FormatUint(h.Sum64(), 36) + `"`
		} else {
			a.open.put(key, ans)
		}
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Vary", "Accept-Language")
	writeAnswer(w, ans, "public, max-age="+strconv.Itoa(int(openDataMaxAge.Seconds())))
}

// openAnswer renders a table as the bytes of its answer.
func (a *API) openAnswer(r *http.Request, t store.IndicatorTable) (openAnswer, error) {
	if t.Query.Format == indicators.FormatJSON {
		b, err := json.Marshal(indicatorData{Indicator: t.Indicator.ID, Unit: t.Indicator.Unit, Snapshot: t.Snapshot, Cells: t.Cells})
		return openAnswer{body: append(b, '\n'), ctype: "application/json"}, err
	}
	rec := &bufferedResponse{header: http.Header{}}
	a.writeStatFile(rec, r, t, "")
	if rec.status != 0 && rec.status != http.StatusOK {
		return openAnswer{}, model.Errorf(model.CodeInternal, "file")
	}
	return openAnswer{body: rec.body.Bytes(), ctype: rec.header.Get("Content-Type"), disposition: rec.header.Get("Content-Disposition")}, nil
}

// bufferedResponse keeps what a handler writes.
type bufferedResponse struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
