package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// today is the store's date (Finnish time) as YYYY-MM-DD, moved by the given
// years, months and days.
func (e *env) today(years, months, days int) string {
	return e.store.Today().AddDate(years, months, days).String()
}

// caseClient registers a Helsinki client (first residence permit three
// months ago) with the changes of edit, and returns its page's path.
func (b *browser) caseClient(individual int, first, last string, edit func(url.Values)) string {
	b.e.t.Helper()
	form := clientForm(identityCode(individual), first, last)
	form.Set("residence_basis.first_permit_date", b.e.today(0, -3, 0))
	if edit != nil {
		edit(form)
	}
	return b.register(form)
}

// assessmentForm is a complete assessment; the middle preparer row is left
// empty, as a user would.
func (e *env) assessmentForm() url.Values {
	return url.Values{
		"date": {e.today(0, 0, 0)}, "content.literacy": {"literate"}, "content.literacy_notes": {""},
		"content.finnish_level": {"A2"}, "content.swedish_level": {""}, "content.language_notes": {"Puhuu arabiaa ja englantia."},
		"content.other_languages": {"arabia, englanti"}, "content.education": {"Ammattikoulu, sähköasentaja"},
		"content.work_history": {"Sähköasentaja 8 vuotta"}, "content.special_skills": {""}, "content.life_situation": {"Perheessä kaksi lasta."},
		"content.service_needs": {"Kielikoulutus, ohjaus työnhakuun"}, "content.integration_plan_needed": {"true"},
		"specifying_measures": {"Ohjaus kotoutumiskoulutukseen"}, "planned_plan_date": {e.today(0, 1, 0)},
		"preparers.0.name": {"Helmi Työntekijä"}, "preparers.0.contact": {"helmi.tyontekija@hel.fi"},
		"preparers.1.name": {""}, "preparers.1.contact": {""},
		"preparers.2.name": {"Tuula Tulkki"}, "preparers.2.contact": {"+358 9 310 1234"},
		"sources": {"client", "migri"}, "wellbeing_county_participated": {"true"},
	}
}

// planForm is a plan from start to end with two measures (and an empty row between).
func planForm(start, end string) url.Values {
	return url.Values{
		"start_date": {start}, "end_date": {end}, "goals": {"Suomen kielen taito A2-tasolle.\nTyöllistyminen sähköalalle."},
		"measures.0.service_type": {"integration_training"}, "measures.0.description": {"Kotoutumiskoulutus syksyllä"},
		"measures.1.service_type": {""}, "measures.1.description": {""},
		"measures.2.service_type": {"guidance_and_counselling"}, "measures.2.description": {"Ohjaustapaaminen kerran kuukaudessa"},
		"preparers.0.name": {"Helmi Työntekijä"}, "preparers.0.contact": {"helmi.tyontekija@hel.fi"},
		"planned_review_date": {""}, "sources": {"client"},
	}
}

// serviceForm is a service of type typ starting today.
func (e *env) serviceForm(typ string) url.Values {
	return url.Values{"service_type": {typ}, "date": {e.today(0, 0, 0)}, "end_date": {""}, "provider": {"Helsingin työväenopisto"},
		"description": {"Suomen kielen alkeet, 2 krt viikossa"}, "attendance": {""}}
}

// recordPlan records a plan through the form and returns its page's path.
func (b *browser) recordPlan(client string, form url.Values) string {
	b.e.t.Helper()
	p := b.submit(client+"/plans/new", client+"/plans/new", form)
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.location, "?done=created") {
		b.e.t.Fatalf("plan: status %d, location %q\n%s", p.status, p.location, p.body)
	}
	return strings.TrimSuffix(p.location, "?done=created")
}

// fieldWithError is the form field of the input with the id, when it shows an error.
func fieldWithError(body, id string) string {
	return regexp.MustCompile(`(?s)<div class="field field-error">\s*<label for="` + regexp.QuoteMeta(id) + `">.*?</div>`).FindString(body)
}

// timeline is the events of the client page's timeline, newest first.
func timeline(t *testing.T, body string) []string {
	t.Helper()
	start := strings.Index(body, `<h2 id="case-title">`)
	end := strings.Index(body, `<h2 id="jobseeker-title">`)
	if start < 0 || end < start {
		t.Fatal("the client page has no timeline")
	}
	var out []string
	for _, m := range regexp.MustCompile(`<tr><td>(?:<a href="[^"]+">)?([^<]+)`).FindAllStringSubmatch(body[start:end], -1) {
		out = append(out, m[1])
	}
	return out
}

