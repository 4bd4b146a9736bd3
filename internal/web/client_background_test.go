package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

// The background data for statistics goes through the registration and edit
// forms and shows on the client page in words: the sex derived from the
// identity code (and following a corrected code), citizenships from selects,
// the mother tongue typed by name, the client group; mistakes come back
// translated next to their fields with the input kept.
func TestBackgroundDataThroughTheForms(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		b.signIn(helsinkiWorker)
		form := clientForm(identityCode(958), "Rasha", "Haddad") // even individual number: a woman
		mustContain(t, "registration form", b.get("/clients/new").body, `<select id="sex" name="sex"`, `<option value="">Ei kerrottu</option>`,
			`<select id="citizenships" name="citizenships"`, `<option value="XX">Kansalaisuudeton tai kansalaisuus selvittämättä</option>`,
			`<option value="SY">Syyria</option>`, `<input type="text" id="mother_tongue" name="mother_tongue" value="" autocomplete="off" spellcheck="false" list="languages"`,
			`<option value="arabia (ar)">`, `<option value="quota_refugee">Kiintiöpakolainen</option>`, `<input type="date" id="arrival_date"`)
		form.Set("sex", "male") // not read: the identity code says
		form.Set("citizenships", "SY")
		form.Set("citizenships_2", "TR")
		form.Set("mother_tongue", "Arabia")
		form.Set("arrival_date", "2024-03-15")
		form.Set("client_group", "quota_refugee")
		path := b.register(form)
		page := b.get(path).body
		mustContain(t, "client page", page, "<dt>Sukupuoli</dt><dd>Nainen (henkilötunnuksesta)</dd>", "<dt>Kansalaisuudet</dt><dd>Syyria, Turkki</dd>",
			"<dt>Äidinkieli</dt><dd>arabia</dd>", "<dt>Suomeen saapumisen päivä</dt><dd>15.3.2024</dd>",
			"<dt>Asiakasryhmä (oleskeluperuste)</dt><dd>Kiintiöpakolainen</dd>")

		edit := b.get(path + "/edit").body
		mustContain(t, "edit form", edit, `<input type="hidden" name="sex" value="female">`, `<p class="readonly">Nainen</p>`,
			`<option value="SY" selected>Syyria</option>`, `<option value="TR" selected>Turkki</option>`, `value="arabia (ar)"`,
			`<option value="quota_refugee" selected>`)
		mustNotContain(t, "edit form", edit, `<select id="sex"`)

		// A corrected identity code (odd: a man), stateless, Dari by its ISO name.
		form = clientForm(identityCode(959), "Rasha", "Haddad")
		form.Set("csrf_token", b.csrf(path+"/edit"))
		form.Set("sex", "female")
		form.Set("citizenships", "XX")
		form.Set("mother_tongue", "dari")
		form.Set("arrival_date", "2024-03-15")
		form.Set("client_group", "")
		if p := b.post(path+"/edit", form); p.status != http.StatusSeeOther {
			t.Fatalf("edit: status %d\n%s", p.status, p.body)
		}
		page = b.get(path).body
		mustContain(t, "client page after edit", page, "<dt>Sukupuoli</dt><dd>Mies (henkilötunnuksesta)</dd>",
			"<dt>Kansalaisuudet</dt><dd>Kansalaisuudeton tai kansalaisuus selvittämättä</dd>", "<dt>Äidinkieli</dt><dd>Dari</dd>",
			"<td>Sukupuoli</td><td>Nainen</td><td>Mies</td>",
			"<td>Kansalaisuudet</td><td>Syyria, Turkki</td><td>Kansalaisuudeton tai kansalaisuus selvittämättä</td>",
			"<td>Äidinkieli</td><td>arabia</td><td>Dari</td>", "<td>Asiakasryhmä (oleskeluperuste)</td><td>Kiintiöpakolainen</td><td></td>")

		// Mistakes: an unknown language, stateless with a country, arrival before birth.
		form.Set("mother_tongue", "klingon")
		form.Set("citizenships_2", "SY")
		form.Set("arrival_date", "1985-01-01")
		p := b.post(path+"/edit", form)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad background: status %d", p.status)
		}
		mustContain(t, "refused edit", p.body, "Tuntematon kieli", `value="klingon"`, "Kansalaisuudettomalla ei ole muuta kansalaisuutta.",
			"Päivä ei voi olla ennen syntymäaikaa.", `<a href="#mother_tongue">`, `<a href="#citizenships">`, `<a href="#arrival_date">`)
		mustContain(t, "client page after refused edit", b.get(path).body, "<dt>Äidinkieli</dt><dd>Dari</dd>")

		// Without an identity code the sex is chosen; in Swedish too.
		form = clientForm("", "Omar", "Nur")
		form.Set("uma_number", "123-456-789")
		form.Set("date_of_birth", "1994-06-01")
		form.Set("sex", "male")
		form.Set("mother_tongue", "so")
		path = b.register(form)
		mustContain(t, "client without code", b.get(path).body, "<dt>Sukupuoli</dt><dd>Mies</dd>", "<dt>Äidinkieli</dt><dd>somali</dd>",
			"<dt>Kansalaisuudet</dt><dd><span class=\"muted\">")
		mustContain(t, "edit without code", b.get(path+"/edit").body, `<option value="male" selected>Mies</option>`)
		b.post("/language", url.Values{"lang": {"sv"}, "next": {"/"}})
		mustContain(t, "Swedish client page", b.get(path).body, "<dt>Kön</dt><dd>Man</dd>", "<dt>Modersmål</dt><dd>somaliska</dd>")
	})
}
