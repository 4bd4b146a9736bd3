package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
)

// The hash chains show any change made by someone who cannot rewrite the
// chain heads. Whoever can write to the database could rebuild a chain from a
// changed event onwards, hashes and head included: the seals (key.go) still
// reveal an event made up or changed, but not one removed, reordered or
// renumbered with every link after it recomputed. Anchoring closes that: the
// heads are published outside the database, signed with the audit key — by
// `kotodigi serve --audit-heads-dir DIR` on an interval (PublishHeads), or by
// `kotodigi audit heads` — and `kotodigi audit verify --heads FILE|DIR`
// checks that every published head is still in the trail.

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
	// KeyID and MAC sign Taken and Heads with the audit key (SignHeads);
	// empty when published without a key.
	KeyID string `json:"key_id,omitempty"`
	MAC   string `json:"mac,omitempty"`
}

// headsMessage is what a signature on heads covers.
func headsMessage(h Heads) []byte {
	b, _ := json.Marshal(struct {
		Taken time.Time `json:"taken"`
		Heads []Head    `json:"heads"`
	}{h.Taken.UTC(), h.Heads})
	return b
}

// SignHeads signs h with k.
func (k *Key) SignHeads(h *Heads) {
	h.KeyID, h.MAC = k.ID(), hex.EncodeToString(k.mac(labelHeads, headsMessage(*h)))
}

// HeadsSignatureProblem says what is wrong with h's signature under k (""
// when k signed h).
func (k *Key) HeadsSignatureProblem(h Heads) string {
	mac, err := hex.DecodeString(h.MAC)
	switch {
	case h.MAC == "":
		return "not signed"
	case h.KeyID != k.ID():
		return "signed with another key"
	case err != nil || !hmac.Equal(mac, k.mac(labelHeads, headsMessage(h))):
		return "the signature does not match (changed after it was signed)"
	}
	return ""
}

// ReadHeads decodes a heads file written by PublishHeads or `kotodigi audit heads`.
func ReadHeads(b []byte) (Heads, error) {
	var h Heads
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return Heads{}, fmt.Errorf("not a heads file of kotodigi: %w", err)
	}
	return h, nil
}

// PublishHeads writes the current heads, signed with key, as a new file in
// dir named after the time they were taken, and returns its path. The file
// appears whole (written aside, then renamed) and is never rewritten.
func PublishHeads(ctx context.Context, d *db.DB, key *Key, dir string, now time.Time) (string, error) {
	if key == nil {
		return "", errors.New("audit heads: publishing needs the audit key")
	}
	h, err := CurrentHeads(ctx, d, now)
	if err != nil {
		return "", err
	}
	key.SignHeads(&h)
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return "", err
	}
	name := filepath.Join(dir, "kotodigi-heads-"+h.Taken.Format("20060102T150405Z")+".json")
	tmp, err := os.CreateTemp(dir, ".kotodigi-heads-*")
	if err != nil {
		return "", fmt.Errorf("audit heads: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if _, serr := os.Stat(name); serr == nil {
			return "", fmt.Errorf("audit heads: %s exists already", name)
		}
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		return "", fmt.Errorf("audit heads: %w", err)
	}
	return name, nil
}

// PublishedCheck is what CheckPublished found in one file or directory.
type PublishedCheck struct {
	// Checked is the heads checked against the trail (a directory's newest
	// whose signature is good), Files the number of heads files read.
	Checked Heads
	Files   int
	// Signed: Checked's signature was checked with the key.
	Signed bool
	// Problems are signatures that do not match and heads not in the trail.
	Problems []string
	// TooOld heads were removed by retention and could not be checked.
	TooOld int
}

// CheckPublished checks published heads against the trail: a heads file, or
// the newest heads file of a directory (the trail's links tie every older
// position to it). With key every file must be signed by it; without, the
// signatures cannot be checked.
func CheckPublished(ctx context.Context, d *db.DB, key *Key, path string) (PublishedCheck, error) {
	var out PublishedCheck
	files := []string{path}
	if st, err := os.Stat(path); err != nil {
		return out, err
	} else if st.IsDir() {
		files, err = filepath.Glob(filepath.Join(path, "*.json"))
		if err != nil {
			return out, err
		}
		if len(files) == 0 {
			return out, fmt.Errorf("%s: no heads files", path)
		}
	}
	found := false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return out, err
		}
		h, err := ReadHeads(b)
		if err != nil {
			return out, fmt.Errorf("%s: %w", f, err)
		}
		out.Files++
		if key != nil && (h.MAC != "" || len(files) > 1) {
			if p := key.HeadsSignatureProblem(h); p != "" {
				out.Problems = append(out.Problems, fmt.Sprintf("%s: %s", f, p))
				continue
			}
		}
		if !found || h.Taken.After(out.Checked.Taken) {
			out.Checked, found = h, true
		}
	}
	if !found {
		return out, nil
	}
	out.Signed = key != nil && out.Checked.MAC != ""
	problems, tooOld, err := CheckHeads(ctx, d, out.Checked)
	out.Problems, out.TooOld = append(out.Problems, problems...), tooOld
	return out, err
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