func TestRecordAssessmentPlanReviewAndService(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.signedIn(helsinkiWorker)
		client := b.caseClient(970, "Ahmed", "Saleh", nil)
		page := b.get(client)
		mustContain(t, "client page", page.body, `href="`+client+`/assessments/new"`, `href="`+client+`/plans/new"`,
			`href="`+client+`/services/new"`, `href="`+client+`/transfer"`, "Työnhakijatilanteen historia", "<td>Ei työnhakija</td>")
		// The jobseeker status recorded with the registration is no event of its own.
		if got := timeline(t, page.body); strings.Join(got, "|") != "Asiakas rekisteröity" {
			t.Errorf("timeline of a new client: %q", got)
		}
		mustContain(t, "new client's timeline", page.body, "<td>"+formatFi(e.store.Today())+"</td>")

		// The assessment form starts with today and the user as a preparer.
		form := b.get(client + "/assessments/new")
		wantStatus(t, "assessment form", form, http.StatusOK)
		mustContain(t, "assessment form", form.body, "<title>Kirjaa osaamisen ja palvelutarpeen arviointi – Koto-digi</title>",
			`<span class="caption">Ahmed Saleh</span>`, `value="`+e.today(0, 0, 0)+`"`, `id="preparers-0-name" name="preparers.0.name" value="Helmi Työntekijä"`,
			`value="`+helsinkiWorker+`"`, `<legend>Valmistelija 2</legend>`, `<input type="checkbox" id="sources" name="sources" value="client"`,
			`<label for="sources-migri">Maahanmuuttovirasto</label>`, `<option value="">Ei arvioitu</option>`)
		// Without preparers and sources, and with a half-filled preparer row.
		bad := e.assessmentForm()
		bad.Set("preparers.0.name", "")
		bad.Set("preparers.0.contact", "")
		bad.Set("preparers.2.contact", "")
		bad.Del("sources")
		bad.Set("planned_plan_date", e.today(0, -1, 0))
		p := b.submit(client+"/assessments/new", client+"/assessments/new", bad)
		wantStatus(t, "assessment with errors", p, http.StatusUnprocessableEntity)
		mustContain(t, "assessment with errors", p.body, `role="alert"`, "<title>Virhe: Kirjaa osaamisen",
			`<a href="#preparers-2-contact">Valmistelija 3, Yhteystiedot: Pakollinen tieto.</a>`,
			`<a href="#sources">Tietolähteet: Valitse vähintään yksi tietolähde.</a>`,
			`<a href="#planned_plan_date">Kotoutumissuunnitelman tai muun ohjauksen suunniteltu ajankohta: Päivämäärä ei voi olla aiempi`,
			`value="Tuula Tulkki"`, "Ammattikoulu, sähköasentaja</textarea>", `<option value="A2" selected>A2</option>`,
			`value="true" checked`)
		mustContain(t, "preparer's contact", fieldWithError(p.body, "preparers-2-contact"), `aria-invalid="true"`, `id="preparers-2-contact-error"`)

		p = b.submit(client+"/assessments/new", client+"/assessments/new", e.assessmentForm())
		if p.status != http.StatusSeeOther || p.location != client+"?done=assessment" {
			t.Fatalf("assessment: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		afterAssessment := b.get(p.location).body
		mustContain(t, "client page after the assessment", afterAssessment, "Arviointi on tallennettu.",
			">Osaamisen ja kotoutumisen palvelutarpeen arviointi</a></td><td>"+formatFi(e.store.Today())+"</td>")
		// The timeline leads to the assessment as recorded.
		link := regexp.MustCompile(`<a href="(` + regexp.QuoteMeta(client) + `/assessments/[0-9a-f-]{36})">`).FindStringSubmatch(afterAssessment)
		if link == nil {
			t.Fatal("no link to the assessment in the timeline")
		}
		ap := b.get(link[1])
		wantStatus(t, "assessment page", ap, http.StatusOK)
		mustContain(t, "assessment page", ap.body, "<title>Osaamisen ja kotoutumisen palvelutarpeen arviointi – Koto-digi</title>",
			`<span class="caption">Ahmed Saleh</span>`, "<dd class=\"text\">Ammattikoulu, sähköasentaja</dd>", "<dd>A2</dd>",
			"<td>Helmi Työntekijä</td>", "<td>Tuula Tulkki</td>", `href="`+client+`"`)

		// A first plan longer than a year is refused next to its end date, with everything typed kept.
		start := e.today(0, 0, 1)
		tooLong := planForm(start, e.today(1, 1, 1))
		p = b.submit(client+"/plans/new", client+"/plans/new", tooLong)
		wantStatus(t, "first plan over a year", p, http.StatusUnprocessableEntity)
		msg := "Asiakkaan ensimmäinen kotoutumissuunnitelma voi kestää enintään 12 kuukautta."
		mustContain(t, "first plan over a year", p.body, `role="alert"`, `<a href="#end_date">Päättymispäivä: `+msg+`</a>`,
			"Suomen kielen taito A2-tasolle.\nTyöllistyminen sähköalalle.</textarea>", `value="Kotoutumiskoulutus syksyllä"`,
			`value="Ohjaustapaaminen kerran kuukaudessa"`, `<option value="integration_training" selected>Kotoutumiskoulutus</option>`,
			`<option value="guidance_and_counselling" selected>Ohjaus ja neuvonta</option>`, `value="`+e.today(1, 1, 1)+`"`,
			`value="Helmi Työntekijä"`, `value="client" checked`)
		mustContain(t, "end date field", fieldWithError(p.body, "end_date"), msg, `aria-invalid="true"`,
			`aria-describedby="end_date-error"`)
		mustNotContain(t, "first plan over a year", p.body, `name="exceeds_two_years_reason"`)

		plan := b.recordPlan(client, planForm(start, e.today(1, 0, 1)))
		pp := b.get(plan + "?done=created")
		wantStatus(t, "plan page", pp, http.StatusOK)
		mustContain(t, "plan page", pp.body, "Kotoutumissuunnitelma on tallennettu.", "<title>Kotoutumissuunnitelma – Koto-digi</title>",
			"Suomen kielen taito A2-tasolle.", "<td>Kotoutumiskoulutus</td><td class=\"text\">Kotoutumiskoulutus syksyllä</td>",
			"<td>Ohjaus ja neuvonta</td>", "<td>Helmi Työntekijä</td><td>helmi.tyontekija@hel.fi</td>", "Suunnitelmaa ei ole vielä tarkistettu.",
			`href="`+plan+`/print"`, `action="`+plan+`/reviews"`, `<label for="review-changes">`)

		// A review without changes, and one before the plan started, are refused.
		p = b.submit(plan, plan+"/reviews", url.Values{"date": {e.today(0, 6, 0)}, "changes": {" "}})
		wantStatus(t, "review without changes", p, http.StatusUnprocessableEntity)
		mustContain(t, "review without changes", p.body, `<a href="#review-changes">Muutokset: Pakollinen tieto.</a>`, "Suomen kielen taito A2-tasolle.")
		p = b.submit(plan, plan+"/reviews", url.Values{"date": {e.today(0, 0, -1)}, "changes": {"Tavoitteet ennallaan."}})
		wantStatus(t, "review before the plan", p, http.StatusUnprocessableEntity)
		mustContain(t, "review before the plan", p.body, `href="#review-date"`, "Tavoitteet ennallaan.</textarea>")
		p = b.submit(plan, plan+"/reviews", url.Values{"date": {e.today(0, 0, 1)}, "changes": {"Kielikurssi lisätty.\nTavoitteet ennallaan."}})
		if p.status != http.StatusSeeOther || p.location != plan+"?done=reviewed" {
			t.Fatalf("review: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		mustContain(t, "plan after the review", b.get(p.location).body, "Tarkistus on tallennettu.", "Kielikurssi lisätty.\nTavoitteet ennallaan.</td>")

		p = b.submit(client+"/services/new", client+"/services/new", e.serviceForm("language_course"))
		if p.status != http.StatusSeeOther || p.location != client+"?done=service" {
			t.Fatalf("service: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		after := b.get(p.location).body
		mustContain(t, "client page after the service", after, "Palvelu on tallennettu.", `<a href="`+plan+`">Kotoutumissuunnitelma</a>`,
			`<a href="`+plan+`">Kotoutumissuunnitelman tarkistus</a>`)
		// Newest first by the event's own date (the plan and its review start
		// tomorrow), then by when it was recorded (the review after the plan).
		want := "Kotoutumissuunnitelman tarkistus|Kotoutumissuunnitelma|Kielikurssi|Osaamisen ja kotoutumisen palvelutarpeen arviointi|Asiakas rekisteröity"
		if got := strings.Join(timeline(t, after), "|"); got != want {
			t.Errorf("timeline, newest first:\n got %s\nwant %s", got, want)
		}
		mustContain(t, "timeline details", after, `>Kielikurssi</a><span class="subline">Helsingin työväenopisto</span>`,
			`>Kotoutumissuunnitelma</a><span class="subline">Voimassa `+formatFi(e.store.Today().AddDate(0, 0, 1))+`–`+formatFi(e.store.Today().AddDate(1, 0, 1))+`</span>`)
	})
}

// formatFi writes a date as the Finnish pages do.
func formatFi(d model.Date) string { return d.Time().Format("2.1.2006") }

func TestServiceFormCatchesMistakes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.signedIn(helsinkiWorker)
		client := b.caseClient(971, "Noor", "Ali", nil)
		form := e.serviceForm("language_course")
		form.Set("final_language_test.level", "B1")
		form.Set("attendance", "attended")
		form.Set("missed_with_interpreter_costs", "true")
		form.Set("end_date", e.today(0, 0, -1))
		p := b.submit(client+"/services/new", client+"/services/new", form)
		wantStatus(t, "service with mistakes", p, http.StatusUnprocessableEntity)
		mustContain(t, "service with mistakes", p.body,
			`<a href="#final_language_test-level">Saavutettu taso: Loppukoe kirjataan vain kotoutumiskoulutukselle.</a>`,
			`<a href="#missed_with_interpreter_costs">Poisjäännistä aiheutui tulkkauskuluja: Valitse tämä vain, kun asiakas ei saapunut.</a>`,
			`<a href="#end_date">Päättymispäivä: Päivämäärä ei voi olla aiempi`, `<option value="B1" selected>B1</option>`)
		form.Set("service_type", "integration_training")
		form.Set("missed_with_interpreter_costs", "")
		form.Set("end_date", e.today(0, 4, 0))
		form.Set("final_language_test.date", e.today(0, 4, 0))
		if p := b.submit(client+"/services/new", client+"/services/new", form); p.status != http.StatusSeeOther {
			t.Fatalf("integration training with its test: status %d\n%s", p.status, p.body)
		}
	})
}

func TestJobseekersServiceIsRefusedWithTheEmploymentAuthorityMessage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.signedIn(helsinkiWorker)
		client := b.caseClient(972, "Mehmet", "Yilmaz", func(f url.Values) { f.Set("jobseeker", "true") })
		page := b.get(client).body
		mustContain(t, "jobseeker's client page", page, "<td>Työnhakija</td>", "palveluista tähän kirjataan vain ohjaus ja neuvonta")

		form := b.get(client + "/services/new")
		mustContain(t, "jobseeker's service form", form.body, "Asiakas on työnhakija. Tähän voi kirjata vain ohjauksen ja neuvonnan",
			`<option value="guidance_and_counselling" selected>`)
		// Only what may be recorded is offered.
		mustNotContain(t, "jobseeker's service form", form.body, `<option value="language_course"`, `<option value="civic_orientation"`)
		p := b.submit(client+"/services/new", client+"/services/new", e.serviceForm("language_course"))
		wantStatus(t, "a jobseeker's language course", p, http.StatusUnprocessableEntity)
		mustContain(t, "a jobseeker's language course", p.body, `role="alert"`, "<title>Virhe: Kirjaa palvelu – Koto-digi</title>",
			`<a href="#service_type">Asiakas on työnhakija: työllisyysviranomaisen palvelut kirjataan työllisyysviranomaisen omiin järjestelmiin. Tähän voi kirjata ohjauksen ja neuvonnan.</a>`,
			`<option value="guidance_and_counselling">`, `value="Helsingin työväenopisto"`,
			"Suomen kielen alkeet, 2 krt viikossa</textarea>", `value="`+e.today(0, 0, 0)+`"`)
		// Nothing was stored.
		for _, ev := range timeline(t, b.get(client).body) {
			if ev == "Kielikurssi" {
				t.Error("a service of a jobseeker was stored")
			}
		}
		// Guidance and counselling may be recorded for anyone.
		p = b.submit(client+"/services/new", client+"/services/new", e.serviceForm("guidance_and_counselling"))
		if p.status != http.StatusSeeOther {
			t.Fatalf("a jobseeker's guidance: status %d\n%s", p.status, p.body)
		}
		if got := timeline(t, b.get(client).body); len(got) == 0 || got[0] != "Ohjaus ja neuvonta" {
			t.Errorf("timeline after guidance: %q", got)
		}
	})
}

