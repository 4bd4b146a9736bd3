package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// ClientChange is one entry of a client's change history.
type ClientChange struct {
	At        time.Time `json:"time"`
	Field     string    `json:"field"`
	Actor     string    `json:"actor_email"`
	ActorName string    `json:"-"` // the account's name, for the UI ("" for the operator)
	OldValue  *string   `json:"old_value"`
	NewValue  *string   `json:"new_value"`
}

// JobseekerStatus is one entry of a client's jobseeker status history (R6).
type JobseekerStatus struct {
	Jobseeker      bool      `json:"jobseeker"`
	ValidFrom      time.Time `json:"valid_from"`
	RecordedBy     string    `json:"recorded_by"` // the recording account's e-mail, or "operator"
	RecordedByName string    `json:"-"`           // the recording account's name, for the UI
}

// TimelineItem is one event in a client's case: when it was recorded, what
// it is and its id; date is the record's own date (assessment date, plan
// start, review date, service date) where it has one.
type TimelineItem struct {
	Time   time.Time   `json:"time"`
	Kind   string      `json:"kind"`
	ID     string      `json:"id"`
	Date   *model.Date `json:"date"`
	PlanID string      `json:"plan_id,omitempty"` // reviews: the reviewed plan
	// For the UI: a service's type and provider, a plan's end date, and the
	// status a jobseeker status entry recorded.
	ServiceType string      `json:"-"`
	Provider    string      `json:"-"`
	EndDate     *model.Date `json:"-"`
	Jobseeker   *bool       `json:"-"`
	// EnteredInError: the record is kept but marked as entered in error.
	EnteredInError bool `json:"entered_in_error,omitempty"`
}

// ClientView is everything the client page shows, read in one transaction.
type ClientView struct {
	Client           model.Client
	History          []ClientChange
	JobseekerHistory []JobseekerStatus
	Timeline         []TimelineItem
	// Responsible are the client's responsible workers.
	Responsible []ResponsibleWorker
}

// ClientView reads a client with its change history, jobseeker statuses and
// case timeline: the client page, in one transaction. Audit events: exactly
// one, client.read with detail "page" (allowed: client, municipality and
// grant; the client page's reads are one read of the client), or, for a
// client the actor may not see, the one denied client.read that ClientByID
// writes.
func (s *Store) ClientView(ctx context.Context, actor Actor, id string) (ClientView, error) {
	var out ClientView
	err := s.readAbout(ctx, actor, authz.ClientRead, id, "page", func(tx *db.Tx, c model.Client) (*int, error) {
		var err error
		out.Client = c
		if out.History, err = clientChanges(ctx, tx, c.ID); err != nil {
			return nil, err
		}
		if out.JobseekerHistory, err = jobseekerStatuses(ctx, tx, c.ID); err != nil {
			return nil, err
		}
		if out.Responsible, err = responsibleWorkers(ctx, tx, c.ID, c.Municipality, s.Today()); err != nil {
			return nil, err
		}
		out.Timeline, err = timelineOf(ctx, tx, c.ID)
		return nil, err
	})
	return out, err
}

// readAbout reads a client the actor may see for action and then whatever
// read reads about it, and records one allowed event with detail (and the
// count that read returns, if any); a client the actor may not see is not
// found (or forbidden), recorded as readClient does.
func (s *Store) readAbout(ctx context.Context, actor Actor, action authz.Action, id, detail string,
	read func(*db.Tx, model.Client) (*int, error)) error {
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, action, id)
		if err != nil {
			return err
		}
		count, err := read(tx, c)
		if err != nil {
			return err
		}
		ev := actor.event(action, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID, ev.Detail, ev.ResultCount = c.ID, c.Municipality, grantID, detail, count
		return s.record(ctx, tx, ev)
	})
}

// ClientHistory returns who changed which field of a client and when. It is
// itself a read of personal data and audited as client.read.
func (s *Store) ClientHistory(ctx context.Context, actor Actor, id string) ([]ClientChange, error) {
	var out []ClientChange
	err := s.readAbout(ctx, actor, authz.ClientRead, id, "history", func(tx *db.Tx, c model.Client) (_ *int, err error) {
		out, err = clientChanges(ctx, tx, c.ID)
		return nil, err
	})
	return out, err
}

// JobseekerHistory returns a client's jobseeker statuses, newest first (the
// first is the current one). Audited as client.read.
func (s *Store) JobseekerHistory(ctx context.Context, actor Actor, clientID string) ([]JobseekerStatus, error) {
	var out []JobseekerStatus
	err := s.readAbout(ctx, actor, authz.ClientRead, clientID, "jobseeker_history", func(tx *db.Tx, c model.Client) (_ *int, err error) {
		out, err = jobseekerStatuses(ctx, tx, c.ID)
		return nil, err
	})
	return out, err
}

// Timeline lists everything recorded about a client's case, newest first:
// registration, jobseeker status changes, assessments, plans, reviews,
// services and transfers. Audited as timeline.read with the number of items.
func (s *Store) Timeline(ctx context.Context, actor Actor, clientID string) ([]TimelineItem, error) {
	var out []TimelineItem
	err := s.readAbout(ctx, actor, authz.TimelineRead, clientID, "", func(tx *db.Tx, c model.Client) (*int, error) {
		var err error
		out, err = timelineOf(ctx, tx, c.ID)
		n := len(out)
		return &n, err
	})
	return out, err
}

