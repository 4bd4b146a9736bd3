package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestInputRules: what the API refuses to take in (names without letters,
// dates out of range, duplicate JSON members, invisible staff texts) and the
// Bearer scheme in any case; one environment per database.
func TestInputRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		// A name made only of no-break spaces, the Hangul
		// filler U+3164, combining marks or other invisible characters is refused
		// with a translated field error (such a client could never be found).
		{ // names must show letters
			for i, c := range []struct{ first, last, want string }{
				{"\u00a0\u00a0", "Yusuf", "first_names:no_letters"},
				{"\u3164", "Yusuf", "first_names:no_letters"},
				{"Amina", "\u0301\u0308", "last_name:no_letters"},
				{"Amina", "\u2800\u3164 \u115f", "last_name:no_letters"},
				{"Amina", "- '", "last_name:no_letters"},
				{"\u200b\u200b", "Yusuf", "first_names:invalid_characters"},
				{"\u202eanimA", "Yusuf", "first_names:invalid_characters"},
			} {
				st, p := e.do("worker@hel.example", "POST", "/api/v1/clients", with(client(syntheticPIC(900+i)), "first_names", c.first, "last_name", c.last))
				if st != http.StatusUnprocessableEntity || !contains(fieldCodes(p), c.want) {
					t.Errorf("%q %q: %d %v, want %s", c.first, c.last, st, fieldCodes(p), c.want)
				}
			}
			if st, p := e.do("worker@hel.example", "POST", "/api/v1/clients", with(client(syntheticPIC(920)), "first_names", "Ōtake\u00a0Ä", "last_name", "Lê")); st != http.StatusCreated {
				t.Errorf("real names refused: %d %v", st, p)
			}
			// A required free text of a case record that shows nothing is missing.
			id := e.register("worker@hel.example", "091", "2026-01-15")
			a := assessment("2026-11-20", "preparers", []any{map[string]any{"name": "\u3164\u00a0", "contact": "\u200b"}})
			if st, p := e.do("worker@hel.example", "POST", "/api/v1/clients/"+id+"/assessments", a); st != http.StatusUnprocessableEntity ||
				!contains(fieldCodes(p), "preparers[0].name:required") {
				t.Errorf("invisible preparer: %d %v", st, fieldCodes(p))
			}
		}
		// Dates outside 1900–2199, and a first permit before the
		// client was born, are field errors.
		{ // dates are bounded
			for i, c := range []struct {
				rb   map[string]any
				want string
			}{
				{map[string]any{"type": "residence_permit", "valid_until": "2027-06-30", "first_permit_date": "0001-01-01"}, "residence_basis.first_permit_date:invalid_date"},
				{map[string]any{"type": "residence_permit", "valid_until": "9999-12-31"}, "residence_basis.valid_until:invalid_date"},
				{map[string]any{"type": "residence_permit", "valid_until": "2027-06-30", "first_permit_date": "1985-01-01"}, "residence_basis.first_permit_date:before_date_of_birth"},
			} {
				st, p := e.do("worker@hel.example", "POST", "/api/v1/clients", with(client(syntheticPIC(930+i)), "residence_basis", c.rb))
				if st != http.StatusUnprocessableEntity || !contains(fieldCodes(p), c.want) {
					t.Errorf("%v: %d %v, want %s", c.rb, st, fieldCodes(p), c.want)
				}
			}
			id := e.register("worker@hel.example", "091", "2026-01-15")
			if st, p := e.do("worker@hel.example", "POST", "/api/v1/clients/"+id+"/assessments", assessment("0001-01-01")); st != http.StatusUnprocessableEntity ||
				!contains(fieldCodes(p), "date:invalid_date") {
				t.Errorf("assessment dated 0001-01-01: %d %v", st, fieldCodes(p))
			}
		}
		// "bearer", "BEARER" and extra spaces are all
		// the Bearer scheme (RFC 9110 § 11.1); other schemes are refused.
		{ // bearer scheme in any case
			tok := e.tokens["worker@hel.example"]
			for auth, want := range map[string]int{
				"Bearer " + tok: 200, "bearer " + tok: 200, "BEARER  " + tok: 200, "BeArEr\t" + tok: 401,
				"Basic " + tok: 401, "Bearer": 401, "Bearer ": 401, tok: 401, "Bearer " + tok + " extra": 401,
			} {
				req, _ := http.NewRequest("GET", e.url+"/api/v1/me", nil)
				req.Header.Set("Authorization", auth)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("Authorization %q: %d, want %d", strings.Replace(auth, tok, "TOKEN", 1), resp.StatusCode, want)
				}
			}
		}
		// A body naming a member twice (where
		// parsers disagree on which one counts) is a 400 bad_request that names the
		// member, on every kind of body: create, merge patch, nested objects, search.
		{ // duplicate members refused
			body, _ := json.Marshal(client(syntheticPIC(940)))
			create := string(body)
			_, c := e.do("worker@hel.example", "POST", "/api/v1/clients", create)
			id, _ := c["id"].(string)
			if id == "" {
				t.Fatalf("register: %v", c)
			}
			for _, r := range []struct{ method, path, body, member string }{
				{"POST", "/api/v1/clients", strings.Replace(create, `"first_names":`, `"first_names":"Eve","first_names":`, 1), "first_names"},
				{"POST", "/api/v1/clients", strings.Replace(create, `"type":`, `"type":"citizenship","type":`, 1), "type"},
				{"PATCH", "/api/v1/clients/" + id, `{"last_name":"Smith","last_name":"Jones"}`, "last_name"},
				{"PATCH", "/api/v1/clients/" + id, `{"residence_basis":{"type":"citizenship","type":"residence_permit"}}`, "type"},
				{"POST", "/api/v1/clients/search", `{"query":"Amina","query":"Yusuf"}`, "query"},
			} {
				st, p := e.do("worker@hel.example", r.method, r.path, r.body)
				if st != http.StatusBadRequest || p["code"] != "bad_request" || !strings.Contains(p["detail"].(string), `"`+r.member+`" appears twice`) {
					t.Errorf("%s %s %s: %d %v", r.method, r.path, r.body, st, p)
				}
			}
			// Same names in different objects, or as values, are fine.
			if st, p := e.do("worker@hel.example", "PATCH", "/api/v1/clients/"+id, `{"last_name":"type","residence_basis":{"type":"citizenship"}}`); st != 200 {
				t.Errorf("distinct objects: %d %v", st, p)
			}
			req, _ := http.NewRequest("PATCH", e.url+"/api/v1/clients/"+id, strings.NewReader(`{"last_name":"A","last_name":"B"}`))
			req.Header.Set("Authorization", "Bearer "+e.tokens["worker@hel.example"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if _, got := e.do("worker@hel.example", "GET", "/api/v1/clients/"+id, nil); got["last_name"] != "type" {
				t.Errorf("a refused patch changed the client: %v (%s)", got["last_name"], b)
			}
		}
		// An account's name and a grant's statutory task made
		// only of invisible characters are refused like empty ones.
		{ // staff texts must show
			st, p := e.do("main@hel.example", "POST", "/api/v1/accounts", map[string]any{"email": "new@hel.example", "name": "\u3164\u00a0\u0301", "organisation": "municipality:091"})
			if st != http.StatusUnprocessableEntity || !contains(fieldCodes(p), "name:no_letters") {
				t.Errorf("invisible account name: %d %v", st, fieldCodes(p))
			}
			st, p = e.do("main@hel.example", "POST", "/api/v1/grants", map[string]any{"email": "viewer@hel.example", "municipality": "091", "role": "worker", "task": "\u00a0\u3164"})
			if st != http.StatusUnprocessableEntity || !contains(fieldCodes(p), "task:required") {
				t.Errorf("invisible task: %d %v", st, fieldCodes(p))
			}
		}
	})
}