func TestEligibilityAndPlanLengthRefusalsShowWhatResolvesThem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.signedIn(helsinkiWorker)
		old := b.caseClient(973, "Olga", "Petrova", func(f url.Values) { f.Set("residence_basis.first_permit_date", e.today(-4, 0, 0)) })
		p := b.submit(old+"/assessments/new", old+"/assessments/new", e.assessmentForm())
		wantStatus(t, "assessment after three years", p, http.StatusUnprocessableEntity)
		mustContain(t, "assessment after three years", fieldWithError(p.body, "date"), "on kulunut yli 3 vuotta",
			"valitse kohta ”Asiakas on ihmiskaupan uhri” ja tallenna uudelleen.", `aria-invalid="true"`)
		mustContain(t, "assessment after three years", p.body, `<label for="eligibility_exception">Asiakas on ihmiskaupan uhri</label>`)
		form := e.assessmentForm()
		form.Set("eligibility_exception", "true")
		if p := b.submit(old+"/assessments/new", old+"/assessments/new", form); p.status != http.StatusSeeOther {
			t.Fatalf("assessment of a victim of trafficking: status %d\n%s", p.status, p.body)
		}
		// The exception of the assessment carries over to the plan.
		b.recordPlan(old, planForm(e.today(0, 0, 0), e.today(0, 6, 0)))

		// Without an exception on record, the plan form offers it.
		other := b.caseClient(974, "Ivan", "Petrov", func(f url.Values) { f.Set("residence_basis.first_permit_date", e.today(-4, 0, 0)) })
		form = planForm(e.today(0, 0, 0), e.today(0, 6, 0))
		mustNotContain(t, "plan form", b.get(other+"/plans/new").body, `name="eligibility_exception"`)
		p = b.submit(other+"/plans/new", other+"/plans/new", form)
		wantStatus(t, "plan after three years", p, http.StatusUnprocessableEntity)
		mustContain(t, "plan after three years", p.body, `href="#start_date"`, `<input type="hidden" name="eligibility_exception_shown" value="true">`,
			`<input type="checkbox" id="eligibility_exception" name="eligibility_exception" value="true"`)
		form.Set("eligibility_exception_shown", "true")
		form.Set("eligibility_exception", "true")
		plan := b.recordPlan(other, form)
		mustContain(t, "plan of a victim of trafficking", b.get(plan).body, "Ihmiskaupan uhri: kolmen vuoden määräaika ei koske")

		// Plans of over two years in total need a reason; overlapping plans are refused.
		c := b.caseClient(975, "Lina", "Haddad", nil)
		b.recordPlan(c, planForm(e.today(0, 0, 0), e.today(1, 0, 0)))
		p = b.submit(c+"/plans/new", c+"/plans/new", planForm(e.today(0, 6, 0), e.today(1, 6, 0)))
		wantStatus(t, "overlapping plan", p, http.StatusUnprocessableEntity)
		mustContain(t, "overlapping plan", p.body, `<a href="#start_date">Alkamispäivä: Asiakkaalla on jo kotoutumissuunnitelma tälle ajalle.`)
		second := planForm(e.today(1, 0, 0), e.today(2, 1, 0))
		p = b.submit(c+"/plans/new", c+"/plans/new", second)
		wantStatus(t, "plans over two years", p, http.StatusUnprocessableEntity)
		mustContain(t, "plans over two years", p.body, `href="#end_date"`, "ylittäisi 24 kuukautta", "Kirjoita peruste kenttään ”Peruste pidemmälle kestolle”",
			`<label for="exceeds_two_years_reason">Peruste pidemmälle kestolle</label>`, `value="`+e.today(2, 1, 0)+`"`)
		second.Set("exceeds_two_years_reason", "Kotoutumiskoulutus keskeytyi sairauden vuoksi.")
		plan = b.recordPlan(c, second)
		mustContain(t, "second plan", b.get(plan).body, "Kotoutumiskoulutus keskeytyi sairauden vuoksi.")
	})
}

