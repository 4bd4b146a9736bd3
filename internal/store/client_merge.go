package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// MergeUndoPeriod is how long a merge can be undone, judged by the
// database's clock.
const MergeUndoPeriod = 30 * 24 * time.Hour

// MergeInput asks to merge two records of one person: this record (by id,
// as the main user's lookup answers, or by identity code or UMA number) and
// the other record (by identity code or UMA number), keeping "this" or
// "other" as the surviving record.
type MergeInput struct {
	ClientID        string
	Identifier      string
	OtherIdentifier string
	Keep            string
}

// MergeRecord is one of the two records of a merge. Person is shown to the
// record's own municipality's main user and to KEHA-keskus' admin only.
type MergeRecord struct {
	ClientID     string         `json:"client_id"`
	Municipality string         `json:"municipality"`
	Side         string         `json:"side"` // "requesting" or "other"
	Survives     bool           `json:"survives"`
	Person       *ClientSummary `json:"person"`
}

// ClientMerge is a merge request and what became of it: requested,
// refused, merged (undone at the latest at undo_until) or undone.
type ClientMerge struct {
	ID               string        `json:"id"`
	State            string        `json:"state"`
	Records          []MergeRecord `json:"records"`
	SurvivorClientID string        `json:"survivor_client_id"`
	MergedClientID   string        `json:"merged_client_id"`
	RequestedAt      time.Time     `json:"requested_at"`
	RequestedBy      string        `json:"requested_by_organisation"`
	DecidedAt        *time.Time    `json:"decided_at"`
	DecidedBy        *string       `json:"decided_by_organisation"`
	UndoUntil        *time.Time    `json:"undo_until"`
	UndoneAt         *time.Time    `json:"undone_at"`
	UndoneBy         *string       `json:"undone_by_organisation"`
	// Actions the caller may take now: "approve", "refuse", "undo".
	Actions []string `json:"allowed_actions"`
}

// mergeRow is a client_merges row.
type mergeRow struct {
	id, state, a, muniA, b, muniB, survivor string
	requestedAt                             time.Time
	requestedBy                             string
	decidedAt, undoUntil, undoneAt          sql.NullTime
	updatedBefore                           sql.NullTime
	decidedBy, undoneBy                     sql.NullString
	picBefore, umaBefore                    sql.NullString
}

const mergeColumns = `id, state, client_a, municipality_a, client_b, municipality_b, survivor, requested_at, requested_by_organisation,
	decided_at, decided_by_organisation, undo_until, undone_at, undone_by_organisation, survivor_pic_before, survivor_uma_before,
	survivor_updated_before`

func scanMerge(r rowScanner) (mergeRow, error) {
	var m mergeRow
	err := r.Scan(&m.id, &m.state, &m.a, &m.muniA, &m.b, &m.muniB, &m.survivor, &m.requestedAt, &m.requestedBy,
		&m.decidedAt, &m.decidedBy, &m.undoUntil, &m.undoneAt, &m.undoneBy, &m.picBefore, &m.umaBefore, &m.updatedBefore)
	return m, err
}

// kept returns the surviving and the merged record's ids.
func (m mergeRow) kept() (keep, gone string) {
	if m.survivor == "a" {
		return m.a, m.b
	}
	return m.b, m.a
}

// mergeSides says for which of the two records' municipalities the actor
// may perform action (KEHA-keskus' admin and the operator: both).
func mergeSides(p *authz.Principal, action authz.Action, m mergeRow) (a, b bool) {
	if p == nil {
		return true, true
	}
	return p.Allowed(action, m.muniA).Allowed, p.Allowed(action, m.muniB).Allowed
}

// mergeParty is one record named in a merge request.
type mergeParty struct {
	id, muni  string
	pic, uma  sql.NullString
	updatedAt time.Time
	held      bool
	closed    bool
}

// complements: the two records can be merged without losing an
// identifier: where one has an identity code the other has none, and the
// same for the UMA number.
func (p mergeParty) complements(o mergeParty) bool {
	return !(p.pic.Valid && o.pic.Valid) && !(p.uma.Valid && o.uma.Valid)
}

