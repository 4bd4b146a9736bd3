package audit

import (
	"context"
	"testing"

	"github.com/kotodigi/kotodigi/internal/db"
)

// What an attacker who can write to the database, but has no audit key,
// can do; for the tests of package audit_test.

// Rebuild is rebuild (anchor_internal_test.go).
func Rebuild(t *testing.T, ctx context.Context, d *db.DB, shard, keep int, mutate func(*Event)) {
	rebuild(t, ctx, d, shard, keep, mutate)
}

// ForgeAppend appends e to chain shard with the given seal, its link
// recomputed and the chain head moved on, and returns its id.
func ForgeAppend(t *testing.T, ctx context.Context, d *db.DB, shard int, e Event, seal []byte) int64 {
	t.Helper()
	var id int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var seq int64
		var prev []byte
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_chain_heads WHERE shard = $1`, shard).Scan(&seq, &prev); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT MAX(id) + 1000 FROM audit_events`).Scan(&id); err != nil {
			return err
		}
		e.shard, e.seq, e.seal, e.ID = shard, seq+1, seal, id
		hash := chainHash(prev, chainBody(e.canonical(), seal), id)
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (id, shard, seq, at, actor_email, actor_organisation, action, outcome, client_id,
			municipality_code, detail, seal, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			id, shard, e.seq, e.At.UTC(), e.ActorEmail, e.ActorOrganisation, e.Action, e.Outcome, nullStr(e.ClientID),
			nullStr(e.Municipality), e.detail(), seal, prev, hash); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE shard = $1`, shard, e.seq, hash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