func TestPrintablePlanIsInTheClientsServiceLanguage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.signedIn(helsinkiWorker)
		pic := identityCode(976)
		client := b.caseClient(976, "Sara", "Lindqvist", func(f url.Values) { f.Set("service_language", "sv") })
		form := planForm(e.today(0, 0, 0), e.today(0, 11, 0))
		form.Set("planned_review_date", e.today(0, 5, 0))
		plan := b.recordPlan(client, form)
		p := b.get(plan + "/print")
		wantStatus(t, "printable plan", p, http.StatusOK)
		mustContain(t, "printable plan in Swedish", p.body, `<html lang="fi">`, `<body class="print-document">`,
			"<title>Tulostettava kotoutumissuunnitelma – Koto-digi</title>", "Suunnitelma on asiakkaan asiointikielellä (ruotsi).",
			`<article class="print-doc" lang="sv"`, `<h1 id="doc-title">Integrationsplan</h1>`, "Helsingfors", "Lagen om främjande av integration (681/2023)",
			"<dt>Namn</dt><dd>Sara Lindqvist</dd>", "<dt>Födelsedatum</dt><dd>1.1.1990</dd>", "<td>Integrationsutbildning</td>", "<td>Handledning och rådgivning</td>",
			"Suomen kielen taito A2-tasolle.", "<dt>Planen ses över</dt><dd>"+formatFi(e.store.Today().AddDate(0, 5, 0))+"</dd>",
			"<td>Helmi Työntekijä</td><td>helmi.tyontekija@hel.fi</td>",
			`<h2 id="doc-rights">Dina rättigheter och skyldigheter</h2>`, "Du har rätt till en integrationsplan", "Planen upprättas tillsammans med dig",
			"delta i de tjänster som ni har kommit överens om", "rätt till tolkning", "loggas", "kontakta dem som upprättat planen")
		mustNotContain(t, "printable plan", p.body, pic, "Oikeutesi ja velvollisuutesi", "Kotoutumiskoulutus</td>")
		// The document is in Swedish whatever the UI language.
		b.post("/language", url.Values{"lang": {"en"}, "next": {plan + "/print"}})
		mustContain(t, "printable plan with an English UI", b.get(plan+"/print").body, `<html lang="en">`, `lang="sv"`, "Dina rättigheter och skyldigheter",
			"The plan is in the client's service language (Swedish).")

		// A Finnish-speaking client's plan prints in Finnish.
		b.post("/language", url.Values{"lang": {"sv"}, "next": {"/"}})
		fi := b.caseClient(977, "Amir", "Karimi", nil)
		fiPlan := b.recordPlan(fi, planForm(e.today(0, 0, 0), e.today(0, 11, 0)))
		mustContain(t, "printable plan in Finnish", b.get(fiPlan+"/print").body, `<html lang="sv">`, `<article class="print-doc" lang="fi"`,
			"<h1 id=\"doc-title\">Kotoutumissuunnitelma</h1>", "Oikeutesi ja velvollisuutesi", "Sinulla on oikeus kotoutumissuunnitelmaan",
			"<dd>Tarvittaessa</dd>", "Helsinki")
	})
}

