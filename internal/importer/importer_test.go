package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/model"
)

func readAll(t *testing.T, data string) ([]Row, error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(data), "091")
	if err != nil {
		return nil, err
	}
	var out []Row
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}

func TestSemicolonBOMAndColumnOrder(t *testing.T) {
	data := "\ufeffLast_Name;first_names;source_id;personal_identity_code;residence_basis_type;residence_valid_until;service_language\n" +
		"Müller;Jürgen;A-1;010190-999W;residence_permit;2027-06-30;fi\n" +
		"\"Smith; Jr\";Ann;A-2;131052-308T;citizenship;;sv\n"
	rows, err := readAll(t, data)
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	r := rows[0]
	if r.Line != 2 || r.SourceID != "A-1" || r.Fields.LastName != "Müller" || *r.Fields.PersonalIdentityCode != "010190-999W" ||
		r.Fields.ResidenceBasis.ValidUntil.String() != "2027-06-30" || r.Fields.Municipality != "091" || r.Err != nil {
		t.Errorf("row 1: %+v", r)
	}
	if rows[1].Fields.LastName != "Smith; Jr" || rows[1].Fields.ResidenceBasis.ValidUntil != nil || rows[1].Line != 3 {
		t.Errorf("row 2: %+v", rows[1])
	}
}

func TestHeaderProblems(t *testing.T) {
	for name, data := range map[string]string{
		"unknown column":   "source_id,first_names,last_name,residence_basis_type,service_language,uma_number,shoe_size\n",
		"missing source":   "first_names,last_name,residence_basis_type,service_language,uma_number\n",
		"no identity":      "source_id,first_names,last_name,residence_basis_type,service_language\n",
		"duplicate column": "source_id,source_id,first_names,last_name,residence_basis_type,service_language,uma_number\n",
		"empty":            "",
	} {
		if _, err := readAll(t, data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestBadRowsAreReportedNotFatal(t *testing.T) {
	data := "source_id,uma_number,first_names,last_name,date_of_birth,residence_basis_type,service_language\n" +
		"1,AB-1,A,B,1990-02-30,citizenship,fi\n" +
		",AB-2,A,B,1990-01-01,citizenship,fi\n" +
		"3,AB-3,A,B,1990-01-01,citizenship,fi\n"
	rows, err := readAll(t, data)
	if err != nil || len(rows) != 3 {
		t.Fatalf("%v %v", rows, err)
	}
	if rows[0].Err == nil || rows[1].Err == nil || rows[2].Err != nil {
		t.Errorf("row errors: %v / %v / %v", rows[0].Err, rows[1].Err, rows[2].Err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add("source_id;uma_number;first_names;last_name;residence_basis_type;service_language\n1;X;A;B;citizenship;fi\n")
	f.Add("\ufeffsource_id,personal_identity_code,first_names,last_name,residence_basis_type,service_language\n\"a\"\"b\",010190-999W,A,B,x,sv\n")
	f.Fuzz(func(t *testing.T, data string) {
		rd, err := NewReader(strings.NewReader(data), "091")
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			r, err := rd.Next()
			if err != nil {
				return
			}
			if r.Err == nil && r.SourceID == "" {
				t.Fatalf("row without source_id accepted at line %d", r.Line)
			}
			if r.Err == nil && r.Fields.Municipality != "091" {
				t.Fatal("municipality not set")
			}
			if r.Err == nil {
				roundTrip(t, r)
			}
		}
	})
}

// roundTrip writes an accepted row back as CSV and reads it again: the
// reader neither loses nor alters what the file said.
func roundTrip(t *testing.T, r Row) {
	t.Helper()
	f := r.Fields
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	date := func(d *model.Date) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	var rbType, validUntil string
	if f.ResidenceBasis != nil {
		rbType, validUntil = f.ResidenceBasis.Type, date(f.ResidenceBasis.ValidUntil)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	cells := map[string]string{"source_id": r.SourceID, "personal_identity_code": str(f.PersonalIdentityCode), "uma_number": str(f.UMANumber),
		"first_names": f.FirstNames, "last_name": f.LastName, "date_of_birth": date(f.DateOfBirth), "residence_basis_type": rbType,
		"residence_valid_until": validUntil, "service_language": f.ServiceLanguage, "email": str(f.Email), "phone": str(f.Phone),
		"right_to_work": f.RightToWork, "sex": str(f.Sex), "citizenships": strings.Join(f.Citizenships, " "),
		"mother_tongue": str(f.MotherTongue), "arrival_date": date(f.ArrivalDate), "client_group": str(f.ClientGroup)}
	var header, record []string
	for _, c := range Columns {
		v, ok := cells[c]
		if !ok {
			t.Fatalf("roundTrip does not write the column %q yet", c)
		}
		header, record = append(header, c), append(record, v)
	}
	_ = w.Write(header)
	_ = w.Write(record)
	w.Flush()
	rows, err := readAll(t, buf.String())
	if err != nil || len(rows) != 1 || rows[0].Err != nil {
		t.Fatalf("row %+v written back as %q reads as %+v, %v", r, buf.String(), rows, err)
	}
	if again := rows[0]; again.SourceID != r.SourceID || !reflect.DeepEqual(again.Fields, r.Fields) {
		t.Fatalf("row %+v written back reads as %+v", r, again)
	}
}

func TestBackgroundColumns(t *testing.T) {
	data := "source_id,personal_identity_code,first_names,last_name,residence_basis_type,service_language,sex,citizenships,mother_tongue,arrival_date,client_group\n" +
		"1,010190-999W,A,B,citizenship,fi,male,\"SY, TR\",ar,2024-03-15,family_member\n" +
		"2,020295-998L,A,B,citizenship,fi,,SO KE,,,\n" +
		"3,020295-998L,A,B,citizenship,fi,,,,2024-02-30,\n"
	rows, err := readAll(t, data)
	if err != nil || len(rows) != 3 {
		t.Fatalf("%v %v", rows, err)
	}
	f := rows[0].Fields
	if *f.Sex != "male" || strings.Join(f.Citizenships, " ") != "SY TR" || *f.MotherTongue != "ar" || f.ArrivalDate.String() != "2024-03-15" ||
		*f.ClientGroup != "family_member" || rows[0].Err != nil {
		t.Errorf("row 1: %+v", rows[0])
	}
	f = rows[1].Fields
	if f.Sex != nil || strings.Join(f.Citizenships, " ") != "SO KE" || f.MotherTongue != nil || f.ArrivalDate != nil || f.ClientGroup != nil {
		t.Errorf("row 2: %+v", rows[1])
	}
	if rows[2].Err == nil || !strings.Contains(rows[2].Err.Error(), "arrival_date") {
		t.Errorf("row 3: %v", rows[2].Err)
	}
}
