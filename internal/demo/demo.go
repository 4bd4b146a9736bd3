// Package demo loads synthetic demonstration data: accounts for every role and
// a few municipalities' worth of clients. Identity codes use only the
// individual numbers 900–999 (temporary codes), so they are never real.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Password is the demo accounts' password (the demo is for trying out only).
const Password = "demo-password-2026"

// Account is one demo account.
type Account struct {
	Email, Name, Org string
	Roles            []authz.Role
	Grants           []Grant
}

// Grant is a demo grant.
type Grant struct{ Municipality, Role, Task string }

const taskAssessment = "Kotoutumislain 14 §: osaamisen ja palvelutarpeen arviointi ja kotoutumissuunnitelma (80 § 2 mom.)"

// Accounts lists the demo accounts.
var Accounts = []Account{
	{Email: "worker@helsinki.demo", Name: "Helmi Työntekijä", Org: "municipality:091", Grants: []Grant{{"091", "worker", taskAssessment}}},
	{Email: "viewer@helsinki.demo", Name: "Ville Katselija", Org: "municipality:091", Grants: []Grant{{"091", "viewer", taskAssessment}}},
	{Email: "main@helsinki.demo", Name: "Paula Pääkäyttäjä", Org: "municipality:091", Roles: []authz.Role{authz.MainUser}},
	{Email: "worker@espoo.demo", Name: "Erik Työntekijä", Org: "municipality:049", Grants: []Grant{{"049", "worker", taskAssessment}}},
	{Email: "main@espoo.demo", Name: "Eeva Pääkäyttäjä", Org: "municipality:049", Roles: []authz.Role{authz.MainUser}},
	{Email: "worker@vasa.demo", Name: "Vera Arbetare", Org: "municipality:905", Grants: []Grant{{"905", "worker", taskAssessment}}},
	{Email: "county@lansi-uusimaa.demo", Name: "Linnea Hyvinvointialue", Org: "wellbeing_county:03", Grants: []Grant{{"049", "viewer", taskAssessment}}},
	{Email: "admin@keha.demo", Name: "Kalle KEHA", Org: "keha", Roles: []authz.Role{authz.KehaAdmin}},
	{Email: "monitor@keha.demo", Name: "Laura Lokivalvoja", Org: "keha", Roles: []authz.Role{authz.LogMonitor}},
	{Email: "stats@tem.demo", Name: "Tilda Tilastoija", Org: "tem", Roles: []authz.Role{authz.Statistician}},
	{Email: "stats@uusimaa.demo", Name: "Aino Aluetilastoija", Org: "regional_centre:uudenmaan-elinvoimakeskus", Roles: []authz.Role{authz.Statistician}},
	{Email: "stats@helsinki.demo", Name: "Kerttu Kuntatilastoija", Org: "municipality:091", Roles: []authz.Role{authz.Statistician}},
}

// Load creates the demo data unless it is there already (idempotent).
func Load(ctx context.Context, s *store.Store) error {
	if _, err := s.AccountIDByEmail(ctx, Accounts[0].Email); err == nil {
		return nil
	}
	op := store.OperatorActor()
	for _, a := range Accounts {
		if _, err := s.CreateAccount(ctx, op, store.NewAccount{Email: a.Email, Name: a.Name, OrganisationID: a.Org, Roles: a.Roles, Password: Password}); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Email, err)
		}
	}
	for _, a := range Accounts {
		for _, g := range a.Grants {
			if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: a.Email, Municipality: g.Municipality, Role: g.Role, Task: g.Task}); err != nil {
				return fmt.Errorf("demo grant %s: %w", a.Email, err)
			}
		}
	}
	rng := rand.New(rand.NewPCG(2026, 1))
	today := s.Today()
	individual := 900
	for _, m := range []struct {
		muni, worker, lang string
		n                  int
	}{{"091", "worker@helsinki.demo", "fi", 24}, {"049", "worker@espoo.demo", "fi", 16}, {"905", "worker@vasa.demo", "sv", 10}} {
		id, err := s.AccountIDByEmail(ctx, m.worker)
		if err != nil {
			return err
		}
		p, err := s.PrincipalByAccountID(ctx, id)
		if err != nil {
			return err
		}
		actor := store.Actor{Principal: p, Meta: store.RequestMeta{RequestID: "demo"}}
		for i := 0; i < m.n; i++ {
			dob := time.Date(1960+rng.IntN(45), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
			pic := model.SyntheticIdentityCode(dob, individual)
			individual++
			if individual > 999 {
				individual = 900
			}
			until := today.AddDate(1+rng.IntN(3), rng.IntN(12), 0)
			first := today.AddDate(-rng.IntN(3), -rng.IntN(12), 0)
			in := model.ClientFields{
				Municipality: m.muni, PersonalIdentityCode: &pic,
				ResidenceBasis:  &model.ResidenceBasis{ValidUntil: &until, FirstPermitDate: &first},
				ServiceLanguage: m.lang, RightToWork: "Oikeus ansiotyöhön ilman rajoituksia", Jobseeker: rng.IntN(4) == 0,
			}
			background(rng, &in, model.DateOf(dob), today, i)
			if i%3 == 0 {
				email := fmt.Sprintf("asiakas%d@example.invalid", individual)
				in.Email = &email
			}
			c, err := s.RegisterClient(ctx, actor, in)
			if err != nil {
				if model.ErrorCode(err) == model.CodeDuplicateClient {
					continue
				}
				return fmt.Errorf("demo client: %w", err)
			}
			if err := cases(ctx, s, actor, c, i, today, m.lang); err != nil {
				return fmt.Errorf("demo case records: %w", err)
			}
		}
	}
	return nil
}

