package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// MaxUploadBytes bounds a file uploaded to import (the request as a whole).
const MaxUploadBytes = 64 << 20

// maxMappingBytes bounds a column-mapping file.
const maxMappingBytes = 1 << 20

// importInputs is the upload form, in order.
var importInputs = []inputSpec{
	{Name: "kind", Kind: "radio", Key: "import.kind", Required: true},
	{Name: "file", Kind: "file", Key: "import.file", Required: true},
	{Name: "mapping", Kind: "file", Key: "import.mapping", Optional: true},
	{Name: "source_system", Kind: "text", Key: "import.source_system", Optional: true},
	{Name: "accept_expired", Kind: "checkbox", Key: "import.accept_expired"},
}

// importPage is a main user's data migration page: the upload form and the
// municipality's uploads.
type importPage struct {
	Page
	formState
	Done    string
	Uploads []uploadRow
	kinds   []option
}

// uploadRow is one upload in the list.
type uploadRow struct {
	ID, Kind, State, Created string
}

// F describes one input of the upload form.
func (p importPage) F(name string) formField {
	for _, in := range importInputs {
		if in.Name == name {
			return p.input(p.formState, in, p.kinds...)
		}
	}
	panic("web: no input " + name)
}

func (h *handler) importForm(r *http.Request, state formState) importPage {
	page := importPage{Page: h.newPage(r, "title.import", "import"), formState: state}
	for _, k := range store.ImportKinds {
		page.kinds = append(page.kinds, option{Value: k, Label: page.T("import.kind." + k)})
	}
	if page.values["kind"] == "" {
		page.values["kind"] = store.KindClients
	}
	return page
}

// importManager is the municipality whose data the signed-in main user may
// migrate, or a failed request.
func (h *handler) importManager(w http.ResponseWriter, r *http.Request) (string, bool) {
	muni, ok := ownMunicipality(server.From(r).Actor.Principal, authz.ImportManage)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
	}
	return muni, ok
}

// imports shows the upload form and the uploads.
func (h *handler) imports(w http.ResponseWriter, r *http.Request) {
	muni, ok := h.importManager(w, r)
	if !ok {
		return
	}
	page := h.importForm(r, newFormState())
	if r.URL.Query().Get("done") == "discarded" {
		page.Done = page.T("import.done_discarded")
	}
	h.renderImports(w, r, http.StatusOK, muni, page)
}

func (h *handler) renderImports(w http.ResponseWriter, r *http.Request, status int, muni string, page importPage) {
	uploads, err := h.srv.Store().ImportUploads(r.Context(), server.From(r).Actor, muni)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for _, u := range uploads {
		page.Uploads = append(page.Uploads, uploadRow{ID: u.ID, Kind: page.T("import.kind." + u.Kind),
			State: page.T("import.state." + u.State), Created: formatTime(page.Lang, u.CreatedAt)})
	}
	page.summarizeForm(&page.formState, importInputs)
	page.HasErrors = page.Invalid()
	h.render(w, r, status, "import", page)
}

// upload stores an uploaded file to be checked; the check (a dry run) runs
// as a background job, and the upload's page shows its report.
func (h *handler) upload(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := h.importManager(w, r)
	if !ok {
		return
	}
	page := h.importForm(r, readForm(r, importInputs))
	in := store.NewImportUpload{Municipality: muni, Kind: page.values["kind"], SourceSystem: strings.TrimSpace(page.values["source_system"]),
		AcceptExpired: page.values["accept_expired"] == "true"}
	if !optionExists(page.kinds, in.Kind) {
		page.errors["kind"] = append(page.errors["kind"], page.T("field."+model.FieldInvalidChoice))
	}
	if len(in.SourceSystem) > 100 {
		page.errors["source_system"] = append(page.errors["source_system"], page.T("field."+model.FieldTooLong, "100"))
	}
	in.Content = h.uploadedFile(r, &page.formState, "file", MaxUploadBytes)
	if in.Content != nil && len(in.Content) == 0 {
		page.errors["file"] = append(page.errors["file"], page.T("import.file."+importer.FileEmpty))
	}
	if m := h.uploadedFile(r, &page.formState, "mapping", maxMappingBytes); m != nil {
		if _, err := importer.ParseMapping(bytes.NewReader(m)); err != nil {
			page.errors["mapping"] = append(page.errors["mapping"], page.T("import.mapping_invalid"))
		}
		in.Mapping = string(m)
	}
	if page.errors["file"] == nil && in.Content == nil {
		page.errors["file"] = append(page.errors["file"], page.T("field."+model.FieldRequired))
	}
	if page.Invalid() {
		h.renderImports(w, r, http.StatusUnprocessableEntity, muni, page)
		return
	}
	in.Format = "csv"
	if bytes.HasPrefix(in.Content, []byte("PK\x03\x04")) {
		in.Format = "xlsx"
	}
	id, err := h.srv.Store().CreateImportUpload(r.Context(), req.Actor, in)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	redirect(w, r, "/admin/import/"+id)
}

// uploadedFile reads the file of a file input (nil when none was chosen);
// a file over max is an error of the input.
func (h *handler) uploadedFile(r *http.Request, s *formState, name string, max int64) []byte {
	f, hd, err := r.FormFile(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	if hd.Size > max {
		s.errors[name] = append(s.errors[name], h.cat.T(server.From(r).Lang, "import.file_too_large", strconv.FormatInt(max>>20, 10)))
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, max))
	if err != nil {
		s.errors[name] = append(s.errors[name], h.cat.T(server.From(r).Lang, "import.file_unreadable"))
		return nil
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// importDownload answers a report or reject file download.
func importDownload(w http.ResponseWriter, name, contentType string, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body)
}

// importReport downloads the report of an upload (the import's, or the
// check's while it waits for confirmation): JSON with codes only.
func (h *handler) importReport(w http.ResponseWriter, r *http.Request) {
	muni, ok := h.importManager(w, r)
	if !ok {
		return
	}
	u, err := h.srv.Store().ImportUploadByID(r.Context(), server.From(r).Actor, muni, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	body := u.Report
	if body == "" {
		body = u.CheckReport
	}
	if body == "" {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, []byte(body), "", "  ") == nil {
		body = pretty.String() + "\n"
	}
	importDownload(w, "import-"+u.ID+"-report.json", "application/json", []byte(body))
}

// importRejects downloads the rejected rows in the file's own format, to
// fix and upload again; the download is audited.
func (h *handler) importRejects(w http.ResponseWriter, r *http.Request) {
	muni, ok := h.importManager(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	body, format, err := h.srv.Store().ImportUploadRejects(r.Context(), server.From(r).Actor, muni, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ct := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	importDownload(w, "import-"+id+"-rejects."+format, ct, body)
}
