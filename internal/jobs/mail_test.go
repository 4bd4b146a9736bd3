package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/mail"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/monitoring"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// inbox is a real SMTP server (go-smtp) on loopback that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func (b *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b  *inbox
	to []string
}

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.msgs = append(s.b.msgs, string(data))
	s.b.rcpt = append(s.b.rcpt, s.to...)
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

func TestReportedAnomalyIsMailedToTheMunicipalitysMainUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		box, ln, s, now := mailWorld(t, tg)
		op := store.OperatorActor()
		if _, err := s.CreateAccount(ctx, op, store.NewAccount{Email: "w@hel.example", Name: "H", OrganisationID: "municipality:091"}); err != nil {
			t.Fatal(err)
		}
		actor := func(email, muni string) store.Actor {
			if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: email, Municipality: muni, Role: "worker", Task: "t"}); err != nil {
				t.Fatal(err)
			}
			id, _ := s.AccountIDByEmail(ctx, email)
			p, _ := s.PrincipalByAccountID(ctx, id)
			return store.Actor{Principal: p}
		}
		helsinki, espoo := actor("w@hel.example", "091"), actor("w@espoo.example", "049")
		pic := "010190-999W"
		until := model.Date{Year: 2027, Month: 6, Day: 30}
		c, err := s.RegisterClient(ctx, helsinki, model.ClientFields{Municipality: "091", PersonalIdentityCode: &pic, FirstNames: "A", LastName: "B",
			ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until}, ServiceLanguage: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		for range 5 { // Espoo's worker keeps trying Helsinki's client
			_, _ = s.ClientByID(ctx, espoo, c.ID)
		}
		if _, _, err := s.DetectAnomalies(ctx, monitoring.DefaultAnomalyRules, 0, 1000); err != nil {
			t.Fatal(err)
		}
		list, _ := s.Anomalies(ctx, op, "new")
		if len(list) != 1 || list[0].Rule != "repeated_denied" || list[0].Municipality == nil || *list[0].Municipality != "091" {
			t.Fatalf("anomalies: %+v", list)
		}
		if err := s.ReviewAnomaly(ctx, op, list[0].ID, true, ""); err != nil {
			t.Fatal(err)
		}
		runner := jobs.New(s, jobs.Config{Mail: &mail.Sender{Addr: ln.Addr().String(), From: "kotodigi@keha.example"}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		box.mu.Lock()
		defer box.mu.Unlock()
		if len(box.msgs) != 1 {
			t.Fatalf("%d messages, want 1", len(box.msgs))
		}
		if box.rcpt[0] != "main@hel.example" || strings.Contains(box.msgs[0], pic) || !strings.Contains(box.msgs[0], "https://kotodigi.example/admin/anomalies/") {
			t.Errorf("sent to %v:\n%s", box.rcpt, box.msgs[0])
		}
		// Sent once: the next run sends nothing more.
		*now = now.Add(time.Minute)
		box.mu.Unlock()
		err = runner.RunDue(ctx)
		box.mu.Lock()
		if err != nil || len(box.msgs) != 1 {
			t.Errorf("second run: %d messages, %v", len(box.msgs), err)
		}
	})
}

// TestTransferInIsMailedToTheReceivingMainUsers: a client transferred to
// another municipality is told to that municipality's main users by e-mail
// (through a real SMTP server), naming no one and linking to the page where
// they assign a responsible worker.
func TestTransferInIsMailedToTheReceivingMainUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		box, ln, s, _ := mailWorld(t, tg)
		op := store.OperatorActor()
		if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: "w@espoo.example", Municipality: "049", Role: "worker", Task: "t"}); err != nil {
			t.Fatal(err)
		}
		id, _ := s.AccountIDByEmail(ctx, "w@espoo.example")
		p, _ := s.PrincipalByAccountID(ctx, id)
		espoo := store.Actor{Principal: p}
		uma, until := "AB-123", model.Date{Year: 2027, Month: 6, Day: 30}
		born := model.Date{Year: 1990, Month: 1, Day: 1}
		c, err := s.RegisterClient(ctx, espoo, model.ClientFields{Municipality: "049", UMANumber: &uma, DateOfBirth: &born, FirstNames: "Hodan",
			LastName: "Abdi", ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until}, ServiceLanguage: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.TransferClient(ctx, espoo, c.ID, model.TransferInput{Municipality: "091", Reason: "Moved"}); err != nil {
			t.Fatal(err)
		}
		runner := jobs.New(s, jobs.Config{Mail: &mail.Sender{Addr: ln.Addr().String(), From: "kotodigi@keha.example"}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		box.mu.Lock()
		defer box.mu.Unlock()
		if len(box.msgs) != 1 || box.rcpt[0] != "main@hel.example" {
			t.Fatalf("sent %d messages to %v", len(box.msgs), box.rcpt)
		}
		msg := box.msgs[0]
		if !strings.Contains(msg, "https://kotodigi.example/admin/responsible") || strings.Contains(msg, "Abdi") || strings.Contains(msg, uma) ||
			strings.Contains(msg, c.ID) {
			t.Errorf("message:\n%s", msg)
		}
	})
}

// mailWorld starts a real SMTP server and opens a store on tg (both closed
// when the test ends) with the main users of Helsinki and Espoo and an Espoo
// worker; it returns the inbox, the server's listener, the store and the
// time its clock shows (set it to move the clock).
func mailWorld(t *testing.T, tg testdb.Target) (*inbox, net.Listener, *store.Store, *time.Time) {
	t.Helper()
	ctx := context.Background()
	box := &inbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return now }, BaseURL: "https://kotodigi.example"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, a := range []store.NewAccount{
		{Email: "main@hel.example", Name: "M", OrganisationID: "municipality:091", Roles: []authz.Role{authz.MainUser}},
		{Email: "main@espoo.example", Name: "E", OrganisationID: "municipality:049", Roles: []authz.Role{authz.MainUser}},
		{Email: "w@espoo.example", Name: "W", OrganisationID: "municipality:049"},
	} {
		if _, err := s.CreateAccount(ctx, store.OperatorActor(), a); err != nil {
			t.Fatal(err)
		}
	}
	return box, ln, s, &now
}
