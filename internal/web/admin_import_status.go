package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// maxLinesShown bounds the line numbers listed for one reason.
const maxLinesShown = 100

// importStatusPage is one upload: its state and progress, the report of its
// check or import with the rejections by reason and their lines, and what
// the main user can do next.
type importStatusPage struct {
	Page
	ID, Kind, State, StateText, Created, SourceSystem string
	AcceptExpired                                     bool
	// Working: the check or the import waits or runs; the page offers a
	// refresh and shows the progress.
	Working     bool
	Done, Total int
	Percent     int
	Report      *reportView
	Failure     string
	CanConfirm  bool
	CanDiscard  bool
	HasReport   bool
	HasRejects  bool
}

// reportView is a report's counts and its rejections and warnings grouped
// by reason, each with its translated text and the rows' lines.
type reportView struct {
	DryRun                                bool
	Read, Imported, Skipped, Rejected, NW int
	Rejections, Warnings                  []reasonGroup
}

// reasonGroup is one reason and the lines it concerns.
type reasonGroup struct {
	Text  string
	Count int
	Lines string
}

// importStatus shows an upload.
func (h *handler) importStatus(w http.ResponseWriter, r *http.Request) {
	muni, ok := h.importManager(w, r)
	if !ok {
		return
	}
	u, err := h.srv.Store().ImportUploadByID(r.Context(), server.From(r).Actor, muni, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p := importStatusPage{Page: h.newPage(r, "title.import_upload", "import"), ID: u.ID, Kind: "", State: u.State,
		Created: "", SourceSystem: u.SourceSystem, AcceptExpired: u.AcceptExpired, Done: u.RowsDone, Total: u.RowsTotal}
	p.Kind, p.StateText, p.Created = p.T("import.kind."+u.Kind), p.T("import.state."+u.State), formatTime(p.Lang, u.CreatedAt)
	p.Working = slices.Contains([]string{store.UploadChecking, store.UploadQueued, store.UploadRunning}, u.State)
	if u.RowsTotal > 0 {
		p.Percent = min(100, u.RowsDone*100/u.RowsTotal)
	}
	p.CanConfirm = u.State == store.UploadChecked
	p.CanDiscard = slices.Contains([]string{store.UploadChecked, store.UploadDone, store.UploadFailed}, u.State)
	p.HasRejects = u.HasRejects
	body := u.Report
	if body == "" {
		body = u.CheckReport
	}
	if body != "" {
		var rep importer.Report
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		p.Report, p.HasReport = h.reportView(p.Page, rep), true
	}
	if u.Error != "" {
		p.Failure = h.failureText(p.Page, u.Error)
	}
	h.render(w, r, http.StatusOK, "import_status", p)
}

func (h *handler) reportView(p Page, rep importer.Report) *reportView {
	v := &reportView{DryRun: rep.DryRun, Read: rep.Read, Imported: rep.Imported, Skipped: rep.Skipped, Rejected: rep.Rejected, NW: len(rep.Warnings)}
	var rej, warn []lineReasons
	for _, x := range rep.Rejections {
		rej = append(rej, lineReasons{x.Line, x.Reasons, x.Municipality})
	}
	for _, x := range rep.Warnings {
		warn = append(warn, lineReasons{x.Line, x.Codes, ""})
	}
	v.Rejections, v.Warnings = h.groupReasons(p, rej), h.groupReasons(p, warn)
	return v
}

// lineReasons is a row's line and its reason codes.
type lineReasons struct {
	line         int
	codes        []string
	municipality string
}

// groupReasons groups rows by reason, in the order reasons first appear.
func (h *handler) groupReasons(p Page, rows []lineReasons) []reasonGroup {
	var order []string
	lines := map[string][]int{}
	for _, r := range rows {
		for _, c := range r.codes {
			key := c
			if c == store.ReasonDuplicateClient && r.municipality != "" {
				key = c + "@" + r.municipality
			}
			if _, ok := lines[key]; !ok {
				order = append(order, key)
			}
			lines[key] = append(lines[key], r.line)
		}
	}
	out := make([]reasonGroup, 0, len(order))
	for _, key := range order {
		ls := lines[key]
		shown := make([]string, 0, min(len(ls), maxLinesShown))
		for _, l := range ls[:min(len(ls), maxLinesShown)] {
			shown = append(shown, strconv.Itoa(l))
		}
		text := strings.Join(shown, ", ")
		if len(ls) > maxLinesShown {
			text += " " + p.T("import.lines_more", strconv.Itoa(len(ls)-maxLinesShown))
		}
		out = append(out, reasonGroup{Text: h.reasonText(p, key), Count: len(ls), Lines: text})
	}
	return out
}

// reasonText translates a reason code: COLUMN:CODE as the column's name and
// the rule's message, a row-level code as its message.
func (h *handler) reasonText(p Page, key string) string {
	code, muni, _ := strings.Cut(key, "@")
	column, fieldCode, isField := strings.Cut(code, ":")
	if !isField {
		fieldCode = code
	}
	msg := code
	switch {
	case fieldCode == store.ReasonDuplicateClient:
		msg = p.T("import.reason.duplicate_client", h.srv.Store().MunicipalityName(muni, p.Lang)+" "+muni)
	case h.cat.Has("import.reason." + fieldCode):
		msg = p.T("import.reason." + fieldCode)
	case h.cat.Has("field." + fieldCode):
		msg = strings.ReplaceAll(p.T("field."+fieldCode), "%s", "…") // the rule's limit is not in the code
	}
	if isField {
		return column + ": " + msg
	}
	return msg
}

// failureText translates why a job failed.
func (h *handler) failureText(p Page, code string) string {
	if fc, ok := strings.CutPrefix(code, "file:"); ok && h.cat.Has("import.file."+fc) {
		return p.T("import.file." + fc)
	}
	if code == model.CodeForbidden {
		return p.T("import.failed_forbidden")
	}
	return p.T("import.failed")
}

// confirmImport queues a checked upload for import.
func (h *handler) confirmImport(w http.ResponseWriter, r *http.Request) {
	h.decideImport(w, r, true)
}

// discardImport discards an upload with its file and reject file.
func (h *handler) discardImport(w http.ResponseWriter, r *http.Request) {
	h.decideImport(w, r, false)
}

func (h *handler) decideImport(w http.ResponseWriter, r *http.Request, confirm bool) {
	muni, ok := h.importManager(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := h.srv.Store().ConfirmImportUpload(r.Context(), server.From(r).Actor, muni, id, confirm); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if confirm {
		redirect(w, r, "/admin/import/"+id)
		return
	}
	redirect(w, r, "/admin/import?done=discarded")
}
