package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// grantChangeInputs are the inputs of a grant's change form.
var grantChangeInputs = []inputSpec{
	{Name: "role", Kind: "select", Key: "grant.role"},
	{Name: "valid_until", Kind: "date", Key: "grant.valid_until"},
}

// grantID reads the {id} of a grant route; a malformed id is not found.
func grantID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// changeGrant changes a grant's role and end date with immediate effect. An
// end date the user did not touch is not sent, so that changing only the
// role of an expired grant is not refused for its past end date.
func (h *handler) changeGrant(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := ownMunicipality(req.Actor.Principal, authz.GrantUpdate)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	id, ok := grantID(r)
	if !ok {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	change := &grantChange{id: id, formState: readForm(r, grantChangeInputs)}
	var patch store.GrantPatch
	if role := change.values["role"]; role != "" {
		patch.Role = &role
	} else {
		h.requireValue(req.Lang, &change.formState, "role")
	}
	until := strings.TrimSpace(change.values["valid_until"])
	if until != strings.TrimSpace(r.PostFormValue("current_valid_until")) {
		d := h.parseOptionalDate(req.Lang, &change.formState, "valid_until")
		patch.ValidUntil, _ = json.Marshal(d) // null clears the end date
	}
	page := h.grantsForm(r, newFormState())
	page.values["role"] = string(authz.Worker)
	page.change = change
	if change.Invalid() {
		h.renderGrants(w, r, http.StatusUnprocessableEntity, muni, page)
		return
	}
	if _, err := h.srv.Store().UpdateGrant(r.Context(), req.Actor, id, patch); err != nil {
		if model.ErrorCode(err) == model.CodeConflict {
			change.FormError = page.T("grants.change_revoked")
			h.renderGrants(w, r, http.StatusConflict, muni, page)
			return
		}
		if !h.formError(r, &change.formState, grantChangeInputs, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
		h.renderGrants(w, r, server.Status(server.AsDomainError(err).Code), muni, page)
		return
	}
	redirect(w, r, "/admin/grants?done=changed")
}

// revokeGrant revokes one grant with immediate effect: the grantee's next
// request no longer has it.
func (h *handler) revokeGrant(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if _, ok := ownMunicipality(req.Actor.Principal, authz.GrantRevoke); !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	id, ok := grantID(r)
	if !ok {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	if err := h.srv.Store().RevokeGrant(r.Context(), req.Actor, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	redirect(w, r, "/admin/grants?done=revoked")
}