func TestPrintStylesheetHidesTheServiceChrome(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		m := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(b.get("/login").body)
		if m == nil {
			t.Fatal("no stylesheet")
		}
		css := b.get(m[1]).body
		printRules := css[strings.Index(css, "@media print"):]
		mustContain(t, "print rules", printRules, "a.service-name:visited { color: #000; }", ".print-document .site-header { display: none; }")
		mustContain(t, "stylesheet", css, "@page { size: A4;")
	})
}

func TestWorklistShowsAnOverdueServiceGuidance(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		var mu sync.Mutex
		now := time.Now()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		e := newEnvWith(t, tg, store.Options{Clock: clock})
		w := e.signedIn(helsinkiWorker)
		client := w.caseClient(978, "Dina", "Haidari", nil)
		plan := w.recordPlan(client, planForm(e.today(0, 0, 0), e.today(0, 11, 0)))
		mustContain(t, "worker's navigation", w.get("/").body, `<a href="/worklist">Työlista</a>`)
		fresh := w.get("/worklist")
		wantStatus(t, "worklist", fresh, http.StatusOK)
		mustContain(t, "worklist today", fresh.body, "<title>Työlista: Helsinki (091) – Koto-digi</title>", "Määräaikoja 1, joista myöhässä 0.",
			`<option value="091" selected>Helsinki (091)</option>`, `href="/worklist" aria-current="page"`)
		mustNotContain(t, "worklist today", row(t, fresh.body, "Ohjaus palveluun"), "Myöhässä", "overdue")

		// Seven months later no service has been recorded since the plan started.
		mu.Lock()
		now = now.AddDate(0, 7, 0)
		mu.Unlock()
		w = e.signedIn(helsinkiWorker)
		p := w.get("/worklist")
		wantStatus(t, "worklist after seven months", p, http.StatusOK)
		r := row(t, p.body, "Ohjaus palveluun")
		mustContain(t, "overdue item", r, `class="overdue"`, `<span class="tag tag-warning">Myöhässä</span>`,
			`<a href="`+client+`">`, `<a href="`+client+`/services/new">Kirjaa palvelu</a>`)
		if strings.Contains(r, `">Asiakas `) {
			t.Errorf("worklist row shows a reference instead of the client's name: %s", r)
		}
		mustContain(t, "worklist", p.body, "Määräaikoja 1, joista myöhässä 1.")
		mustContain(t, "my worklist", row(t, w.get("/worklist?municipality=091&mine=true").body, "Ohjaus palveluun"), "Myöhässä")

		v := e.signedIn(helsinkiViewer)
		mustContain(t, "viewer's worklist", row(t, v.get("/worklist?municipality=091").body, "Ohjaus palveluun"),
			`<a href="`+plan+`">Avaa suunnitelma</a>`)
		mustContain(t, "viewer's own records", v.get("/worklist?municipality=091&mine=true").body, "Ei määräaikoja.", `name="mine" value="true" checked`)

		espoo := e.signedIn(espooWorker)
		wantStatus(t, "Helsinki's worklist for Espoo", espoo.get("/worklist?municipality=091"), http.StatusForbidden)
		wantStatus(t, "unknown municipality", espoo.get("/worklist?municipality=999"), http.StatusNotFound)
		mustNotContain(t, "Espoo's worklist", espoo.get("/worklist").body, client)

		// Recording a service clears the item.
		w.submit(client+"/services/new", client+"/services/new", e.serviceForm("civic_orientation"))
		mustNotContain(t, "worklist after the service", w.get("/worklist").body, "Ohjaus palveluun")
	})
}

