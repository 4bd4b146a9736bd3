package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// clientPage shows one client and the history of changes.
type clientPage struct {
	Page
	ID      string
	Name    string
	Fields  []detail
	History []historyRow
	CanEdit bool
	// CanSeeAccesses: the reader may see who has seen the client's data
	// (the main user of the client's municipality).
	CanSeeAccesses bool
	// What the reader may record (a worker of the client's municipality).
	CanAssess, CanPlan, CanRecordService, CanTransfer bool
	// Jobseeker: only guidance and counselling is recorded here (R6).
	Jobseeker bool
	// TransferredTo names the municipality a reader of the previous
	// municipality transferred the client to (read-only for a while).
	TransferredTo string
	// Timeline is the case, newest first; JobseekerHistory the statuses,
	// the current one first.
	Timeline         []timelineRow
	JobseekerHistory []jobseekerRow
	// Done is a translated confirmation after registering or saving.
	Done string
	// Closed describes a closed client relationship ("" while open);
	// CanClose and CanReopen: the reader may close or reopen it.
	Closed              string
	CanClose, CanReopen bool
}

// jobseekerRow is one jobseeker status.
type jobseekerRow struct {
	Status, From string
	By           person
}

// detail is one term and its description in the client's data.
type detail struct {
	Label, Value string
	// Empty marks a field without a value (shown as "not given").
	Empty bool
}

// historyRow is one changed field.
type historyRow struct {
	Time, Field, Old, New string
	Actor                 person
}