// cases records some statutory work for a demo client, so that timelines and
// worklists have something to show: an assessment for most clients, a plan
// for some (a few of them old enough to be overdue for guidance to a
// service), and services for others.
func cases(ctx context.Context, s *store.Store, actor store.Actor, c model.Client, i int, today model.Date, lang string) error {
	if i%4 == 3 || c.ResidenceBasis.FirstPermitDate == nil {
		return nil
	}
	first := *c.ResidenceBasis.FirstPermitDate
	assessed := first.AddDate(0, 1, 0)
	if assessed.After(today) {
		assessed = today
	}
	preparers := []model.Preparer{{Name: "Helmi Työntekijä", Contact: "kotoutuminen@example.invalid"}}
	if lang == "sv" {
		preparers = []model.Preparer{{Name: "Vera Arbetare", Contact: "integration@example.invalid"}}
	}
	date := func(d model.Date) *string { s := d.String(); return &s }
	needed, literate, a1 := true, "literate", "A1"
	if _, err := s.CreateAssessment(ctx, actor, c.ID, model.AssessmentInput{Date: date(assessed),
		Content: &model.AssessmentContent{Literacy: &literate, FinnishLevel: &a1, Education: "Secondary school",
			WorkHistory: "Shop assistant", ServiceNeeds: "Language training, guidance to work", IntegrationPlanNeeded: &needed},
		SpecifyingMeasures: "Language test at the adult education centre", PlannedPlanDate: date(assessed.AddDate(0, 1, 0)),
		Preparers: preparers, Sources: []string{"client", "migri"}}); err != nil {
		return err
	}
	if i%4 == 2 {
		return nil // plan preparation due
	}
	start := assessed.AddDate(0, 1, 0)
	if start.After(today) {
		start = today
	}
	if _, err := s.CreatePlan(ctx, actor, c.ID, model.PlanInput{StartDate: date(start), EndDate: date(start.AddDate(1, 0, -1)),
		Goals: "Finnish to level A2; a first job or training place",
		Measures: []model.PlanMeasure{{ServiceType: "integration_training", Description: "Integration training, 40 credits"},
			{ServiceType: "civic_orientation", Description: "Multilingual civic orientation in Arabic"}},
		Preparers: preparers, PlannedReviewDate: date(start.AddDate(0, 6, 0)), Sources: []string{"client"}}); err != nil {
		return err
	}
	if i%4 == 1 || c.Jobseeker {
		return nil // guidance to a service due (or, for a jobseeker, the employment authority's)
	}
	attended := "attended"
	service := model.ServiceInput{ServiceType: "civic_orientation", Date: date(start.AddDate(0, 1, 0)), Provider: "Adult education centre",
		Description: "Civic orientation, 60 hours", Attendance: &attended}
	if start.AddDate(0, 1, 0).After(today) {
		service = model.ServiceInput{ServiceType: "guidance_and_counselling", Date: date(today), Provider: "Municipality",
			Description: "Guidance to language training"}
	}
	_, err := s.CreateService(ctx, actor, c.ID, service)
	return err
}