func TestTransferLeavesTheOldMunicipalityReadOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		hki := e.signedIn(helsinkiWorker)
		client := hki.caseClient(979, "Jamal", "Omar", nil)
		plan := hki.recordPlan(client, planForm(e.today(0, 0, 0), e.today(0, 11, 0)))
		form := hki.get(client + "/transfer")
		wantStatus(t, "transfer form", form, http.StatusOK)
		mustContain(t, "transfer form", form.body, "<title>Siirrä asiakas toiseen kuntaan – Koto-digi</title>", "<dd>Helsinki (091)</dd>",
			`<select id="municipality" name="municipality" required`, `<option value="049">Espoo (049)</option>`)
		mustNotContain(t, "transfer form", form.body, `<option value="091">`)

		p := hki.submit(client+"/transfer", client+"/transfer", url.Values{"municipality": {"049"}, "reason": {""}})
		wantStatus(t, "transfer without a reason", p, http.StatusUnprocessableEntity)
		mustContain(t, "transfer without a reason", p.body, `<a href="#reason">Siirron syy: Pakollinen tieto.</a>`, `<option value="049" selected>`)
		p = hki.submit(client+"/transfer", client+"/transfer", url.Values{"municipality": {"049"}, "reason": {"Asiakas muutti Espooseen."}})
		until := formatFi(e.store.Today().AddDate(0, 0, 90))
		if p.status != http.StatusSeeOther || p.location != client+"?done=transferred&read_until="+e.today(0, 0, 90) {
			t.Fatalf("transfer: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		after := hki.get(p.location)
		wantStatus(t, "client page after the transfer", after, http.StatusOK)
		mustContain(t, "client page after the transfer", after.body, "Asiakas on siirretty. Uusi vastuukunta: Espoo (049).",
			"Kuntasi voi lukea asiakkaan tietoja "+until+" asti.", "Asiakas on siirretty toiseen kuntaan: Espoo (049).", ">Siirto toiseen kuntaan</td>")
		mustNotContain(t, "client page after the transfer", after.body, "/assessments/new", "/plans/new", "/services/new", client+"/transfer", client+"/edit")
		planPage := hki.get(plan)
		wantStatus(t, "plan after the transfer", planPage, http.StatusOK)
		mustNotContain(t, "plan after the transfer", planPage.body, "/reviews")
		for _, path := range []string{"/assessments/new", "/plans/new", "/services/new", "/transfer"} {
			wantStatus(t, "GET "+path+" after the transfer", hki.get(client+path), http.StatusForbidden)
		}
		token := hki.csrf("/")
		for path, form := range map[string]url.Values{
			client + "/assessments/new": e.assessmentForm(),
			client + "/plans/new":       planForm(e.today(1, 0, 0), e.today(1, 6, 0)),
			plan + "/reviews":           {"date": {e.today(0, 0, 1)}, "changes": {"Muutos"}},
			client + "/services/new":    e.serviceForm("civic_orientation"),
			client + "/transfer":        {"municipality": {"091"}, "reason": {"Takaisin"}},
		} {
			form.Set("csrf_token", token)
			wantStatus(t, "POST "+path+" after the transfer", hki.post(path, form), http.StatusForbidden)
		}

		espoo := e.signedIn(espooWorker)
		page := espoo.get(client)
		wantStatus(t, "Espoo's client page", page, http.StatusOK)
		mustContain(t, "Espoo's client page", page.body, "Jamal Omar", `href="`+client+`/assessments/new"`, `href="`+client+`/services/new"`)
		mustNotContain(t, "Espoo's client page", page.body, "Asiakas on siirretty toiseen kuntaan")
		mustContain(t, "Espoo's plan page", espoo.get(plan).body, `action="`+plan+`/reviews"`)
	})
}