func (h *handler) client(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	// One store call, one audit event (Store.ClientView).
	v, err := h.srv.Store().ClientView(r.Context(), req.Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	c, history, timeline, statuses := v.Client, v.History, v.Timeline, v.JobseekerHistory
	lang := req.Lang
	may := func(a authz.Action) bool { return req.Actor.Principal.Allowed(a, c.Municipality).Allowed }
	page := clientPage{Page: h.newPage(r, "title.client", ""), ID: c.ID, Name: c.FirstNames + " " + c.LastName,
		CanEdit: may(authz.ClientUpdate), CanSeeAccesses: may(authz.AuditRead), CanAssess: may(authz.AssessmentCreate),
		CanPlan: may(authz.PlanCreate), CanRecordService: may(authz.ServiceCreate), CanTransfer: may(authz.ClientTransfer),
		Jobseeker: c.Jobseeker}
	if c.Closed != nil {
		// A closed client takes no new case records.
		page.CanAssess, page.CanPlan, page.CanRecordService, page.CanTransfer = false, false, false, false
		page.Closed = page.T("client.closed_on", formatDate(lang, &c.Closed.Date), page.T("closure_reason."+c.Closed.Reason))
		page.CanReopen = may(authz.ClientReopen)
	} else {
		page.CanClose = may(authz.ClientClose)
	}
	if !may(authz.ClientRead) {
		// Readable without a grant from the client's municipality: the
		// reader's municipality transferred the client there.
		page.TransferredTo = h.municipalityLabel(c.Municipality, lang)
	}
	q := r.URL.Query()
	switch q.Get("done") {
	case "registered":
		page.Done = page.T("client.done_registered")
	case "updated":
		page.Done = page.T("client.done_updated")
	case "assessment":
		page.Done = page.T("client.done_assessment")
	case "service":
		page.Done = page.T("client.done_service")
	case "closed":
		page.Done = page.T("client.done_closed")
	case "reopened":
		page.Done = page.T("client.done_reopened")
	case "transferred":
		page.Done = page.T("client.done_transferred", h.municipalityLabel(c.Municipality, lang))
		if d, err := model.ParseDate(q.Get("read_until")); err == nil {
			page.Done += " " + page.T("client.done_transferred_until", formatDate(lang, &d))
		}
	}
	page.Timeline = h.caseTimeline(lang, c.ID, timeline)
	for _, j := range statuses {
		row := jobseekerRow{Status: page.T("jobseeker.not"), From: formatTime(lang, j.ValidFrom), By: person{j.RecordedByName, j.RecordedBy}}
		if j.Jobseeker {
			row.Status = page.T("jobseeker.is")
		}
		if j.RecordedBy == "operator" {
			row.By = person{Email: page.T("grants.by_operator")}
		}
		page.JobseekerHistory = append(page.JobseekerHistory, row)
	}
	page.Fields = h.clientDetails(lang, c)
	var responsible []string
	for _, rw := range v.Responsible {
		name := rw.Name
		if !rw.HasAccess {
			name = page.T("client.responsible_no_access", name)
		}
		responsible = append(responsible, name)
	}
	page.Fields = append(page.Fields, detail{Label: page.T("label.responsible_workers"), Value: strings.Join(responsible, ", "), Empty: len(responsible) == 0})
	for _, ch := range history {
		page.History = append(page.History, historyRow{Time: formatTime(lang, ch.At), Field: page.T("label." + ch.Field), Actor: person{ch.ActorName, ch.Actor},
			Old: h.historyValue(lang, ch.Field, ch.OldValue), New: h.historyValue(lang, ch.Field, ch.NewValue)})
	}
	h.render(w, r, http.StatusOK, "client", page)
}

// historyValue shows a stored old or new value as the client page shows it.
func (h *handler) historyValue(lang, field string, v *string) string {
	if v == nil {
		return ""
	}
	if shown, ok := h.backgroundValue(lang, field, *v); ok {
		return shown
	}
	switch field {
	case "closed":
		if cl, ok := store.ParseClosure(*v); ok {
			return h.cat.T(lang, "closure_reason."+cl.Reason) + ", " + formatDate(lang, &cl.Date)
		}
	case fResidenceType:
		return h.residenceLabel(lang, *v)
	case fServiceLanguage:
		return h.serviceLanguageLabel(lang, *v)
	case fPermanent, fJobseeker:
		return h.yesNo(lang, *v == "true")
	case fDateOfBirth, fValidUntil, fFirstPermitDate:
		if d, err := model.ParseDate(*v); err == nil {
			return formatDate(lang, &d)
		}
	case fMunicipality:
		return h.municipalityLabel(*v, lang)
	}
	return *v
}

// clientDetails lists a client's data as the client page shows it, in language lang.
func (h *handler) clientDetails(lang string, c model.Client) []detail {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	var fields []detail
	add := func(name, value string) {
		fields = append(fields, detail{Label: t("label." + name), Value: value, Empty: value == ""})
	}
	rb := c.ResidenceBasis
	if rb == nil {
		rb = &model.ResidenceBasis{}
	}
	add(fMunicipality, h.municipalityLabel(c.Municipality, lang))
	add(fIdentityCode, deref(c.PersonalIdentityCode))
	add(fUMANumber, deref(c.UMANumber))
	add(fFirstNames, c.FirstNames)
	add(fLastName, c.LastName)
	add(fDateOfBirth, formatDate(lang, c.DateOfBirth))
	add(fResidenceType, h.residenceLabel(lang, rb.Type))
	validUntil := formatDate(lang, rb.ValidUntil)
	if validUntil == "" && (rb.Permanent || rb.Type == "citizenship") {
		validUntil = t("client.no_end_date")
	}
	add(fValidUntil, validUntil)
	add(fPermanent, h.yesNo(lang, rb.Permanent))
	add(fFirstPermitDate, formatDate(lang, rb.FirstPermitDate))
	add(fServiceLanguage, h.serviceLanguageLabel(lang, c.ServiceLanguage))
	add(fEmail, deref(c.Email))
	add(fPhone, formatPhone(deref(c.Phone)))
	add(fRightToWork, c.RightToWork)
	add(fJobseeker, h.yesNo(lang, c.Jobseeker))
	sex := h.sexLabel(lang, deref(c.Sex))
	if sex != "" && c.PersonalIdentityCode != nil {
		sex = t("client.from_identity_code", sex)
	}
	add(fSex, sex)
	add("citizenships", h.citizenshipsLabel(lang, c.Citizenships))
	add(fMotherTongue, languageLabel(lang, deref(c.MotherTongue)))
	add(fArrivalDate, formatDate(lang, c.ArrivalDate))
	add(fClientGroup, h.clientGroupLabel(lang, deref(c.ClientGroup)))
	add("registered_at", formatTime(lang, c.CreatedAt))
	add("updated_at", formatTime(lang, c.UpdatedAt))
	return fields
}
