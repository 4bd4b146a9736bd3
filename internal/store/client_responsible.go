package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// Responsible workers (issue 13 item 6). A client has one or more
// responsible workers; the registering worker by default. A municipality's
// main user sees the open clients that need one (no responsible worker with
// access, e.g. after a revoked grant, or transferred in and not yet dealt
// with) and assigns them. Main users hold no grant: these reads are scoped
// to the main user's own municipality by the store (authz.Allowed), and on
// PostgreSQL row-level security is set to that municipality alone.

// ResponsibilityItem is a client that needs a responsible worker.
type ResponsibilityItem struct {
	ClientID   string              `json:"client_id"`
	ClientName string              `json:"client_name"` // "Last, First"
	Workers    []ResponsibleWorker `json:"responsible_workers"`
	// TransferredIn: when the client was transferred in, while no main user
	// has assigned its responsible workers since.
	TransferredIn    *time.Time `json:"transferred_in"`
	FromMunicipality string     `json:"from_municipality,omitempty"`
}

// ResponsibleView is one client's responsible workers and the workers of
// the municipality who may be assigned.
type ResponsibleView struct {
	ClientID     string              `json:"client_id"`
	ClientName   string              `json:"client_name"`
	Municipality string              `json:"municipality"`
	Workers      []ResponsibleWorker `json:"responsible_workers"`
	Candidates   []ResponsibleWorker `json:"candidates"`
}

// authorizeInMunicipality authorises a main user's action on a municipality and
// scopes the transaction to it alone.
func (s *Store) authorizeInMunicipality(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, muni string) (audit.Event, error) {
	ev, err := s.authorizeMunicipal(ctx, tx, actor, action, muni)
	if err != nil {
		return ev, err
	}
	return ev, tx.SetScope(ctx, db.ScopeOf([]string{muni}))
}