// casePaths records a client with a plan and returns the new pages about them.
func casePaths(b *browser) (client, plan string, pages []string) {
	b.e.t.Helper()
	client = b.caseClient(980, "Farah", "Nasser", nil)
	plan = b.recordPlan(client, planForm(b.e.today(0, 0, 0), b.e.today(0, 11, 0)))
	assessment, service := b.recordAssessmentAndService(client)
	return client, plan, []string{client + "/assessments/new", client + "/plans/new", plan, plan + "/print", client + "/services/new",
		client + "/transfer", assessment, service}
}

// recordAssessmentAndService records both through the forms and returns
// their pages, as linked from the client's timeline.
func (b *browser) recordAssessmentAndService(client string) (assessment, service string) {
	b.e.t.Helper()
	for _, f := range []struct {
		path string
		form url.Values
	}{{client + "/assessments/new", b.e.assessmentForm()}, {client + "/services/new", b.e.serviceForm("language_course")}} {
		path := f.path
		if p := b.submit(path, path, f.form); p.status != http.StatusSeeOther {
			b.e.t.Fatalf("%s: %d\n%s", path, p.status, p.body)
		}
	}
	page := b.get(client).body
	link := func(kind string) string {
		m := regexp.MustCompile(`href="(` + regexp.QuoteMeta(client) + `/` + kind + `/[0-9a-f-]{36})"`).FindStringSubmatch(page)
		if m == nil {
			b.e.t.Fatalf("no link to the %s on the client page", kind)
		}
		return m[1]
	}
	return link("assessments"), link("services")
}

func TestAnotherMunicipalityGetsNotFoundOnCasePages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		client, plan, pages := casePaths(e.signedIn(helsinkiWorker))
		espoo := e.signedIn(espooWorker)
		for _, path := range pages {
			p := espoo.get(path)
			wantStatus(t, "Espoo GET "+path, p, http.StatusNotFound)
			mustContain(t, "Espoo GET "+path, p.body, "<h1>Sivua ei löydy</h1>")
			mustNotContain(t, "Espoo GET "+path, p.body, "Farah", "Nasser")
		}
		token := espoo.csrf("/")
		for path, form := range map[string]url.Values{
			client + "/assessments/new": e.assessmentForm(),
			client + "/plans/new":       planForm(e.today(1, 0, 0), e.today(1, 6, 0)),
			plan + "/reviews":           {"date": {e.today(0, 0, 1)}, "changes": {"Muutos"}},
			client + "/services/new":    e.serviceForm("civic_orientation"),
			client + "/transfer":        {"municipality": {"049"}, "reason": {"Siirto"}},
		} {
			form.Set("csrf_token", token)
			p := espoo.post(path, form)
			wantStatus(t, "Espoo POST "+path, p, http.StatusNotFound)
			mustNotContain(t, "Espoo POST "+path, p.body, "Farah", "Nasser")
		}
		// A plan of another client is not found either.
		other := e.signedIn(helsinkiWorker).caseClient(981, "Omar", "Farouk", nil)
		wantStatus(t, "plan under another client", e.signedIn(helsinkiWorker).get(other+"/plans/"+plan[strings.LastIndex(plan, "/")+1:]), http.StatusNotFound)
		mustContain(t, "Helsinki after Espoo's attempts", e.signedIn(helsinkiWorker).get(client).body, "Farah Nasser", "<dd>Helsinki (091)</dd>")
	})
}

func TestViewersReadCaseRecordsButRecordNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		client, plan, pages := casePaths(e.signedIn(helsinkiWorker))
		v := e.signedIn(helsinkiViewer)
		page := v.get(client).body
		mustContain(t, "viewer's client page", page, `<a href="`+plan+`">Kotoutumissuunnitelma</a>`)
		mustNotContain(t, "viewer's client page", page, "/assessments/new", "/plans/new", "/services/new", "/transfer")
		for _, path := range pages {
			want := http.StatusForbidden
			if path == plan || path == plan+"/print" || !strings.HasSuffix(path, "/new") && !strings.HasSuffix(path, "/transfer") {
				want = http.StatusOK
			}
			wantStatus(t, "viewer GET "+path, v.get(path), want)
		}
		mustNotContain(t, "viewer's plan page", v.get(plan).body, "/reviews", `id="review-date"`)
		p := v.submit(plan, plan+"/reviews", url.Values{"date": {e.today(0, 0, 1)}, "changes": {"Muutos"}})
		wantStatus(t, "viewer's review", p, http.StatusForbidden)
	})
}

