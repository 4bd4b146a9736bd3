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

// TimelineItem is one event in a client's case: when it was recorded, what
// it is and its id; date is the record's own date (assessment date, plan
// start, review date, service date) where it has one.
type TimelineItem struct {
	Time   time.Time   `json:"time"`
	Kind   string      `json:"kind"`
	ID     string      `json:"id"`
	Date   *model.Date `json:"date"`
	PlanID string      `json:"plan_id,omitempty"` // reviews: the reviewed plan
}

// timelineKinds lists the kinds in the order in which records made at the
// same instant happened (registration first), with the query that lists them:
// time, id, date and plan id of every record of client $1.
var timelineKinds = []struct{ kind, query string }{
	{"client_registered", `SELECT c.created_at, CAST(c.id AS text), NULL, NULL FROM clients c WHERE c.id = $1`},
	{"jobseeker_status", `SELECT j.valid_from, CAST(j.id AS text), NULL, NULL FROM jobseeker_statuses j WHERE j.client_id = $1`},
	{"assessment", `SELECT a.created_at, CAST(a.id AS text), a.date, NULL FROM assessments a WHERE a.client_id = $1`},
	{"plan", `SELECT p.created_at, CAST(p.id AS text), p.start_date, NULL FROM plans p WHERE p.client_id = $1`},
	{"review", `SELECT r.created_at, CAST(r.id AS text), r.date, CAST(r.plan_id AS text) FROM plan_reviews r WHERE r.client_id = $1`},
	{"service", `SELECT s.created_at, CAST(s.id AS text), s.date, NULL FROM services s WHERE s.client_id = $1`},
	{"transfer", `SELECT t.transferred_at, CAST(t.id AS text), NULL, NULL FROM client_transfers t WHERE t.client_id = $1`},
}

// Timeline lists everything recorded about a client's case, newest first:
// registration, jobseeker status changes, assessments, plans, reviews,
// services and transfers. Audited as timeline.read.
func (s *Store) Timeline(ctx context.Context, actor Actor, clientID string) ([]TimelineItem, error) {
	var out []TimelineItem
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.TimelineRead, clientID)
		if err != nil {
			return err
		}
		rank := map[string]int{}
		for i, k := range timelineKinds {
			rank[k.kind] = i
			if err := func() error {
				rows, err := tx.Query(ctx, k.query, c.ID)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					it := TimelineItem{Kind: k.kind}
					var d model.NullDate
					var plan sql.NullString
					if err := rows.Scan(&it.Time, &it.ID, &d, &plan); err != nil {
						return err
					}
					it.Time, it.Date, it.PlanID = it.Time.UTC(), d.Ptr(), plan.String
					out = append(out, it)
				}
				return rows.Err()
			}(); err != nil {
				return err
			}
		}
		slices.SortStableFunc(out, func(a, b TimelineItem) int {
			// Ids: UUIDs, or sequence numbers (jobseeker statuses) compared by length first.
			return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(rank[b.Kind], rank[a.Kind]), cmp.Compare(len(b.ID), len(a.ID)), cmp.Compare(b.ID, a.ID))
		})
		ev := actor.event(authz.TimelineRead, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
		n := len(out)
		ev.ResultCount = &n
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// JobseekerStatus is one entry of a client's jobseeker status history (R6).
type JobseekerStatus struct {
	Jobseeker  bool      `json:"jobseeker"`
	ValidFrom  time.Time `json:"valid_from"`
	RecordedBy string    `json:"recorded_by"` // the recording account's e-mail, or "operator"
}

// JobseekerHistory returns a client's jobseeker statuses, newest first (the
// first is the current one). Audited as client.read.
func (s *Store) JobseekerHistory(ctx context.Context, actor Actor, clientID string) ([]JobseekerStatus, error) {
	var out []JobseekerStatus
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.ClientRead, clientID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT j.jobseeker, j.valid_from, COALESCE(a.email, 'operator') FROM jobseeker_statuses j
			LEFT JOIN accounts a ON a.id = j.recorded_by WHERE j.client_id = $1 ORDER BY j.valid_from DESC, j.id DESC`, c.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j JobseekerStatus
			if err := rows.Scan(&j.Jobseeker, &j.ValidFrom, &j.RecordedBy); err != nil {
				return err
			}
			j.ValidFrom = j.ValidFrom.UTC()
			out = append(out, j)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		ev := actor.event(authz.ClientRead, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID, ev.Detail = c.ID, c.Municipality, grantID, "jobseeker_history"
		return s.record(ctx, tx, ev)
	})
	return out, err
}
