package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

func (a *API) createClient(w http.ResponseWriter, r *http.Request) {
	var in model.ClientFields
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	c, err := a.srv.Store().RegisterClient(r.Context(), server.From(r).Actor, in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/clients/"+c.ID)
	server.JSON(w, http.StatusCreated, c)
}

func (a *API) getClient(w http.ResponseWriter, r *http.Request) {
	c, err := a.srv.Store().ClientByID(r.Context(), server.From(r).Actor, r.PathValue("id"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, c)
}

func (a *API) patchClient(w http.ResponseWriter, r *http.Request) {
	var patch model.ClientPatch
	b, err := readJSON(r)
	if err == nil {
		err = a.decodeAbout(r, authz.ClientUpdate, "", b, func(b []byte) (err error) {
			patch, err = decodeClientPatch(b)
			return err
		})
	}
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	c, err := a.srv.Store().UpdateClient(r.Context(), server.From(r).Actor, r.PathValue("id"), patch)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, c)
}

func (a *API) clientHistory(w http.ResponseWriter, r *http.Request) {
	h, err := a.srv.Store().ClientHistory(r.Context(), server.From(r).Actor, r.PathValue("id"))
	list(a, w, r, h, err)
}

func (a *API) searchClients(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Query string `json:"query"`
	}
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	res, err := a.srv.Store().SearchClients(r.Context(), server.From(r).Actor, in.Query)
	list(a, w, r, res, err)
}

// decodeClientPatch reads a JSON merge patch (RFC 7396) of a client's fields:
// only members that are present change; null clears a nullable field and
// changes no other. Unknown members and values of the wrong type are field
// errors named by the JSON member, as the API documents them.
func decodeClientPatch(data []byte) (model.ClientPatch, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil || members == nil {
		return model.ClientPatch{}, model.Errorf(model.CodeBadRequest, "the body must be a JSON object")
	}
	var p model.ClientPatch
	var v model.Validation
	for name, raw := range members {
		var err error
		switch name {
		case "municipality":
			err = member(raw, &p.Municipality)
		case "personal_identity_code":
			err = nullableMember(raw, &p.PersonalIdentityCode, json.Unmarshal)
		case "uma_number":
			err = nullableMember(raw, &p.UMANumber, json.Unmarshal)
		case "first_names":
			err = member(raw, &p.FirstNames)
		case "last_name":
			err = member(raw, &p.LastName)
		case "date_of_birth":
			err = nullableMember(raw, &p.DateOfBirth, json.Unmarshal)
		case "residence_basis":
			err = nullableMember(raw, &p.ResidenceBasis, model.DecodeStrict)
		case "service_language":
			err = member(raw, &p.ServiceLanguage)
		case "email":
			err = nullableMember(raw, &p.Email, json.Unmarshal)
		case "phone":
			err = nullableMember(raw, &p.Phone, json.Unmarshal)
		case "right_to_work":
			err = member(raw, &p.RightToWork)
		case "jobseeker":
			err = member(raw, &p.Jobseeker)
		case "sex":
			err = nullableMember(raw, &p.Sex, json.Unmarshal)
		case "citizenships":
			err = citizenshipsMember(raw, &p.Citizenships)
		case "mother_tongue":
			err = nullableMember(raw, &p.MotherTongue, json.Unmarshal)
		case "arrival_date":
			err = nullableMember(raw, &p.ArrivalDate, json.Unmarshal)
		case "client_group":
			err = nullableMember(raw, &p.ClientGroup, json.Unmarshal)
		default:
			v.Add(name, model.FieldUnknownField)
			continue
		}
		if e, ok := err.(*model.Error); ok && len(e.Fields) > 0 {
			for _, fe := range e.Fields {
				v.Add(name+"."+fe.Field, fe.Code)
			}
		} else if err != nil {
			v.Add(name, model.InvalidValueCode(err))
		}
	}
	return p, v.Err()
}

// member decodes a patch member of a field that cannot be null: null leaves
// the field as it is.
func member[T any](raw json.RawMessage, o *model.Optional[T]) error {
	if isNull(raw) {
		return nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	*o = model.Set(v)
	return nil
}

// nullableMember decodes a patch member of a nullable field: null clears it.
func nullableMember[T any](raw json.RawMessage, o *model.Optional[*T], decode func([]byte, any) error) error {
	if isNull(raw) {
		*o = model.Set[*T](nil)
		return nil
	}
	v := new(T)
	if err := decode(raw, v); err != nil {
		return err
	}
	*o = model.Set(v)
	return nil
}

// citizenshipsMember decodes the list of citizenships: null (like an empty
// list) means not told.
func citizenshipsMember(raw json.RawMessage, o *model.Optional[[]string]) error {
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	*o = model.Set(v)
	return nil
}

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }
