package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// clientColumns is the column list that scanClient reads.
const clientColumns = `c.id, c.municipality_code, c.personal_identity_code, c.uma_number, c.first_names, c.last_name,
	c.date_of_birth, c.residence_type, c.residence_valid_until, c.first_permit_date, c.residence_permanent,
	c.service_language, c.email, c.phone, c.right_to_work, c.jobseeker, c.created_at, c.updated_at,
	c.sex, c.citizenships, c.mother_tongue, c.arrival_date, c.client_group, c.closed_reason, c.closed_date`

type rowScanner interface{ Scan(...any) error }

func scanClient(r rowScanner, extra ...any) (model.Client, error) {
	var c model.Client
	var pic, uma, email, phone, sex, citizenships, tongue, group, closedReason sql.NullString
	var until, first, arrival, closedDate model.NullDate
	var permanent, jobseeker bool
	var dob model.Date
	var typ string
	dest := append([]any{&c.ID, &c.Municipality, &pic, &uma, &c.FirstNames, &c.LastName, &dob, &typ, &until, &first, &permanent,
		&c.ServiceLanguage, &email, &phone, &c.RightToWork, &jobseeker, &c.CreatedAt, &c.UpdatedAt,
		&sex, &citizenships, &tongue, &arrival, &group, &closedReason, &closedDate}, extra...)
	if err := r.Scan(dest...); err != nil {
		return c, err
	}
	c.PersonalIdentityCode = ptr(pic)
	c.UMANumber = ptr(uma)
	c.Email = ptr(email)
	c.Phone = ptr(phone)
	c.DateOfBirth = &dob
	c.ResidenceBasis = &model.ResidenceBasis{Type: typ, ValidUntil: until.Ptr(), FirstPermitDate: first.Ptr(), Permanent: permanent}
	c.Jobseeker = jobseeker
	c.Sex, c.MotherTongue, c.ArrivalDate, c.ClientGroup = ptr(sex), ptr(tongue), arrival.Ptr(), ptr(group)
	c.Citizenships = model.ParseCitizenships(citizenships.String)
	if closedReason.Valid && closedDate.Valid {
		c.Closed = &model.Closure{Reason: closedReason.String, Date: *closedDate.Ptr()}
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	return c, nil
}

func ptr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// citizenshipsColumn is the stored form of a list of citizenships: the codes
// separated by single spaces, the primary one first; NULL for none.
func citizenshipsColumn(codes []string) *string {
	if len(codes) == 0 {
		return nil
	}
	v := strings.Join(codes, " ")
	return &v
}

func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// ParseClientID returns the canonical form of a client id, or not found.
func ParseClientID(id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return "", model.ErrNotFound
	}
	return u.String(), nil
}

// Provenance says where a client record came from (R14); empty for records
// made in kotodigi.
type Provenance struct {
	System   string
	SourceID string
}

// RegisterClient registers a client in the national registry (R1–R5). The
// identity code and UMA number are unique in the whole country; a duplicate is
// reported with the responsible municipality only.
func (s *Store) RegisterClient(ctx context.Context, actor Actor, in model.ClientFields) (model.Client, error) {
	return s.registerClient(ctx, actor, in, Provenance{})
}

// duplicateError is the 409 for an identity already registered.
func duplicateError(muni string) error {
	return &model.Error{Code: model.CodeDuplicateClient, Municipality: muni,
		Detail: "this person is already registered in the national registry"}
}

func (s *Store) registerClient(ctx context.Context, actor Actor, in model.ClientFields, prov Provenance) (model.Client, error) {
	n, verr := in.Normalize(s.Today())
	muniOK := false
	if verr == nil {
		if _, muniOK = s.ref.Municipality(n.Municipality); !muniOK {
			verr = &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "municipality", Code: model.FieldUnknownMunicipality}}}
		}
	}
	var out model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.ClientCreate, audit.Allowed)
		ev.Municipality = strings.TrimSpace(in.Municipality)
		if !muniOK && verr != nil && hasField(verr, "municipality") {
			// No municipality to check access against: the input is wrong.
			return verr
		}
		if actor.Principal != nil {
			d := actor.Principal.Allowed(authz.ClientCreate, ev.Municipality)
			if !d.Allowed {
				return s.deny(ctx, tx, ev, model.Errorf(model.CodeForbidden, "no worker access for this municipality"))
			}
			ev.GrantID = d.GrantID
			// Re-check the grant inside the transaction: revoked means revoked.
			var ok int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM grants WHERE id = $1 AND revoked_at IS NULL AND (valid_until IS NULL OR valid_until >= $2)`,
				d.GrantID, s.Today()).Scan(&ok); err != nil {
				if isNoRows(err) {
					return s.deny(ctx, tx, ev, model.Errorf(model.CodeForbidden, "the grant is no longer active"))
				}
				return err
			}
		}
		if verr != nil {
			return verr
		}
		id := uuid.NewString()
		now := s.Now()
		res, err := insertClient(ctx, tx, id, n, prov, now, actor.accountID())
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			// Someone holds this identity (or this import row) already.
			return s.refuseDuplicate(ctx, tx, actor, ev, n, prov)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO jobseeker_statuses (client_id, jobseeker, valid_from, recorded_by) VALUES ($1, $2, $3, $4)`,
			id, n.Jobseeker, now, actor.accountID()); err != nil {
			return err
		}
		if actor.Principal != nil {
			// The registering worker is responsible for the client by default.
			if _, err := tx.Exec(ctx, `INSERT INTO client_responsible_workers (client_id, account_id, assigned_at, assigned_by)
				VALUES ($1, $2, $3, $2)`, id, actor.Principal.AccountID, now); err != nil {
				return err
			}
		}
		ev.ClientID = id
		if prov.System != "" {
			ev.Action = string(authz.ClientImport)
			ev.Detail = "source=" + prov.System
		}
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = model.Client{ID: id, ClientFields: n, CreatedAt: now, UpdatedAt: now}
		return nil
	})
	return out, err
}

// insertClient inserts a normalised client; nothing happens when its identity
// (or its import row) is taken already.
func insertClient(ctx context.Context, tx *db.Tx, id string, n model.ClientFields, prov Provenance, now time.Time, account any) (sql.Result, error) {
	var sys, sid any
	if prov.System != "" {
		sys, sid = prov.System, prov.SourceID
	}
	var rb model.ResidenceBasis
	if n.ResidenceBasis != nil {
		rb = *n.ResidenceBasis
	}
	return tx.Exec(ctx, `INSERT INTO clients (id, municipality_code, personal_identity_code, uma_number, first_names, last_name,
		name_search, date_of_birth, residence_type, residence_valid_until, first_permit_date, residence_permanent, service_language,
		email, phone, right_to_work, jobseeker, source_system, source_id, created_at, updated_at, created_by,
		sex, citizenships, mother_tongue, arrival_date, client_group)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21,
		$22, $23, $24, $25, $26)
		ON CONFLICT DO NOTHING`,
		id, n.Municipality, nullable(n.PersonalIdentityCode), nullable(n.UMANumber), n.FirstNames, n.LastName,
		searchName(n.FirstNames, n.LastName), *n.DateOfBirth, rb.Type, model.NullDateOf(rb.ValidUntil), model.NullDateOf(rb.FirstPermitDate),
		rb.Permanent, n.ServiceLanguage, nullable(n.Email), nullable(n.Phone), n.RightToWork, n.Jobseeker, sys, sid, now, account,
		nullable(n.Sex), nullable(citizenshipsColumn(n.Citizenships)), nullable(n.MotherTongue), model.NullDateOf(n.ArrivalDate),
		nullable(n.ClientGroup))
}

// refuseDuplicate records a registration refused because someone holds the
// identity (or the import row) already; the denied event names that client.
func (s *Store) refuseDuplicate(ctx context.Context, tx *db.Tx, actor Actor, ev audit.Event, n model.ClientFields, prov Provenance) error {
	var sys, sid any
	if prov.System != "" {
		sys, sid = prov.System, prov.SourceID
	}
	var existing, existingMuni string
	var existingSys, existingSID sql.NullString
	err := s.national(ctx, tx, actor, func() error {
		return tx.QueryRow(ctx, `SELECT id, municipality_code, source_system, source_id FROM clients WHERE personal_identity_code = $1 OR uma_number = $2
		OR (municipality_code = $3 AND source_system = $4 AND source_id = $5) LIMIT 1`,
			nullable(n.PersonalIdentityCode), nullable(n.UMANumber), n.Municipality, sys, sid).Scan(&existing, &existingMuni, &existingSys, &existingSID)
	})
	if err != nil {
		return err
	}
	ev.ClientID = existing
	ev.Detail = "duplicate"
	if prov.System != "" && existingMuni == n.Municipality && existingSys.String == prov.System && existingSID.String == prov.SourceID {
		return s.deny(ctx, tx, ev, errAlreadyImported{muni: existingMuni})
	}
	return s.deny(ctx, tx, ev, duplicateError(existingMuni))
}

type errAlreadyImported struct{ muni string }

func (e errAlreadyImported) Error() string { return "already registered" }

func searchName(first, last string) string { return model.FoldForSearch(last + " " + first) }

// ClientByID reads one client the actor may see; any other client is not found.
func (s *Store) ClientByID(ctx context.Context, actor Actor, id string) (model.Client, error) {
	if c, ok, err := s.clientByIDOneTrip(ctx, actor, id); ok || err != nil {
		return c, err
	}
	var out model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.ClientRead, id)
		if err != nil {
			return err
		}
		ev := actor.event(authz.ClientRead, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// clientByIDOneTrip is the common case of ClientByID on PostgreSQL in one
// round trip: the grant check, the read and its audit event are one statement
// (audit.Trail.ReadStatement), sent with BEGIN, the row-level security scope
// and COMMIT. ok is false when the client is not visible (or the id is
// malformed, or on SQLite): then nothing was written, and ClientByID's usual
// path reads again and records the denied attempt.
func (s *Store) clientByIDOneTrip(ctx context.Context, actor Actor, id string) (c model.Client, ok bool, err error) {
	if s.db.Dialect != db.Postgres || actor.Principal == nil {
		return c, false, nil
	}
	cid, err := ParseClientID(id)
	if err != nil {
		return c, false, nil
	}
	ev := actor.event(authz.ClientRead, audit.Allowed)
	ev.ClientID, ev.At = cid, s.Now()
	q, args, release, err := s.trail.ReadStatement(ev, `SELECT `+clientColumns+`, (`+grantFilter(authz.ClientRead, "$2", "$3")+` LIMIT 1) AS grant_id
		FROM clients c WHERE c.id = $1`, []any{cid, actor.Principal.AccountID, s.Today()}, grantAttributions(actor.Principal))
	if err != nil {
		return c, false, err
	}
	defer release()
	var grantID sql.NullInt64
	var appended int
	err = s.db.QueryRowCommitted(ctx, actor.scope(), q, args, func(r db.Row) error {
		var err error
		c, err = scanClient(r, &grantID, &appended)
		return err
	})
	switch {
	case isNoRows(err):
		return model.Client{}, false, nil
	case err != nil:
		return model.Client{}, false, err
	case !grantID.Valid || appended != 1:
		// Cannot happen (the statement returns rows only with a grant and an
		// appended event); fail closed rather than return the data.
		return model.Client{}, false, errors.New("client read: event not appended")
	}
	return c, true, nil
}

// CheckClientAccess answers what action on the client (and, with planID, on
// that plan of it) would answer about access, without performing it: nil
// when the actor may, otherwise the action's own error (not found, or
// forbidden for read-only access) after recording the same denied event.
// Nothing is recorded when access is allowed. The API asks it before it
// refuses a body that does not decode, so that a caller who may not see the
// client learns nothing from the answer whatever the body holds.
func (s *Store) CheckClientAccess(ctx context.Context, actor Actor, action authz.Action, clientID, planID string) error {
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		if len(authz.Rules[action].GrantRoles) == 0 {
			// A main user's action on a client (responsible workers).
			_, _, err := s.mainUserClient(ctx, tx, actor, action, clientID)
			return err
		}
		c, _, err := s.readClient(ctx, tx, actor, action, clientID)
		if err != nil || planID == "" {
			return err
		}
		_, err = s.planOfClient(ctx, tx, actor, action, c, planID)
		return err
	})
}

// grantAttributions are the grant and municipality pairs a read by p is
// usually attributed to (its grants, each reading its own municipality's
// client), for audit.Trail.ReadStatement.
func grantAttributions(p *authz.Principal) []audit.Attribution {
	out := make([]audit.Attribution, 0, len(p.Grants))
	for _, g := range p.Grants {
		out = append(out, audit.Attribution{GrantID: g.ID, Municipality: g.Municipality})
	}
	return out
}

// readClient selects a client scoped by the actor's active grants that allow
// action (grantFilter), recording a denied event when it is not visible.
func (s *Store) readClient(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, id string) (model.Client, int64, error) {
	ev := actor.event(action, audit.Denied)
	cid, err := ParseClientID(id)
	if err != nil {
		ev.Detail = "malformed id"
		return model.Client{}, 0, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	if actor.Principal == nil {
		return model.Client{}, 0, model.ErrForbidden
	}
	// One grant subquery: it both decides visibility and names the grant used.
	var grantID sql.NullInt64
	c, err := scanClient(tx.QueryRow(ctx, `SELECT `+clientColumns+`, (`+grantFilter(action, "$2", "$3")+` LIMIT 1)
		FROM clients c WHERE c.id = $1`, cid, actor.Principal.AccountID, s.Today()), &grantID)
	if err == nil && grantID.Valid {
		return c, grantID.Int64, nil
	}
	if err == nil {
		c, err = model.Client{}, sql.ErrNoRows
	}
	if !isNoRows(err) {
		return c, 0, err
	}
	// Not visible: record whose client the attempt was about (for anomaly reports).
	ev.ClientID = cid
	var muni string
	if err := s.national(ctx, tx, actor, func() error {
		return tx.QueryRow(ctx, `SELECT municipality_code FROM clients WHERE id = $1`, cid).Scan(&muni)
	}); err == nil {
		ev.Municipality = muni
		if action != authz.ClientRead && (actor.Principal.Allowed(authz.ClientRead, muni).Allowed || s.readableAfterTransfer(ctx, tx, actor, cid)) {
			// Visible but not changeable: 403.
			return c, 0, s.deny(ctx, tx, ev, model.Errorf(model.CodeForbidden, "read-only access"))
		}
	} else if !isNoRows(err) {
		return c, 0, err
	} else {
		ev.ClientID = ""
		ev.Detail = "no such client"
		if err := s.refuseMerged(ctx, tx, actor, action, cid, func(keep string) bool { return s.readsClient(ctx, tx, actor, keep) }); err != nil {
			return c, 0, err
		}
	}
	return c, 0, s.deny(ctx, tx, ev, model.ErrNotFound)
}

// UpdateClient applies a patch to a client the actor may change. Every
// changed field is kept in the change history. The responsible municipality
// cannot be changed here (a transfer is its own operation). An identity code
// or UMA number that another client holds is refused as a duplicate, and the
// denied event names that other client (whose "who has seen" report then
// shows the attempt), as registration does.
func (s *Store) UpdateClient(ctx context.Context, actor Actor, id string, patch model.ClientPatch) (model.Client, error) {
	var out model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		cur, grantID, err := s.readClient(ctx, tx, actor, authz.ClientUpdate, id)
		if err != nil {
			return err
		}
		n, err := patch.Apply(cur.ClientFields).Normalize(s.Today())
		if err != nil {
			return err
		}
		if n.Municipality != cur.Municipality {
			return &model.Error{Code: model.CodeValidationFailed, Detail: "the responsible municipality changes only by a transfer",
				Fields: []model.FieldError{{Field: "municipality", Code: model.FieldNotAllowed}}}
		}
		changes := diffClient(cur.ClientFields, n)
		ev := actor.event(authz.ClientUpdate, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = cur.ID, cur.Municipality, grantID
		if len(changes) == 0 {
			ev.Detail = "no changes"
			out = cur
			return s.record(ctx, tx, ev)
		}
		// Identity must stay nationally unique.
		var otherID, other string
		err = s.national(ctx, tx, actor, func() error {
			return tx.QueryRow(ctx, `SELECT id, municipality_code FROM clients WHERE id <> $1 AND (personal_identity_code = $2 OR uma_number = $3) LIMIT 1`,
				cur.ID, nullable(n.PersonalIdentityCode), nullable(n.UMANumber)).Scan(&otherID, &other)
		})
		if err == nil {
			// The attempt concerns the client who holds the identity.
			ev.ClientID, ev.Detail = otherID, "duplicate update_of="+cur.ID
			return s.deny(ctx, tx, ev, duplicateError(other))
		} else if !isNoRows(err) {
			return err
		}
		now := s.Now()
		rb := *n.ResidenceBasis
		if _, err := tx.Exec(ctx, `UPDATE clients SET personal_identity_code = $2, uma_number = $3, first_names = $4, last_name = $5,
			name_search = $6, date_of_birth = $7, residence_type = $8, residence_valid_until = $9, first_permit_date = $10,
			residence_permanent = $11, service_language = $12, email = $13, phone = $14, right_to_work = $15, jobseeker = $16, updated_at = $17,
			sex = $18, citizenships = $19, mother_tongue = $20, arrival_date = $21, client_group = $22
			WHERE id = $1`, cur.ID, nullable(n.PersonalIdentityCode), nullable(n.UMANumber), n.FirstNames, n.LastName,
			searchName(n.FirstNames, n.LastName), *n.DateOfBirth, rb.Type, model.NullDateOf(rb.ValidUntil), model.NullDateOf(rb.FirstPermitDate),
			rb.Permanent, n.ServiceLanguage, nullable(n.Email), nullable(n.Phone), n.RightToWork, n.Jobseeker, now,
			nullable(n.Sex), nullable(citizenshipsColumn(n.Citizenships)), nullable(n.MotherTongue), model.NullDateOf(n.ArrivalDate),
			nullable(n.ClientGroup)); err != nil {
			if _, dup := db.IsUniqueViolation(err); dup {
				return duplicateError("")
			}
			return err
		}
		names := make([]string, 0, len(changes))
		for _, ch := range changes {
			names = append(names, ch.field)
			if _, err := tx.Exec(ctx, `INSERT INTO client_changes (client_id, changed_at, account_id, field, old_value, new_value)
				VALUES ($1, $2, $3, $4, $5, $6)`, cur.ID, now, actor.accountID(), ch.field, ch.old, ch.new); err != nil {
				return err
			}
		}
		if n.Jobseeker != cur.Jobseeker {
			if _, err := tx.Exec(ctx, `INSERT INTO jobseeker_statuses (client_id, jobseeker, valid_from, recorded_by) VALUES ($1, $2, $3, $4)`,
				cur.ID, n.Jobseeker, now, actor.accountID()); err != nil {
				return err
			}
		}
		ev.Detail = "fields=" + strings.Join(names, ",")
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = model.Client{ID: cur.ID, ClientFields: n, Closed: cur.Closed, CreatedAt: cur.CreatedAt, UpdatedAt: now}
		return nil
	})
	return out, err
}

