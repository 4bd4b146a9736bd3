package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/kotodigi/kotodigi/internal/db"
)

// The audit key seals the trail against anyone who can write to the
// database but does not hold the key (it is kept in a file or an environment
// variable, never in the database, and never sent to it).
//
//   - Each event carries a seal: HMAC-SHA-256 over its content (chain,
//     time, actor, action, client, the clients it showed, …) and a random
//     nonce, computed in Go before the event is written. The seal is part of
//     what the chain hash covers. An event made up, changed, or copied
//     (the same seal twice) is detected by Verify with the key, even when
//     its chain links were recomputed.
//   - Each retention checkpoint carries a seal over its chain, position and
//     hash, so that events cannot be removed from the start of a chain by
//     writing a checkpoint.
//   - Published heads (PublishHeads) are signed, so that a rewritten chain —
//     events removed, reordered or renumbered and all links recomputed — is
//     detected up to the newest published heads.

// MinKeyBytes is the shortest audit key accepted.
const MinKeyBytes = 32

// Key is the audit key.
type Key struct {
	secret []byte
	id     []byte // names the key in seals without revealing it
}

// Seal layout: key id, nonce, HMAC tag.
const (
	keyIDLen = 8
	nonceLen = 16
	sealLen  = keyIDLen + nonceLen + sha256.Size
)

// Domain labels keep the three kinds of MAC apart.
const (
	labelKeyID      = "kotodigi audit key id\x00"
	labelEvent      = "kotodigi audit event v3\x00"
	labelCheckpoint = "kotodigi audit checkpoint v1\x00"
	labelHeads      = "kotodigi audit heads v1\x00"
)

// ParseKey reads an audit key written as hex or base64 (standard or URL
// encoding, surrounding white space ignored) of at least MinKeyBytes bytes,
// e.g. the output of `head -c 32 /dev/urandom | base64`.
func ParseKey(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	var secret []byte
	if b, err := hex.DecodeString(text); err == nil {
		secret = b
	} else if b, err := base64.StdEncoding.DecodeString(text); err == nil {
		secret = b
	} else if b, err := base64.URLEncoding.DecodeString(text); err == nil {
		secret = b
	} else {
		return nil, errors.New("audit key: not hex or base64")
	}
	if len(secret) < MinKeyBytes {
		return nil, errors.New("audit key: shorter than 32 bytes")
	}
	k := &Key{secret: secret}
	k.id = k.mac(labelKeyID)[:keyIDLen]
	return k, nil
}

// ID names the key (hex), e.g. in published heads; it reveals nothing of it.
func (k *Key) ID() string { return hex.EncodeToString(k.id) }

func (k *Key) mac(label string, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, k.secret)
	h.Write([]byte(label))
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// unsealed is the seal of an event or checkpoint written without a key (one
// zero byte: an empty value would read back as NULL from some drivers, and
// NULL marks what was written before seals existed).
var unsealed = []byte{0}

// sealEvent returns the seal of an event's canonical content: key id,
// a fresh random nonce and the MAC. Without a key it is unsealed.
func (k *Key) sealEvent(canonical []byte) []byte {
	if k == nil {
		return unsealed
	}
	nonce := make([]byte, nonceLen)
	_, _ = rand.Read(nonce)
	return k.sealWithNonce(nonce, canonical)
}

func (k *Key) sealWithNonce(nonce, canonical []byte) []byte {
	out := make([]byte, 0, sealLen)
	out = append(out, k.id...)
	out = append(out, nonce...)
	return append(out, k.mac(labelEvent, nonce, canonical)...)
}

// sealProblem says what is wrong with an event's seal under k ("" when it
// is the key's seal of canonical).
func (k *Key) sealProblem(seal, canonical []byte) string {
	switch {
	case bytes.Equal(seal, unsealed):
		return "is not sealed (written without the audit key)"
	case len(seal) != sealLen:
		return "has a malformed seal"
	case !bytes.Equal(seal[:keyIDLen], k.id):
		return "is sealed with another key"
	case !hmac.Equal(seal, k.sealWithNonce(seal[keyIDLen:keyIDLen+nonceLen], canonical)):
		return "does not match its seal (forged or changed)"
	}
	return ""
}

// sealCheckpoint returns the seal of a retention checkpoint (unsealed
// without a key).
func (k *Key) sealCheckpoint(c Checkpoint) []byte {
	if k == nil {
		return unsealed
	}
	b := appendField(nil, itoa(int64(c.Chain)))
	b = appendField(b, itoa(c.Seq))
	b = append(b, c.Hash...)
	return append(append([]byte{}, k.id...), k.mac(labelCheckpoint, b)...)
}

// ErrKeyNeeded and ErrOtherKey are CheckKey's answers.
var (
	ErrKeyNeeded = errors.New("the audit trail is sealed: give its audit key (--audit-key-file or KOTODIGI_AUDIT_KEY)")
	ErrOtherKey  = errors.New("the audit key is not the one the audit trail is sealed with")
)

// CheckKey makes sure that events appended with key (nil: none) will fit
// the trail: once the newest event is sealed, events must be sealed with the
// same key, or Verify would find them inserted.
func CheckKey(ctx context.Context, d *db.DB, key *Key) error {
	var seal []byte
	err := d.InReadTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT seal FROM audit_events WHERE seal IS NOT NULL ORDER BY id DESC LIMIT 1`).Scan(&seal)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && len(seal) <= 1):
		return nil
	case err != nil:
		return fmt.Errorf("audit key: %w", err)
	case key == nil:
		return ErrKeyNeeded
	case len(seal) != sealLen || !bytes.Equal(seal[:keyIDLen], key.id):
		return ErrOtherKey
	}
	return nil
}
