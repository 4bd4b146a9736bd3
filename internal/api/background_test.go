package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

// The client JSON carries the background data for statistics: registered,
// read back, patched (a new identity code brings its own sex), refused with
// translated field errors, and kept in the history.
func TestClientBackgroundRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		w := "worker@hel.example"
		st, c := e.do(w, "POST", "/api/v1/clients", with(client("010190-999W"),
			"citizenships", []string{"so", "KE"}, "mother_tongue", "SO", "arrival_date", "2024-03-15", "client_group", "family_member"))
		if st != 201 || c["sex"] != "male" || toJSON(c["citizenships"]) != `["SO","KE"]` || c["mother_tongue"] != "so" ||
			c["arrival_date"] != "2024-03-15" || c["client_group"] != "family_member" {
			t.Fatalf("register: %d %v", st, c)
		}
		id := c["id"].(string)
		_, got := e.do(w, "GET", "/api/v1/clients/"+id, nil)
		for _, k := range []string{"sex", "citizenships", "mother_tongue", "arrival_date", "client_group"} {
			if toJSON(got[k]) != toJSON(c[k]) {
				t.Errorf("read %s: %v, registered %v", k, got[k], c[k])
			}
		}
		// Nothing told: every member is null, and so in the response.
		st, bare := e.do(w, "POST", "/api/v1/clients", with(client(""), "personal_identity_code", nil, "uma_number", "AB-77",
			"date_of_birth", "1988-04-05", "citizenships", []string{}))
		if st != 201 {
			t.Fatalf("register without background: %d %v", st, bare)
		}
		for _, k := range []string{"sex", "citizenships", "mother_tongue", "arrival_date", "client_group"} {
			if v, ok := bare[k]; !ok || v != nil {
				t.Errorf("%s of a client who told nothing: %v (present %v), want null", k, v, ok)
			}
		}

		// PATCH: a corrected identity code (even individual number) brings its sex.
		st, p := e.do(w, "PATCH", "/api/v1/clients/"+id, map[string]any{"personal_identity_code": "010190-998V", "citizenships": []string{"xx"},
			"mother_tongue": "prs", "client_group": nil})
		if st != 200 || p["sex"] != "female" || toJSON(p["citizenships"]) != `["XX"]` || p["mother_tongue"] != "prs" || p["client_group"] != nil ||
			p["date_of_birth"] != "1990-01-01" || p["arrival_date"] != "2024-03-15" {
			t.Fatalf("patch: %d %v", st, p)
		}
		st, p = e.do(w, "PATCH", "/api/v1/clients/"+id, map[string]any{"citizenships": nil})
		if st != 200 || p["citizenships"] != nil {
			t.Fatalf("patch citizenships to null: %d %v", st, p)
		}
		_, h := e.do(w, "GET", "/api/v1/clients/"+id+"/history", nil)
		fields := map[string]bool{}
		for _, it := range h["items"].([]any) {
			fields[it.(map[string]any)["field"].(string)] = true
		}
		for _, f := range []string{"sex", "citizenships", "mother_tongue", "client_group"} {
			if !fields[f] {
				t.Errorf("history has no change of %s: %v", f, fields)
			}
		}

		for name, tc := range map[string]struct {
			body map[string]any
			want string
		}{
			"sex against the code":    {map[string]any{"sex": "male"}, "sex:sex_mismatch"},
			"sex of another kind":     {map[string]any{"sex": "x"}, "sex:invalid_choice"},
			"unknown country":         {map[string]any{"citizenships": []string{"SY", "ZZ"}}, "citizenships:unknown_country"},
			"stateless and a country": {map[string]any{"citizenships": []string{"XX", "SY"}}, "citizenships:stateless_with_citizenship"},
			"four citizenships":       {map[string]any{"citizenships": []string{"SE", "NO", "DK", "IS"}}, "citizenships:too_many_items"},
			"citizenships not a list": {map[string]any{"citizenships": "SY"}, "citizenships:invalid_type"},
			"language by name":        {map[string]any{"mother_tongue": "Somali"}, "mother_tongue:unknown_language"},
			"arrival in the future":   {map[string]any{"arrival_date": "2026-12-01"}, "arrival_date:date_in_future"},
			"arrival before birth":    {map[string]any{"arrival_date": "1989-12-31"}, "arrival_date:before_date_of_birth"},
			"arrival not a date":      {map[string]any{"arrival_date": "2024-02-30"}, "arrival_date:invalid_date"},
			"unknown client group":    {map[string]any{"client_group": "tourist"}, "client_group:invalid_choice"},
		} {
			st, p := e.do(w, "PATCH", "/api/v1/clients/"+id, tc.body)
			if st != 422 || !contains(fieldCodes(p), tc.want) {
				t.Errorf("%s: %d %v, want 422 with %s", name, st, p, tc.want)
			}
		}
		_, after := e.do(w, "GET", "/api/v1/clients/"+id, nil)
		if after["sex"] != "female" || after["mother_tongue"] != "prs" || after["arrival_date"] != "2024-03-15" {
			t.Errorf("refused patches changed the client: %v", after)
		}

		// The field errors are translated.
		for lang, want := range map[string]string{"fi": "Tuntematon maakoodi", "sv": "Okänd landskod", "en": "Unknown country code"} {
			body, _ := json.Marshal(with(client("020295-998L"), "citizenships", []string{"QQ"}))
			req, _ := http.NewRequest("POST", e.url+"/api/v1/clients", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", lang)
			req.Header.Set("Authorization", "Bearer "+e.tokens[w])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var prob struct {
				Errors []struct{ Field, Code, Message string }
			}
			json.NewDecoder(resp.Body).Decode(&prob)
			resp.Body.Close()
			if resp.StatusCode != 422 || len(prob.Errors) != 1 || prob.Errors[0].Field != "citizenships" ||
				!bytes.HasPrefix([]byte(prob.Errors[0].Message), []byte(want)) {
				t.Errorf("%s: %d %+v, want a message starting %q", lang, resp.StatusCode, prob, want)
			}
		}
		if n := e.clientCount(t); n != 2 {
			t.Errorf("%d clients stored, want 2", n)
		}
	})
}