type fieldChange struct {
	field    string
	old, new any
}

func diffClient(a, b model.ClientFields) []fieldChange {
	var out []fieldChange
	add := func(field string, x, y *string) {
		if (x == nil) != (y == nil) || (x != nil && *x != *y) {
			out = append(out, fieldChange{field, nullable(x), nullable(y)})
		}
	}
	str := func(s string) *string { return &s }
	date := func(d *model.Date) *string {
		if d == nil {
			return nil
		}
		return str(d.String())
	}
	ra, rb := a.ResidenceBasis, b.ResidenceBasis
	add("personal_identity_code", a.PersonalIdentityCode, b.PersonalIdentityCode)
	add("uma_number", a.UMANumber, b.UMANumber)
	add("first_names", &a.FirstNames, &b.FirstNames)
	add("last_name", &a.LastName, &b.LastName)
	add("date_of_birth", date(a.DateOfBirth), date(b.DateOfBirth))
	add("residence_basis.type", &ra.Type, &rb.Type)
	add("residence_basis.valid_until", date(ra.ValidUntil), date(rb.ValidUntil))
	add("residence_basis.first_permit_date", date(ra.FirstPermitDate), date(rb.FirstPermitDate))
	add("residence_basis.permanent", str(strconv.FormatBool(ra.Permanent)), str(strconv.FormatBool(rb.Permanent)))
	add("service_language", &a.ServiceLanguage, &b.ServiceLanguage)
	add("email", a.Email, b.Email)
	add("phone", a.Phone, b.Phone)
	add("right_to_work", &a.RightToWork, &b.RightToWork)
	add("jobseeker", str(strconv.FormatBool(a.Jobseeker)), str(strconv.FormatBool(b.Jobseeker)))
	add("sex", a.Sex, b.Sex)
	add("citizenships", citizenshipsColumn(a.Citizenships), citizenshipsColumn(b.Citizenships))
	add("mother_tongue", a.MotherTongue, b.MotherTongue)
	add("arrival_date", date(a.ArrivalDate), date(b.ArrivalDate))
	add("client_group", a.ClientGroup, b.ClientGroup)
	return out
}

