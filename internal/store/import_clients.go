package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// Warning codes of imported clients.
const (
	// WarnResidenceExpired: the recorded residence basis has expired; the
	// client was imported with --accept-expired-residence and is on the
	// worklist as "residence basis to update".
	WarnResidenceExpired = "residence_basis:" + model.FieldResidenceBasisExpired
)

// normalizeImportedClient applies the registration rules (R1–R5) to an
// imported client. The identity and residence rules reject the row; an
// expired residence basis is accepted with a warning when the run says so.
func (s *Store) normalizeImportedClient(run *ImportRun, in model.ClientFields) (model.ClientFields, []string, error) {
	in.Municipality = run.Municipality
	today := s.Today()
	n, err := in.Normalize(today)
	if err == nil || !run.AcceptExpiredResidence || in.ResidenceBasis == nil || in.ResidenceBasis.ValidUntil == nil {
		return n, nil, err
	}
	e, ok := err.(*model.Error)
	if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "residence_basis" || e.Fields[0].Code != model.FieldResidenceBasisExpired {
		return n, nil, err
	}
	// Judge everything else as of today, then keep the recorded end date.
	probe := in
	rb := *in.ResidenceBasis
	rb.ValidUntil = &today
	probe.ResidenceBasis = &rb
	n, err = probe.Normalize(today)
	if err != nil {
		return n, nil, err
	}
	until := *in.ResidenceBasis.ValidUntil
	nrb := *n.ResidenceBasis
	nrb.ValidUntil = &until
	n.ResidenceBasis = &nrb
	return n, []string{WarnResidenceExpired}, nil
}

// checkClients applies the registration rules to each row and refuses a
// person already registered anywhere in the country (naming the
// responsible municipality only).
func (b *importBatch) checkClients(ctx context.Context, rows []ImportRow) error {
	var pics, umas []string
	for i, r := range rows {
		if !b.pending(i) {
			continue
		}
		n, warnings, err := b.s.normalizeImportedClient(b.run, *r.Client)
		if err != nil {
			b.results[i] = reject(r, err)
			continue
		}
		*rows[i].Client = n
		b.results[i].Warnings = append(b.results[i].Warnings, warnings...)
		if n.PersonalIdentityCode != nil {
			pics = append(pics, *n.PersonalIdentityCode)
		}
		if n.UMANumber != nil {
			umas = append(umas, *n.UMANumber)
		}
	}
	if len(pics)+len(umas) == 0 {
		return nil
	}
	held := map[string]string{}
	err := b.national(ctx, func() error {
		for _, k := range []struct {
			col, prefix string
			keys        []string
		}{{"personal_identity_code", "pic:", pics}, {"uma_number", "uma:", umas}} {
			err := queryKeys(ctx, b.tx, `SELECT `+k.col+`, municipality_code FROM clients WHERE true`, k.col, "text", nil, k.keys,
				func(r *sql.Rows) error {
					var key, muni string
					if err := r.Scan(&key, &muni); err != nil {
						return err
					}
					held[k.prefix+key] = muni
					return nil
				})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, r := range rows {
		if !b.pending(i) {
			continue
		}
		for _, key := range IdentityKeys(*r.Client) {
			if muni, ok := held[key]; ok {
				b.results[i] = reject(r, duplicateError(muni))
				break
			}
		}
	}
	return nil
}

// IdentityKeys are the keys under which a client's identity is unique in
// the country ("pic:CODE", "uma:NUMBER"), of normalised fields.
func IdentityKeys(f model.ClientFields) []string {
	var out []string
	if f.PersonalIdentityCode != nil {
		out = append(out, "pic:"+*f.PersonalIdentityCode)
	}
	if f.UMANumber != nil {
		out = append(out, "uma:"+*f.UMANumber)
	}
	return out
}

// national runs a lookup over every municipality's clients (ids and
// municipality codes only) and returns to the run's scope.
func (b *importBatch) national(ctx context.Context, fn func() error) error {
	if err := b.tx.SetScope(ctx, db.AllMunicipalities); err != nil {
		return err
	}
	err := fn()
	if serr := b.tx.SetScope(ctx, db.ScopeOf([]string{b.run.Municipality})); serr != nil {
		return serr
	}
	return err
}

var importClientColumns = []string{"id uuid", "municipality_code text", "personal_identity_code text", "uma_number text",
	"first_names text", "last_name text", "name_search text", "date_of_birth date", "residence_type text",
	"residence_valid_until date", "first_permit_date date", "residence_permanent boolean", "service_language text",
	"email text", "phone text", "right_to_work text", "jobseeker boolean", "source_system text", "source_id text",
	"import_run text", "created_at timestamptz", "updated_at timestamptz", "created_by bigint",
	"sex text", "citizenships text", "mother_tongue text", "arrival_date date", "client_group text"}

// storeClients inserts the clients that passed, with their jobseeker
// status, in two statements.
func (b *importBatch) storeClients(ctx context.Context, rows []ImportRow) (int, error) {
	now := b.s.Now()
	var clients, statuses [][]any
	for i, r := range rows {
		if !b.pending(i) {
			continue
		}
		n := *r.Client
		id := uuid.NewString()
		created := now
		if r.RegisteredOn != nil {
			created = time.Date(r.RegisteredOn.Year, r.RegisteredOn.Month, r.RegisteredOn.Day, 12, 0, 0, 0, Finland).UTC()
		}
		rb := *n.ResidenceBasis
		clients = append(clients, []any{id, n.Municipality, nullable(n.PersonalIdentityCode), nullable(n.UMANumber), n.FirstNames, n.LastName,
			searchName(n.FirstNames, n.LastName), *n.DateOfBirth, rb.Type, model.NullDateOf(rb.ValidUntil), model.NullDateOf(rb.FirstPermitDate),
			rb.Permanent, n.ServiceLanguage, nullable(n.Email), nullable(n.Phone), n.RightToWork, n.Jobseeker, b.run.SourceSystem,
			r.SourceID, b.run.ID, created, created, b.actor.accountID(),
			nullable(n.Sex), nullable(citizenshipsColumn(n.Citizenships)), nullable(n.MotherTongue), model.NullDateOf(n.ArrivalDate),
			nullable(n.ClientGroup)})
		statuses = append(statuses, []any{id, n.Jobseeker, created, b.actor.accountID()})
		b.clients = append(b.clients, id)
	}
	if err := b.tx.InsertRows(ctx, "clients", importClientColumns, clients); err != nil {
		return 0, err
	}
	err := b.tx.InsertRows(ctx, "jobseeker_statuses", []string{"client_id uuid", "jobseeker boolean", "valid_from timestamptz", "recorded_by bigint"}, statuses)
	return len(clients), err
}