func clientChanges(ctx context.Context, tx *db.Tx, clientID string) ([]ClientChange, error) {
	var out []ClientChange
	err := queryEach(ctx, tx, `SELECT h.changed_at, h.field, COALESCE(a.email, 'operator'), COALESCE(a.name, ''), h.old_value, h.new_value
		FROM client_changes h LEFT JOIN accounts a ON a.id = h.account_id WHERE h.client_id = $1 ORDER BY h.changed_at DESC, h.id DESC`,
		[]any{clientID}, func(r *sql.Rows) error {
			var ch ClientChange
			var o, n sql.NullString
			if err := r.Scan(&ch.At, &ch.Field, &ch.Actor, &ch.ActorName, &o, &n); err != nil {
				return err
			}
			ch.At, ch.OldValue, ch.NewValue = ch.At.UTC(), ptr(o), ptr(n)
			out = append(out, ch)
			return nil
		})
	return out, err
}

func jobseekerStatuses(ctx context.Context, tx *db.Tx, clientID string) ([]JobseekerStatus, error) {
	var out []JobseekerStatus
	err := queryEach(ctx, tx, `SELECT j.jobseeker, j.valid_from, COALESCE(a.email, 'operator'), COALESCE(a.name, '') FROM jobseeker_statuses j
		LEFT JOIN accounts a ON a.id = j.recorded_by WHERE j.client_id = $1 ORDER BY j.valid_from DESC, j.id DESC`,
		[]any{clientID}, func(r *sql.Rows) error {
			var j JobseekerStatus
			if err := r.Scan(&j.Jobseeker, &j.ValidFrom, &j.RecordedBy, &j.RecordedByName); err != nil {
				return err
			}
			j.ValidFrom = j.ValidFrom.UTC()
			out = append(out, j)
			return nil
		})
	return out, err
}

// timelineKinds lists the kinds in the order in which records made at the
// same instant happened (registration first), with the query that lists them:
// time, id, date, plan id, service type, provider, end date, jobseeker
// status and entered-in-error mark (1) of every record of client $1.
var timelineKinds = []struct{ kind, query string }{
	{"client_registered", `SELECT c.created_at, CAST(c.id AS text), NULL, NULL, NULL, NULL, NULL, NULL, 0 FROM clients c WHERE c.id = $1`},
	{"jobseeker_status", `SELECT j.valid_from, CAST(j.id AS text), NULL, NULL, NULL, NULL, NULL, j.jobseeker, 0 FROM jobseeker_statuses j WHERE j.client_id = $1`},
	{"assessment", `SELECT a.created_at, CAST(a.id AS text), a.date, NULL, NULL, NULL, NULL, NULL, CASE WHEN a.entered_in_error THEN 1 ELSE 0 END
		FROM assessments a WHERE a.client_id = $1`},
	{"plan", `SELECT p.created_at, CAST(p.id AS text), p.start_date, NULL, NULL, NULL, p.end_date, NULL, CASE WHEN p.entered_in_error THEN 1 ELSE 0 END
		FROM plans p WHERE p.client_id = $1`},
	{"review", `SELECT r.created_at, CAST(r.id AS text), r.date, CAST(r.plan_id AS text), NULL, NULL, NULL, NULL, CASE WHEN r.entered_in_error THEN 1 ELSE 0 END
		FROM plan_reviews r WHERE r.client_id = $1`},
	{"service", `SELECT s.created_at, CAST(s.id AS text), s.date, NULL, s.service_type, s.provider, s.end_date, NULL, CASE WHEN s.entered_in_error THEN 1 ELSE 0 END
		FROM services s WHERE s.client_id = $1`},
	{"transfer", `SELECT t.transferred_at, CAST(t.id AS text), NULL, NULL, NULL, NULL, NULL, NULL, 0 FROM client_transfers t WHERE t.client_id = $1`},
}

func timelineOf(ctx context.Context, tx *db.Tx, clientID string) ([]TimelineItem, error) {
	var out []TimelineItem
	rank := map[string]int{}
	for i, k := range timelineKinds {
		rank[k.kind] = i
		if err := queryEach(ctx, tx, k.query, []any{clientID}, func(r *sql.Rows) error {
			it := TimelineItem{Kind: k.kind}
			var d, end model.NullDate
			var plan, typ, provider sql.NullString
			var jobseeker sql.NullBool
			var inError int
			if err := r.Scan(&it.Time, &it.ID, &d, &plan, &typ, &provider, &end, &jobseeker, &inError); err != nil {
				return err
			}
			it.EnteredInError = inError == 1
			it.Time, it.Date, it.PlanID = it.Time.UTC(), d.Ptr(), plan.String
			it.ServiceType, it.Provider, it.EndDate = typ.String, provider.String, end.Ptr()
			if jobseeker.Valid {
				it.Jobseeker = &jobseeker.Bool
			}
			out = append(out, it)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b TimelineItem) int {
		// Ids: UUIDs, or sequence numbers (jobseeker statuses) compared by length first.
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(rank[b.Kind], rank[a.Kind]), cmp.Compare(len(b.ID), len(a.ID)), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}
