package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
)

// The hash chains show any change made by someone who cannot rewrite the
// chain heads. Whoever owns the database could rebuild a chain from a changed
// event onwards, hashes and head included, and Verify would find it intact.
// Anchoring closes that: the operator regularly publishes the heads outside
// the database (`kotodigi audit heads`, e.g. daily to write-once storage or
// to another organisation), and `kotodigi audit verify --heads FILE` checks
// that every published head is still in the trail.

// Head is one chain's newest position and hash at the moment it was taken.
type Head struct {
	Chain int    `json:"chain"`
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"` // hex SHA-256
}

// Heads are all chains' heads at one moment.
type Heads struct {
	Taken time.Time `json:"taken"`
	Heads []Head    `json:"heads"`
}

// CurrentHeads reads every chain's head.
func CurrentHeads(ctx context.Context, d *db.DB, now time.Time) (Heads, error) {
	out := Heads{Taken: now.UTC().Truncate(time.Second), Heads: []Head{}}
	err := d.InReadTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT shard, seq, hash FROM audit_chain_heads ORDER BY shard`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h Head
			var hash []byte
			if err := rows.Scan(&h.Chain, &h.Seq, &hash); err != nil {
				return err
			}
			h.Hash = hex.EncodeToString(hash)
			out.Heads = append(out.Heads, h)
		}
		return rows.Err()
	})
	if err != nil {
		return Heads{}, fmt.Errorf("audit heads: %w", err)
	}
	return out, nil
}

// CheckHeads compares heads published earlier with the trail. Each published
// head must still be an event of its chain with the same hash, or, if
// retention has removed it, agree with the chain's checkpoint when that is
// the same position. It returns one line per head that does not match (none:
// the trail still contains everything published), and how many heads could
// not be checked because retention removed them.
func CheckHeads(ctx context.Context, d *db.DB, hs Heads) (problems []string, tooOld int, err error) {
	taken := hs.Taken.UTC().Format(time.RFC3339)
	err = d.InReadTx(ctx, func(tx *db.Tx) error {
		for _, h := range hs.Heads {
			want, err := hex.DecodeString(h.Hash)
			if err != nil || len(want) != 32 {
				return fmt.Errorf("chain %d: malformed hash in the published heads", h.Chain)
			}
			if h.Seq == 0 {
				continue // the chain was empty
			}
			var got []byte
			err = tx.QueryRow(ctx, `SELECT hash FROM audit_events WHERE shard = $1 AND seq = $2`, h.Chain, h.Seq).Scan(&got)
			switch {
			case err == nil:
				if !bytes.Equal(got, want) {
					problems = append(problems, fmt.Sprintf("chain %d: the event at position %d is not the one whose hash was published at %s (the chain was rewritten)", h.Chain, h.Seq, taken))
				}
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			var cpSeq int64
			var cpHash []byte
			err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit_checkpoints WHERE shard = $1`, h.Chain).Scan(&cpSeq, &cpHash)
			switch {
			case err == nil && cpSeq == h.Seq:
				if !bytes.Equal(cpHash, want) {
					problems = append(problems, fmt.Sprintf("chain %d: the retention checkpoint at position %d does not match the head published at %s (the chain was rewritten)", h.Chain, h.Seq, taken))
				}
			case err == nil && cpSeq > h.Seq:
				tooOld++ // removed by retention; later heads check the chain
			case err == nil || errors.Is(err, sql.ErrNoRows):
				problems = append(problems, fmt.Sprintf("chain %d: position %d, published at %s, is no longer in the trail (events were removed)", h.Chain, h.Seq, taken))
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("audit heads: %w", err)
	}
	return problems, tooOld, nil
}
