package store

import (
	"context"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// ClientSummary says who a client is, without any case data: what a main
// user needs to be sure of the person before opening "who has seen this
// client's data" or producing the subject access report.
type ClientSummary struct {
	ID              string     `json:"id"`
	Municipality    string     `json:"municipality"`
	FirstNames      string     `json:"first_names"`
	LastName        string     `json:"last_name"`
	DateOfBirth     model.Date `json:"date_of_birth"`
	ServiceLanguage string     `json:"service_language"`
}

// identityKey is an identity code or UMA number typed whole: the normalised
// identity code (nil if it is not one) and UMA number (nil if not one).
func identityKey(query string) (pic, uma any, err error) {
	if c, err := model.ParsePersonalIdentityCode(query); err == nil {
		pic = c.Code
	}
	if u, err := model.NormalizeUMA(query); err == nil {
		uma = u
	}
	if pic == nil && uma == nil {
		return nil, nil, &model.Error{Code: model.CodeValidationFailed,
			Fields: []model.FieldError{{Field: "query", Code: model.FieldInvalidIdentityCode}}}
	}
	return pic, uma, nil
}

// LookupClient finds a client of the main user's own municipality by full
// identity code or UMA number (for "who has seen this client's data" and
// the subject access report): at most one summary, no case data. A client
// of another municipality is not found, and the attempt is recorded as a
// denied client.lookup naming that client; a found client is an allowed
// client.lookup naming it. The query is never recorded.
func (s *Store) LookupClient(ctx context.Context, actor Actor, query string) ([]ClientSummary, error) {
	out := []ClientSummary{}
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.ClientLookup, audit.Allowed)
		muni, ok := ownMunicipality(actor.Principal, authz.ClientLookup)
		if !ok {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		pic, uma, err := identityKey(query)
		if err != nil {
			return err
		}
		ev.Municipality = muni
		var id, holder string
		err = s.national(ctx, tx, actor, func() error {
			return tx.QueryRow(ctx, `SELECT id, municipality_code FROM clients WHERE personal_identity_code = $1 OR uma_number = $2 LIMIT 1`,
				pic, uma).Scan(&id, &holder)
		})
		zero := 0
		switch {
		case isNoRows(err):
			ev.ResultCount = &zero
			return s.record(ctx, tx, ev)
		case err != nil:
			return err
		case holder != muni:
			ev.ClientID, ev.Outcome, ev.Detail, ev.ResultCount = id, audit.Denied, "other municipality", &zero
			return s.record(ctx, tx, ev)
		}
		var c ClientSummary
		if err := s.inMunicipality(ctx, tx, actor, muni, func() error {
			return tx.QueryRow(ctx, `SELECT id, municipality_code, first_names, last_name, date_of_birth, service_language
				FROM clients WHERE id = $1`, id).Scan(&c.ID, &c.Municipality, &c.FirstNames, &c.LastName, &c.DateOfBirth, &c.ServiceLanguage)
		}); err != nil {
			return err
		}
		out = append(out, c)
		one := 1
		ev.ClientID, ev.ResultCount = id, &one
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// ownMunicipality is the municipality whose clients the principal handles
// through its own organisation (a main user's employer) for action a, if
// the principal may perform a there.
func ownMunicipality(p *authz.Principal, a authz.Action) (string, bool) {
	if p == nil || p.OrgKind != "municipality" || !p.HasRole(authz.MainUser) || !p.Allowed(a, p.OrgCode).Allowed {
		return "", false
	}
	return p.OrgCode, true
}

// inMunicipality runs fn with the row-level security scope of one
// municipality (a main user's own, whose clients the main user's
// organisation role reaches without a grant), then restores the actor's.
func (s *Store) inMunicipality(ctx context.Context, tx *db.Tx, actor Actor, muni string, fn func() error) error {
	if err := tx.SetScope(ctx, db.ScopeOf([]string{muni})); err != nil {
		return err
	}
	err := fn()
	if serr := tx.SetScope(ctx, actor.scope()); serr != nil {
		return serr
	}
	return err
}

// responsibleClient finds the client id for an action that the responsible
// municipality's main user performs (subject access report, legal hold):
// the client's municipality, when the actor may perform action there. A
// client the actor may not act on is not found, recorded as a denied event.
func (s *Store) responsibleClient(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, id string) (string, string, error) {
	ev := actor.event(action, audit.Denied)
	cid, err := ParseClientID(id)
	if err != nil {
		ev.Detail = "malformed id"
		return "", "", s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	var muni string
	err = s.national(ctx, tx, actor, func() error {
		return tx.QueryRow(ctx, `SELECT municipality_code FROM clients WHERE id = $1`, cid).Scan(&muni)
	})
	if isNoRows(err) {
		ev.Detail = "no such client"
		if err := s.refuseMerged(ctx, tx, actor, action, cid, func(keep string) bool { return s.responsibleFor(ctx, tx, actor, action, keep) }); err != nil {
			return "", "", err
		}
		return "", "", s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	if err != nil {
		return "", "", err
	}
	ev.ClientID, ev.Municipality = cid, muni
	if actor.Principal != nil && !actor.Principal.Allowed(action, muni).Allowed {
		return "", "", s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	return cid, muni, nil
}

// CheckResponsibleAccess answers what action on the client would answer
// about access (not found, recorded as a denied event) without performing
// it; nil when the actor may. The API asks it before refusing a body that
// does not decode.
func (s *Store) CheckResponsibleAccess(ctx context.Context, actor Actor, action authz.Action, clientID string) error {
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		_, _, err := s.responsibleClient(ctx, tx, actor, action, clientID)
		return err
	})
}