// findParty finds a record by id or by identity code or UMA number, in any
// municipality (the transaction's scope is national). A record not there
// has an empty id; an identifier that is not one is a field error.
func findParty(ctx context.Context, tx *db.Tx, field, clientID, identifier string) (mergeParty, error) {
	var p mergeParty
	where, args := `c.id = $1`, []any{}
	switch {
	case clientID != "":
		cid, err := ParseClientID(clientID)
		if err != nil {
			return p, nil
		}
		args = []any{cid}
	case strings.TrimSpace(identifier) == "":
		return p, fieldError(field, model.FieldRequired)
	default:
		pic, uma, err := identityKey(identifier)
		if err != nil {
			return p, fieldError(field, model.FieldInvalidIdentityCode)
		}
		where, args = `c.personal_identity_code = $1 OR c.uma_number = $2`, []any{pic, uma}
	}
	err := tx.QueryRow(ctx, `SELECT c.id, c.municipality_code, c.personal_identity_code, c.uma_number, c.updated_at,
		EXISTS (SELECT 1 FROM client_legal_holds h WHERE h.client_id = c.id), c.closed_date IS NOT NULL
		FROM clients c WHERE `+where+` LIMIT 1`, args...).
		Scan(&p.id, &p.muni, &p.pic, &p.uma, &p.updatedAt, &p.held, &p.closed)
	if isNoRows(err) {
		return mergeParty{}, nil
	}
	return p, err
}

func fieldError(field, code string) error {
	return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: field, Code: code}}}
}