// mainUserClient finds a client for a main user's action: a client of
// another municipality, or none, is not found (a denied event).
func (s *Store) mainUserClient(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, id string) (c struct{ id, muni, name string }, ev audit.Event, err error) {
	ev = actor.event(action, audit.Denied)
	cid, perr := ParseClientID(id)
	if perr != nil {
		ev.Detail = "malformed id"
		return c, ev, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	err = s.national(ctx, tx, actor, func() error {
		return tx.QueryRow(ctx, `SELECT id, municipality_code, last_name || ', ' || first_names FROM clients WHERE id = $1`, cid).Scan(&c.id, &c.muni, &c.name)
	})
	if isNoRows(err) || (err == nil && actor.Principal != nil && !actor.Principal.Allowed(action, c.muni).Allowed) {
		ev.ClientID, ev.Municipality = cid, c.muni
		if err != nil {
			ev.ClientID, ev.Detail = "", "no such client"
		} else if actor.Principal.Allowed(authz.ClientRead, c.muni).Allowed {
			// One who may see the client may know it exists: 403.
			return c, ev, s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		return c, ev, s.deny(ctx, tx, ev, model.ErrNotFound)
	} else if err != nil {
		return c, ev, err
	}
	ev.Outcome, ev.ClientID, ev.Municipality = audit.Allowed, c.id, c.muni
	return c, ev, tx.SetScope(ctx, db.ScopeOf([]string{c.muni}))
}

// ClientsNeedingResponsible lists a municipality's open clients that need a
// responsible worker: none of theirs has access any more, or they were
// transferred in and no main user has assigned workers since (at most 500,
// transfers first). Audited as responsible.read with the clients shown.
func (s *Store) ClientsNeedingResponsible(ctx context.Context, actor Actor, muni string) ([]ResponsibilityItem, error) {
	out := []ResponsibilityItem{}
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev, err := s.authorizeInMunicipality(ctx, tx, actor, authz.ResponsibleRead, muni)
		if err != nil {
			return err
		}
		today := s.Today()
		if err := queryEach(ctx, tx, `SELECT c.id, c.last_name || ', ' || c.first_names, n.created_at, n.from_municipality
			FROM clients c LEFT JOIN municipality_notices n ON n.id = (SELECT n2.id FROM municipality_notices n2
				WHERE n2.client_id = c.id AND n2.municipality_code = $1 AND n2.seen_at IS NULL ORDER BY n2.created_at DESC, n2.id DESC LIMIT 1)
			WHERE c.municipality_code = $1 AND c.closed_date IS NULL AND (n.client_id IS NOT NULL OR NOT EXISTS (
				SELECT 1 FROM client_responsible_workers w JOIN accounts a ON a.id = w.account_id
				WHERE w.client_id = c.id AND `+workerAccess("$1", "$2")+`))
			ORDER BY CASE WHEN n.id IS NULL THEN 1 ELSE 0 END, n.created_at DESC, c.last_name, c.first_names, c.id LIMIT 500`, []any{muni, today}, func(r *sql.Rows) error {
			var it ResponsibilityItem
			var at sql.NullTime
			var from sql.NullString
			if err := r.Scan(&it.ClientID, &it.ClientName, &at, &from); err != nil {
				return err
			}
			it.TransferredIn, it.FromMunicipality = timePtr(at), from.String
			out = append(out, it)
			return nil
		}); err != nil {
			return err
		}
		for i := range out {
			if out[i].Workers, err = responsibleWorkers(ctx, tx, out[i].ClientID, muni, today); err != nil {
				return err
			}
			ev.ClientIDs = append(ev.ClientIDs, out[i].ClientID)
		}
		n := len(out)
		ev.ResultCount, ev.Detail = &n, "needing_responsible"
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// ClientResponsible returns a client's responsible workers and the
// municipality's workers who may be assigned (responsible.read).
func (s *Store) ClientResponsible(ctx context.Context, actor Actor, clientID string) (ResponsibleView, error) {
	var out ResponsibleView
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, ev, err := s.mainUserClient(ctx, tx, actor, authz.ResponsibleRead, clientID)
		if err != nil {
			return err
		}
		out = ResponsibleView{ClientID: c.id, ClientName: c.name, Municipality: c.muni}
		if out.Workers, out.Candidates, err = s.responsibleAndCandidates(ctx, tx, c.id, c.muni); err != nil {
			return err
		}
		return s.record(ctx, tx, ev)
	})
	return out, err
}

func (s *Store) responsibleAndCandidates(ctx context.Context, tx *db.Tx, clientID, muni string) (workers, candidates []ResponsibleWorker, err error) {
	today := s.Today()
	if workers, err = responsibleWorkers(ctx, tx, clientID, muni, today); err != nil {
		return nil, nil, err
	}
	candidates = []ResponsibleWorker{}
	err = queryEach(ctx, tx, `SELECT a.id, a.name, a.email FROM accounts a WHERE `+workerAccess("$1", "$2")+` ORDER BY a.name, a.id`,
		[]any{muni, today}, func(r *sql.Rows) error {
			w := ResponsibleWorker{HasAccess: true}
			if err := r.Scan(&w.AccountID, &w.Name, &w.Email); err != nil {
				return err
			}
			candidates = append(candidates, w)
			return nil
		})
	return workers, candidates, err
}

// AssignResponsible sets a client's responsible workers (responsible.assign):
// one or more accounts, each holding an active worker grant from the
// client's municipality (else 422, field account_ids). The change is kept in
// the client's change history (field "responsible_workers"), and the
// client's notices of a transfer in are dealt with.
func (s *Store) AssignResponsible(ctx context.Context, actor Actor, clientID string, accountIDs []int64) (ResponsibleView, error) {
	var out ResponsibleView
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, ev, err := s.mainUserClient(ctx, tx, actor, authz.ResponsibleAssign, clientID)
		if err != nil {
			return err
		}
		before, candidates, err := s.responsibleAndCandidates(ctx, tx, c.id, c.muni)
		if err != nil {
			return err
		}
		var v model.Validation
		if len(accountIDs) == 0 {
			v.Add("account_ids", model.FieldRequired)
		}
		for _, id := range accountIDs {
			if !slices.ContainsFunc(candidates, func(w ResponsibleWorker) bool { return w.AccountID == id }) {
				v.Add("account_ids", model.FieldNoWorkerAccess)
				break
			}
		}
		if err := v.Err(); err != nil {
			ev.Outcome, ev.Detail = audit.Denied, "refused account_ids"
			return s.deny(ctx, tx, ev, err)
		}
		now := s.Now()
		if err := replaceResponsible(ctx, tx, c.id, accountIDs, now, actor); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE municipality_notices SET seen_at = $3, seen_by = $4
			WHERE client_id = $1 AND municipality_code = $2 AND seen_at IS NULL`, c.id, c.muni, now, actor.accountID()); err != nil {
			return err
		}
		out = ResponsibleView{ClientID: c.id, ClientName: c.name, Municipality: c.muni, Candidates: candidates}
		if out.Workers, err = responsibleWorkers(ctx, tx, c.id, c.muni, s.Today()); err != nil {
			return err
		}
		old, new := workerEmails(before), workerEmails(out.Workers)
		if old != new {
			if err := clientChange(ctx, tx, actor, c.id, now, "responsible_workers", &old, &new); err != nil {
				return err
			}
		}
		ids := make([]string, len(accountIDs))
		for i, id := range accountIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		ev.Detail = "accounts=" + strings.Join(ids, ",")
		return s.record(ctx, tx, ev)
	})
	return out, err
}

func replaceResponsible(ctx context.Context, tx *db.Tx, clientID string, accountIDs []int64, now time.Time, actor Actor) error {
	if _, err := tx.Exec(ctx, `DELETE FROM client_responsible_workers WHERE client_id = $1`, clientID); err != nil {
		return err
	}
	for _, id := range accountIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO client_responsible_workers (client_id, account_id, assigned_at, assigned_by)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, clientID, id, now, actor.accountID()); err != nil {
			return err
		}
	}
	return nil
}

func workerEmails(ws []ResponsibleWorker) string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Email
	}
	return strings.Join(out, ", ")
}

// OpenTransferNotices counts the clients transferred to a municipality
// whose responsible workers no main user has assigned since (the main
// user's front page). Only a count: nothing personal, not audited.
func (s *Store) OpenTransferNotices(ctx context.Context, actor Actor, muni string) (int, error) {
	if actor.Principal == nil || !actor.Principal.Allowed(authz.ResponsibleRead, muni).Allowed {
		return 0, model.ErrForbidden
	}
	var n int
	err := s.db.InScope(ctx, db.ScopeOf([]string{muni}), func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(DISTINCT client_id) FROM municipality_notices WHERE municipality_code = $1 AND seen_at IS NULL`,
			muni).Scan(&n)
	})
	return n, err
}

// noticeTransferIn tells the receiving municipality's main users of a
// client transferred in: a notice in the UI and an e-mail (sent when SMTP
// is configured), which names no one. tx's scope includes the municipality.
func (s *Store) noticeTransferIn(ctx context.Context, tx *db.Tx, clientID, from, to string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO municipality_notices (municipality_code, kind, client_id, from_municipality, created_at)
		VALUES ($1, 'client_transferred_in', $2, $3, $4)`, to, clientID, from, s.Now()); err != nil {
		return err
	}
	fromName := from
	if m, ok := s.ref.Municipality(from); ok {
		fromName = m.NameFi + " / " + m.NameSv
	}
	link := s.opts.BaseURL + "/admin/responsible"
	return s.notifyMainUsers(ctx, tx, to, "Koto-digi: asiakas siirtyi kuntaanne / en klient överfördes till er kommun",
		"Kuntaanne on siirretty asiakas kunnasta "+fromName+". Nimetkää hänelle vastuutyöntekijä: "+link+"\n\n"+
			"En klient har överförts till er kommun från "+fromName+". Utse en ansvarig arbetstagare: "+link+"\n")
}