// MinSearchLength is the shortest accepted search text (in letters).
const MinSearchLength = 2

// SearchClients finds clients the actor may see by name (case- and
// accent-insensitive, every word must match), full identity code or UMA
// number. The audit event records the number of results and which clients
// were shown, never the query text.
func (s *Store) SearchClients(ctx context.Context, actor Actor, query string) ([]model.Client, error) {
	q := strings.TrimSpace(query)
	folded := model.FoldForSearch(q)
	if len([]rune(folded)) < MinSearchLength || len(q) > 200 || model.HasControlChars(q) {
		return nil, &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "query", Code: "query_too_short", Param: strconv.Itoa(MinSearchLength)}}}
	}
	var out []model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.ClientSearch, audit.Allowed)
		if actor.Principal == nil || !actor.Principal.Allowed(authz.ClientSearch, "").Allowed {
			return s.deny(ctx, tx, ev, model.Errorf(model.CodeForbidden, "no access to any municipality's clients"))
		}
		exact := strings.ToUpper(q)
		args := []any{actor.Principal.AccountID, s.Today(), exact}
		var nameConds []string
		for _, w := range strings.Fields(folded) {
			args = append(args, "%"+likeEscape(w)+"%")
			nameConds = append(nameConds, `c.name_search LIKE $`+strconv.Itoa(len(args))+` ESCAPE '\'`)
		}
		args = append(args, s.opts.SearchLimit)
		rows, err := tx.Query(ctx, `SELECT `+clientColumns+` FROM clients c
			WHERE EXISTS (`+grantFilter(authz.ClientSearch, "$1", "$2")+`)
			AND (c.personal_identity_code = $3 OR c.uma_number = $3 OR (`+strings.Join(nameConds, " AND ")+`))
			ORDER BY c.name_search, c.id LIMIT $`+strconv.Itoa(len(args)), args...)
		if err != nil {
			return err
		}
		out, err = s.listedClients(ctx, tx, rows, ev)
		return err
	})
	return out, err
}

// listedClients reads the clients of a search or listing and records its
// event with the number and the ids of the clients shown (so that each
// shown client's "who has seen" report names the listing).
func (s *Store) listedClients(ctx context.Context, tx *db.Tx, rows *sql.Rows, ev audit.Event) ([]model.Client, error) {
	defer rows.Close()
	var out []model.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	count := len(out)
	ev.ResultCount = &count
	for _, c := range out {
		ev.ClientIDs = append(ev.ClientIDs, c.ID)
	}
	sort.Strings(ev.ClientIDs)
	return out, s.record(ctx, tx, ev)
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func hasField(err error, field string) bool {
	e, ok := err.(*model.Error)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
