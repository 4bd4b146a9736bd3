package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// CreateToken makes an API bearer token for the account; only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, actor Actor, email string, ttl time.Duration) (string, error) {
	if ttl <= 0 || ttl > 366*24*time.Hour {
		return "", model.Errorf(model.CodeValidationFailed, "ttl must be between 1s and 366 days")
	}
	token, hash, err := credential.NewToken("kd_")
	if err != nil {
		return "", err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var id int64
		var disabled sql.NullTime
		err := tx.QueryRow(ctx, `SELECT id, disabled_at FROM accounts WHERE email = $1`, strings.ToLower(strings.TrimSpace(email))).Scan(&id, &disabled)
		if isNoRows(err) {
			return model.Errorf(model.CodeNotFound, "no such account")
		}
		if err != nil {
			return err
		}
		if disabled.Valid {
			return model.Errorf(model.CodeForbidden, "the account is disabled")
		}
		now := s.Now()
		var tokenID int64
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (account_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			id, hash, now, now.Add(ttl)).Scan(&tokenID); err != nil {
			return err
		}
		e := actor.event(authz.TokenCreate, audit.Allowed)
		e.Detail = "account=" + itoa(id) + " token=" + itoa(tokenID) + " ttl=" + ttl.String()
		return s.record(ctx, tx, e)
	})
	return token, err
}
