package store

import (
	"context"
	"fmt"

	"github.com/kotodigi/kotodigi/internal/db"
)

// Notification is an outgoing e-mail.
type Notification struct {
	ID      int64
	To      string
	Subject string
	Body    string
}

// notifyMainUsers queues an e-mail to every main user of a municipality, in
// the caller's transaction. The text holds no personal data of clients.
func (s *Store) notifyMainUsers(ctx context.Context, tx *db.Tx, muni, subject, body string) error {
	_, err := tx.Exec(ctx, `INSERT INTO notifications (to_email, subject, body, created_at)
		SELECT a.email, $2, $3, $4 FROM accounts a JOIN account_roles r ON r.account_id = a.id AND r.role = 'main_user'
		WHERE a.organisation_id = $1 AND a.disabled_at IS NULL`, "municipality:"+muni, subject, body, s.Now())
	return err
}

// PendingNotifications returns unsent e-mails (oldest first), skipping ones
// that failed many times.
func (s *Store) PendingNotifications(ctx context.Context, limit int) ([]Notification, error) {
	rows, err := s.db.QueryRead(ctx, `SELECT id, to_email, subject, body FROM notifications
		WHERE sent_at IS NULL AND attempts < 20 ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.To, &n.Subject, &n.Body); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkNotification records a send attempt.
func (s *Store) MarkNotification(ctx context.Context, id int64, sendErr error) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if sendErr == nil {
			_, err := tx.Exec(ctx, `UPDATE notifications SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1`, id, s.Now())
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE notifications SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, truncate(sendErr.Error(), 500))
		return err
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// anomalyMail is the notice of a reported anomaly, in Finnish and Swedish.
func anomalyMail(id int64, baseURL string) (string, string) {
	link := fmt.Sprintf("%s/admin/anomalies/%d", baseURL, id)
	return "Koto-digi: poikkeama tutkittavaksi / avvikelse att utreda",
		fmt.Sprintf("KEHA-keskuksen lokivalvonta on ilmoittanut kunnallenne käyttölokista havaitun poikkeaman (nro %d). "+
			"Tutkikaa se viipymättä ja kirjatkaa havainto: %s\n\n"+
			"KEHA-centrets loggövervakning har anmält en avvikelse i användningsloggen (nr %d) till er kommun. "+
			"Utred den utan dröjsmål och registrera resultatet: %s\n",
			id, link, id, link)
}