// RequestClientMerge records a request to merge two records of one person.
// A main user names a record of the own municipality (this) and the other
// record by identity code or UMA number; the request waits for the other
// municipality's main user. When the actor may also decide for the other
// record (KEHA-keskus' admin, or both records in the main user's own
// municipality), the merge is made at once. Audited as client.merge_request
// naming both records (and client.merge_decide when made at once).
func (s *Store) RequestClientMerge(ctx context.Context, actor Actor, in MergeInput) (ClientMerge, error) {
	var out ClientMerge
	err := s.inScopeTx(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		ev := actor.event(authz.ClientMergeRequest, audit.Allowed)
		if actor.Principal != nil && !actor.Principal.Allowed(authz.ClientMergeRequest, "").Allowed {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		this, other, err := s.mergeParties(ctx, tx, actor, ev, in)
		if err != nil {
			return err
		}
		m := mergeRow{id: uuid.NewString(), state: "requested", a: this.id, muniA: this.muni, b: other.id, muniB: other.muni,
			survivor: map[string]string{"this": "a", "other": "b"}[in.Keep], requestedAt: s.Now()}
		if actor.Principal != nil {
			m.requestedBy = actor.Principal.OrganisationID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO client_merges (id, state, client_a, municipality_a, client_b, municipality_b, survivor,
			requested_at, requested_by, requested_by_organisation) VALUES ($1, 'requested', $2, $3, $4, $5, $6, $7, $8, $9)`,
			m.id, m.a, m.muniA, m.b, m.muniB, m.survivor, m.requestedAt, actor.accountID(), m.requestedBy); err != nil {
			return err
		}
		ev.ClientID, ev.Municipality, ev.ClientIDs, ev.Detail = m.a, m.muniA, []string{m.a, m.b}, "merge="+m.id
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		if _, decide := mergeSides(actor.Principal, authz.ClientMergeDecide, m); decide {
			if err := s.decideMerge(ctx, tx, actor, &m, true); err != nil {
				return err
			}
		}
		out, err = s.mergeView(ctx, tx, actor, m)
		return err
	})
	return out, err
}

// mergeParties validates a merge request: this record must be one the
// actor may request a merge for (otherwise it is not found, recorded as a
// denied request naming it), the other record must exist, be another
// record and have no identifier of a kind this one has.
func (s *Store) mergeParties(ctx context.Context, tx *db.Tx, actor Actor, ev audit.Event, in MergeInput) (this, other mergeParty, err error) {
	field := "client_id"
	if in.ClientID == "" {
		field = "identifier"
	}
	if this, err = findParty(ctx, tx, field, in.ClientID, in.Identifier); err != nil {
		return this, other, err
	}
	if this.id == "" || (actor.Principal != nil && !actor.Principal.Allowed(authz.ClientMergeRequest, this.muni).Allowed) {
		ev.ClientID, ev.Municipality, ev.Detail = this.id, this.muni, "not found"
		if field == "client_id" {
			return this, other, s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		return this, other, s.deny(ctx, tx, ev, fieldError(field, model.FieldClientNotFound))
	}
	var v model.Validation
	other, err = findParty(ctx, tx, "other_identifier", "", in.OtherIdentifier)
	var ferr *model.Error
	switch {
	case errors.As(err, &ferr) && ferr.Code == model.CodeValidationFailed:
		v.Fields = append(v.Fields, ferr.Fields...)
	case err != nil:
		return this, other, err
	case other.id == "":
		v.Add("other_identifier", model.FieldClientNotFound)
	case other.id == this.id:
		v.Add("other_identifier", model.FieldSameClient)
	case !this.complements(other):
		v.Add("other_identifier", model.FieldConflictingIdentifiers)
	case this.closed != other.closed:
		v.Add("other_identifier", model.FieldOneRecordClosed)
	}
	switch in.Keep {
	case "":
		v.Add("keep", model.FieldRequired)
	case "this", "other":
	default:
		v.Add("keep", model.FieldInvalidChoice)
	}
	if len(v.Fields) > 0 {
		return this, other, &model.Error{Code: model.CodeValidationFailed, Fields: v.Fields}
	}
	return this, other, nil
}

// loadMerge reads a merge the actor may perform action on (for one of its
// two records' municipalities); any other is not found, recorded as a
// denied event.
func (s *Store) loadMerge(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, id string) (mergeRow, audit.Event, error) {
	ev := actor.event(action, audit.Denied)
	m, err := scanMerge(tx.QueryRow(ctx, `SELECT `+mergeColumns+` FROM client_merges WHERE id = $1`, canonicalID(id)))
	if isNoRows(err) {
		ev.Detail = "no such merge"
		return m, ev, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	if err != nil {
		return m, ev, err
	}
	ev.ClientID, ev.Municipality, ev.ClientIDs, ev.Detail = m.a, m.muniA, []string{m.a, m.b}, "merge="+m.id
	if a, b := mergeSides(actor.Principal, action, m); !a && !b {
		return m, ev, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	ev.Outcome = audit.Allowed
	return m, ev, nil
}

// canonicalID is a uuid's canonical form, or a value that names nothing.
func canonicalID(id string) string {
	if u, err := uuid.Parse(id); err == nil && len(id) == 36 {
		return u.String()
	}
	return "00000000-0000-0000-0000-000000000000"
}

// DecideClientMerge approves (merges) or refuses a requested merge. The
// other record's municipality's main user, or KEHA-keskus' admin, decides;
// the requesting municipality's main user may only refuse (withdraw).
// Audited as client.merge_decide.
func (s *Store) DecideClientMerge(ctx context.Context, actor Actor, id string, approve bool) (ClientMerge, error) {
	var out ClientMerge
	err := s.inScopeTx(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		m, ev, err := s.loadMerge(ctx, tx, actor, authz.ClientMergeDecide, id)
		if err != nil {
			return err
		}
		if _, b := mergeSides(actor.Principal, authz.ClientMergeDecide, m); approve && !b {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		if m.state != "requested" {
			return model.Errorf(model.CodeConflict, "the merge is %s", m.state)
		}
		if err := s.decideMerge(ctx, tx, actor, &m, approve); err != nil {
			return err
		}
		out, err = s.mergeView(ctx, tx, actor, m)
		return err
	})
	return out, err
}

// decideMerge makes (approve) or refuses a requested merge in tx and
// records client.merge_decide.
func (s *Store) decideMerge(ctx context.Context, tx *db.Tx, actor Actor, m *mergeRow, approve bool) error {
	now, org := s.Now(), ""
	if actor.Principal != nil {
		org = actor.Principal.OrganisationID
	}
	m.state, m.decidedAt, m.decidedBy = "refused", sql.NullTime{Time: now, Valid: true}, sql.NullString{String: org, Valid: true}
	if approve {
		m.state = "merged"
		if err := s.mergeRecords(ctx, tx, m); err != nil {
			return err
		}
	}
	res, err := tx.Exec(ctx, `UPDATE client_merges SET state = $2, decided_at = $3, decided_by = $4, decided_by_organisation = $5,
		undo_until = $6, survivor_pic_before = $7, survivor_uma_before = $8, survivor_updated_before = $9
		WHERE id = $1 AND state = 'requested'`, m.id, m.state, now, actor.accountID(), org, m.undoUntil, m.picBefore, m.umaBefore, m.updatedBefore)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return model.Errorf(model.CodeConflict, "the merge was decided meanwhile")
	}
	ev := actor.event(authz.ClientMergeDecide, audit.Allowed)
	keep, _ := m.kept()
	ev.ClientID, ev.Municipality, ev.ClientIDs, ev.Detail = keep, m.muniB, []string{m.a, m.b}, "merge="+m.id+" "+m.state
	return s.record(ctx, tx, ev)
}

// mergeRecords moves everything of the merged record to the survivor and
// removes the merged record, keeping what an undo needs in m and in the
// merge's snapshot and moves. The survivor takes the merged record's
// identity code or UMA number (it has none of that kind).
func (s *Store) mergeRecords(ctx context.Context, tx *db.Tx, m *mergeRow) error {
	keepID, goneID := m.kept()
	keep, err := findParty(ctx, tx, "", keepID, "")
	if err != nil {
		return err
	}
	gone, err := findParty(ctx, tx, "", goneID, "")
	switch {
	case err != nil:
		return err
	case keep.id == "" || gone.id == "" || !keep.complements(gone):
		return model.Errorf(model.CodeConflict, "the records can no longer be merged")
	case keep.held && gone.held:
		return model.Errorf(model.CodeConflict, "both records have a legal hold; clear one first")
	case keep.closed != gone.closed:
		return model.Errorf(model.CodeClientClosed, "one of the two records is closed: reopen it, or close the other, first")
	}
	dbNow, err := tx.Now(ctx)
	if err != nil {
		return err
	}
	m.undoUntil = sql.NullTime{Time: dbNow.Add(MergeUndoPeriod), Valid: true}
	m.picBefore, m.umaBefore, m.updatedBefore = keep.pic, keep.uma, sql.NullTime{Time: keep.updatedAt, Valid: true}
	if err := moveRecords(ctx, tx, m.id, goneID, keepID); err != nil {
		return err
	}
	pic, uma := gone.pic, gone.uma
	if keep.pic.Valid {
		pic = keep.pic
	}
	if keep.uma.Valid {
		uma = keep.uma
	}
	_, err = tx.Exec(ctx, `UPDATE clients SET personal_identity_code = $2, uma_number = $3, updated_at = $4 WHERE id = $1`,
		keepID, pic, uma, m.decidedAt.Time)
	return err
}

// mergedTables are the tables whose rows (by id, client_id) a merge moves
// to the surviving record; the legal hold (by client_id) moves too.
var mergedTables = []string{"assessments", "plans", "plan_reviews", "services", "client_transfers", "client_changes", "jobseeker_statuses",
	"case_record_versions", "municipality_notices"}

// clientColumnList is every column of clients, comma-separated, as the
// database has them now.
func clientColumnList(ctx context.Context, tx *db.Tx) (string, error) {
	rows, err := tx.Query(ctx, `SELECT * FROM clients WHERE 1 = 0`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	return strings.Join(cols, ", "), err
}

// moveRecords keeps the merged record's row as it is, moves its rows to
// the survivor (noting each) and removes it.
func moveRecords(ctx context.Context, tx *db.Tx, mergeID, gone, keep string) error {
	cols, err := clientColumnList(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO client_merge_snapshots (merge_id, `+cols+`) SELECT m.id, `+prefixed("c.", cols)+`
		FROM clients c, client_merges m WHERE c.id = $1 AND m.id = $2`, gone, mergeID); err != nil {
		return err
	}
	for _, t := range append(slices.Clone(mergedTables), "client_legal_holds") {
		idCol := "t.id"
		if t == "client_legal_holds" {
			idCol = "t.client_id"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO client_merge_moves (merge_id, table_name, row_id) SELECT m.id, '`+t+`', CAST(`+idCol+` AS text)
			FROM `+t+` t, client_merges m WHERE t.client_id = $1 AND m.id = $2`, gone, mergeID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+t+` SET client_id = $1 WHERE client_id = $2`, keep, gone); err != nil {
			return err
		}
	}
	if err := mergeResponsibleWorkers(ctx, tx, mergeID, gone, keep); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM clients WHERE id = $1`, gone)
	return err
}

// prefixed puts prefix before every name of a comma-separated list.
func prefixed(prefix, list string) string {
	names := strings.Split(list, ", ")
	for i := range names {
		names[i] = prefix + names[i]
	}
	return strings.Join(names, ", ")
}