func TestCasePostsWithoutCSRFTokenAreRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.signedIn(helsinkiWorker)
		client, plan, _ := casePaths(b)
		forms := map[string]url.Values{
			client + "/assessments/new": e.assessmentForm(),
			client + "/plans/new":       planForm(e.today(1, 0, 0), e.today(1, 6, 0)),
			plan + "/reviews":           {"date": {e.today(0, 0, 1)}, "changes": {"Muutos"}},
			client + "/services/new":    e.serviceForm("civic_orientation"),
			client + "/transfer":        {"municipality": {"049"}, "reason": {"Siirto"}},
		}
		for path, form := range forms {
			if p := b.post(path, form); p.status != http.StatusForbidden {
				t.Errorf("POST %s without a CSRF token: status %d, want 403", path, p.status)
			}
			form.Set("csrf_token", "not-the-token-of-this-session")
			if p := b.post(path, form); p.status != http.StatusForbidden {
				t.Errorf("POST %s with a wrong CSRF token: status %d, want 403", path, p.status)
			}
		}
		// Nothing happened: the records made before are all there is, and the client is still Helsinki's.
		page := b.get(client).body
		events := timeline(t, page)
		slices.Sort(events) // records made within the same second may come in either order
		if got := strings.Join(events, "|"); got != "Asiakas rekisteröity|Kielikurssi|Kotoutumissuunnitelma|Osaamisen ja kotoutumisen palvelutarpeen arviointi" {
			t.Errorf("timeline after refused posts: %s", got)
		}
		mustContain(t, "client after refused posts", page, "<dd>Helsinki (091)</dd>")
		mustContain(t, "plan after refused posts", b.get(plan).body, "Suunnitelmaa ei ole vielä tarkistettu.")
	})
}

func TestCasePagesAreAccessible(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.signedIn(helsinkiWorker)
		client, plan, paths := casePaths(b)
		pages := map[string]string{}
		for _, p := range append(paths, client, "/worklist") {
			pages[p] = b.get(p).body
		}
		pages["assessment with errors"] = b.submit(client+"/assessments/new", client+"/assessments/new", url.Values{"date": {"1.2.2026"}}).body
		pages["plan with errors"] = b.submit(client+"/plans/new", client+"/plans/new", url.Values{"measures.1.description": {"Kurssi"}}).body
		long := planForm(e.today(0, 11, 0), e.today(3, 0, 0))
		pages["plan with the reason shown"] = b.submit(client+"/plans/new", client+"/plans/new", long).body
		mustContain(t, "plan with the reason shown", pages["plan with the reason shown"], `id="exceeds_two_years_reason"`)
		pages["plan with review errors"] = b.submit(plan, plan+"/reviews", url.Values{}).body
		pages["service with errors"] = b.submit(client+"/services/new", client+"/services/new", url.Values{"attendance": {"nope"}}).body
		pages["transfer with errors"] = b.submit(client+"/transfer", client+"/transfer", url.Values{}).body
		js := b.caseClient(982, "Rami", "Aziz", func(f url.Values) { f.Set("jobseeker", "true") })
		pages["jobseeker's service refused"] = b.submit(js+"/services/new", js+"/services/new", e.serviceForm("other")).body
		mustContain(t, "jobseeker's service refused", pages["jobseeker's service refused"], "työllisyysviranomaisen omiin järjestelmiin")
		old := b.caseClient(983, "Vera", "Ivanova", func(f url.Values) { f.Set("residence_basis.first_permit_date", e.today(-4, 0, 0)) })
		pages["plan with the exception shown"] = b.submit(old+"/plans/new", old+"/plans/new", planForm(e.today(0, 0, 0), e.today(0, 6, 0))).body
		mustContain(t, "plan with the exception shown", pages["plan with the exception shown"], `id="eligibility_exception"`)
		for name, body := range pages {
			if strings.Contains(name, "errors") || strings.Contains(name, "shown") || strings.Contains(name, "refused") {
				mustContain(t, name, body, `role="alert"`, "<title>Virhe: ")
			}
		}
		checkPages(t, pages)
	})
}

// TestEachClientPageIsOneAuditedRead: the client's page and each record's
// page read everything they show in one store call that writes exactly one
// audit event (Store.ClientView, ClientPlan, ClientAssessment, ClientService).
func TestEachClientPageIsOneAuditedRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		w := e.signedIn(helsinkiWorker)
		client, plan, _ := casePaths(w)
		assessment, service := w.recordAssessmentAndService(client)
		id := client[strings.LastIndex(client, "/")+1:]
		events := func() []store.AuditItem {
			t.Helper()
			items, err := e.store.AuditEvents(context.Background(), store.OperatorActor(),
				store.AuditFilter{ClientID: id, ActorEmail: helsinkiWorker, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return items
		}
		for path, action := range map[string]string{client: "client.read", plan: "plan.read", plan + "/print": "plan.read",
			assessment: "assessment.read", service: "service.read"} {
			before := len(events())
			wantStatus(t, path, w.get(path), http.StatusOK)
			after := events()
			if len(after) != before+1 || after[0].Action != action || after[0].Outcome != "allowed" {
				t.Errorf("GET %s wrote %d events (newest %s %s), want one %s", path, len(after)-before, after[0].Action, after[0].Outcome, action)
			}
		}
	})
}
