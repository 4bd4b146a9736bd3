package model

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Residence basis types (R2).
var ResidenceBasisTypes = []string{
	"citizenship", "residence_permit", "eu_registration", "residence_card",
	"nordic_registration", "temporary_protection", "pending_application",
}

// Field limits.
const (
	MaxNameLength        = 100
	MaxRightToWorkLength = 2000
	MaxEmailLength       = 254
)

// ResidenceBasis is the legal ground of a client's residence in Finland.
type ResidenceBasis struct {
	Type       string `json:"type"`
	ValidUntil *Date  `json:"valid_until"`
	// Permanent marks a permanent residence permit, which has no end date.
	Permanent bool `json:"permanent"`
	// FirstPermitDate is the date of the client's first residence permit, card or
	// registration; the 3-year eligibility window of § 14 and § 16 runs from it.
	FirstPermitDate *Date `json:"first_permit_date"`
}

// ClientFields are the changeable fields of a client, as on registration.
type ClientFields struct {
	Municipality         string          `json:"municipality"`
	PersonalIdentityCode *string         `json:"personal_identity_code"`
	UMANumber            *string         `json:"uma_number"`
	FirstNames           string          `json:"first_names"`
	LastName             string          `json:"last_name"`
	DateOfBirth          *Date           `json:"date_of_birth"`
	ResidenceBasis       *ResidenceBasis `json:"residence_basis"`
	ServiceLanguage      string          `json:"service_language"`
	Email                *string         `json:"email"`
	Phone                *string         `json:"phone"`
	RightToWork          string          `json:"right_to_work"`
	Jobseeker            bool            `json:"jobseeker"`
	// Background data for statistics (background.go); nil is not told.
	// Sex is derived from the identity code when there is one.
	Sex          *string  `json:"sex"`
	Citizenships []string `json:"citizenships"` // ISO 3166-1 alpha-2, the primary first
	MotherTongue *string  `json:"mother_tongue"`
	ArrivalDate  *Date    `json:"arrival_date"`
	ClientGroup  *string  `json:"client_group"`
}

// Client is a registered integration client.
type Client struct {
	ID string `json:"id"`
	ClientFields
	// Closed: how the client relationship was closed (null while open).
	Closed    *Closure  `json:"closed"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DecodeStrict decodes one JSON object into v, refusing unknown members,
// members that appear twice and trailing data. Type errors are reported as
// field errors. It is the one decoder of every JSON body the API takes.
func DecodeStrict(data []byte, v any) error {
	if err := duplicateMember(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return Errorf(CodeBadRequest, "trailing data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var ute *json.UnmarshalTypeError
	if e, ok := err.(*json.UnmarshalTypeError); ok {
		ute = e
		field := ute.Field
		if field == "" {
			return Errorf(CodeBadRequest, "the body must be a JSON object")
		}
		code := FieldInvalidType
		if ute.Type == dateType {
			code = FieldInvalidDate
		}
		return &Error{Code: CodeValidationFailed, Fields: []FieldError{{Field: field, Code: code}}}
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		f, _ := strconv.Unquote(rest)
		return &Error{Code: CodeValidationFailed, Fields: []FieldError{{Field: f, Code: FieldUnknownField}}}
	}
	return Errorf(CodeBadRequest, "malformed JSON")
}

// Optional is one member of a patch: it changes nothing unless Set. For a
// pointer type, Set with a nil Value clears the field (JSON null).
type Optional[T any] struct {
	Set   bool
	Value T
}

// Set returns an Optional that sets the field to v.
func Set[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

func (o Optional[T]) apply(dst *T) {
	if o.Set {
		*dst = o.Value
	}
}

// ClientPatch changes some of a client's fields (PATCH /clients/{id}, the
// edit form); members that are not Set stay as they are. The nullable fields
// (pointers) are cleared by Set with nil.
type ClientPatch struct {
	Municipality         Optional[string]
	PersonalIdentityCode Optional[*string]
	UMANumber            Optional[*string]
	FirstNames           Optional[string]
	LastName             Optional[string]
	DateOfBirth          Optional[*Date]
	ResidenceBasis       Optional[*ResidenceBasis]
	ServiceLanguage      Optional[string]
	Email                Optional[*string]
	Phone                Optional[*string]
	RightToWork          Optional[string]
	Jobseeker            Optional[bool]
	Sex                  Optional[*string]
	Citizenships         Optional[[]string]
	MotherTongue         Optional[*string]
	ArrivalDate          Optional[*Date]
	ClientGroup          Optional[*string]
}

// Apply returns f with the patch's members set. A new identity code brings
// its own date of birth and sex: unless the patch sets them too, they are
// cleared here, and Normalize derives them from the code.
func (p ClientPatch) Apply(f ClientFields) ClientFields {
	if p.PersonalIdentityCode.Set && p.PersonalIdentityCode.Value != nil {
		if !p.DateOfBirth.Set {
			f.DateOfBirth = nil
		}
		if !p.Sex.Set {
			f.Sex = nil
		}
	}
	p.Municipality.apply(&f.Municipality)
	p.PersonalIdentityCode.apply(&f.PersonalIdentityCode)
	p.UMANumber.apply(&f.UMANumber)
	p.FirstNames.apply(&f.FirstNames)
	p.LastName.apply(&f.LastName)
	p.DateOfBirth.apply(&f.DateOfBirth)
	p.ResidenceBasis.apply(&f.ResidenceBasis)
	p.ServiceLanguage.apply(&f.ServiceLanguage)
	p.Email.apply(&f.Email)
	p.Phone.apply(&f.Phone)
	p.RightToWork.apply(&f.RightToWork)
	p.Jobseeker.apply(&f.Jobseeker)
	p.Sex.apply(&f.Sex)
	p.Citizenships.apply(&f.Citizenships)
	p.MotherTongue.apply(&f.MotherTongue)
	p.ArrivalDate.apply(&f.ArrivalDate)
	p.ClientGroup.apply(&f.ClientGroup)
	return f
}

// InvalidValueCode is the field error code for a JSON value that does not
// decode into its field: invalid_date for a date, invalid_type otherwise.
func InvalidValueCode(err error) string {
	if ute, ok := err.(*json.UnmarshalTypeError); ok && ute.Type == dateType {
		return FieldInvalidDate
	}
	return FieldInvalidType
}

// Normalize validates f against the rules R1–R5 and returns the normalised
// fields (trimmed, identity code upper-cased, date of birth and sex derived
// from the identity code, background data checked against the code lists). today is the current date in Finland.
func (f ClientFields) Normalize(today Date) (ClientFields, error) {
	var v Validation
	n := f
	n.Municipality = strings.TrimSpace(f.Municipality)
	if n.Municipality == "" {
		v.Add("municipality", FieldRequired)
	} else if len(n.Municipality) != 3 || strings.Trim(n.Municipality, "0123456789") != "" {
		v.Add("municipality", FieldUnknownMunicipality)
	}

	n.PersonalIdentityCode = trimOptional(f.PersonalIdentityCode)
	n.UMANumber = trimOptional(f.UMANumber)
	var parsed *PersonalIdentityCode
	if n.PersonalIdentityCode == nil && n.UMANumber == nil {
		v.Add("personal_identity_code", FieldRequired)
		v.Add("uma_number", FieldRequired)
	}
	if n.PersonalIdentityCode != nil {
		pic, err := ParsePersonalIdentityCode(*n.PersonalIdentityCode)
		if err != nil {
			v.Add("personal_identity_code", FieldInvalidIdentityCode)
		} else {
			code := pic.Code
			n.PersonalIdentityCode = &code
			parsed = &pic
			dob := DateOf(pic.DateOfBirth)
			if f.DateOfBirth != nil && *f.DateOfBirth != dob {
				v.Add("date_of_birth", FieldDateOfBirthMismatch)
			}
			n.DateOfBirth = &dob
		}
	}
	if n.UMANumber != nil {
		uma, err := NormalizeUMA(*n.UMANumber)
		if err != nil {
			v.Add("uma_number", FieldInvalidUMANumber)
		} else {
			n.UMANumber = &uma
		}
	}
	if n.DateOfBirth == nil {
		if !v.Has("personal_identity_code") {
			v.Add("date_of_birth", FieldRequired)
		}
	} else if n.DateOfBirth.After(today) {
		v.Add("date_of_birth", FieldDateInFuture)
	} else if n.DateOfBirth.Year < 1880 {
		v.Add("date_of_birth", FieldInvalidDate)
	}

	n.FirstNames = collapseSpaces(f.FirstNames)
	n.LastName = collapseSpaces(f.LastName)
	validateLine(&v, "first_names", n.FirstNames, MaxNameLength, true)
	validateLine(&v, "last_name", n.LastName, MaxNameLength, true)

	validateResidence(&v, f.ResidenceBasis, today)
	if rb := f.ResidenceBasis; rb != nil && rb.FirstPermitDate != nil && n.DateOfBirth != nil && rb.FirstPermitDate.Before(*n.DateOfBirth) {
		v.Add("residence_basis.first_permit_date", FieldBeforeDateOfBirth)
	}

	n.ServiceLanguage = strings.TrimSpace(f.ServiceLanguage)
	switch n.ServiceLanguage {
	case "fi", "sv":
	case "":
		v.Add("service_language", FieldRequired)
	default:
		v.Add("service_language", FieldUnsupportedLanguage)
	}

	n.Email = trimOptional(f.Email)
	if n.Email != nil {
		if len(*n.Email) > MaxEmailLength || !ValidEmail(*n.Email) {
			v.Add("email", FieldInvalidEmail)
		}
	}
	n.Phone = trimOptional(f.Phone)
	if n.Phone != nil {
		p, ok := NormalizePhone(*n.Phone)
		if !ok {
			v.Add("phone", FieldInvalidPhone)
		} else {
			n.Phone = &p
		}
	}
	n.RightToWork = strings.TrimSpace(f.RightToWork)
	if utf8.RuneCountInString(n.RightToWork) > MaxRightToWorkLength {
		v.AddParam("right_to_work", FieldTooLong, strconv.Itoa(MaxRightToWorkLength))
	} else if HasControlChars(strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(n.RightToWork)) {
		v.Add("right_to_work", FieldInvalidCharacters)
	}
	normalizeBackground(&v, &n, parsed, today)
	if err := v.Err(); err != nil {
		return f, err
	}
	return n, nil
}

func validateResidence(v *Validation, rb *ResidenceBasis, today Date) {
	if rb == nil || strings.TrimSpace(rb.Type) == "" {
		v.Add("residence_basis", FieldResidenceBasisRequired)
		return
	}
	known := false
	for _, t := range ResidenceBasisTypes {
		known = known || t == rb.Type
	}
	if !known {
		v.Add("residence_basis", FieldResidenceBasisType)
		return
	}
	if rb.ValidUntil == nil {
		switch rb.Type {
		case "citizenship", "eu_registration", "nordic_registration":
		case "residence_permit":
			if !rb.Permanent {
				v.Add("residence_basis", FieldResidenceBasisRequired)
				return
			}
		default:
			v.Add("residence_basis", FieldResidenceBasisRequired)
			return
		}
	} else if rb.ValidUntil.Before(today) {
		v.Add("residence_basis", FieldResidenceBasisExpired)
	}
	if rb.Permanent && rb.Type != "residence_permit" {
		v.Add("residence_basis.permanent", FieldNotAllowed)
	}
	if rb.FirstPermitDate != nil && rb.FirstPermitDate.After(today) {
		v.Add("residence_basis.first_permit_date", FieldDateInFuture)
	}
}

func validateLine(v *Validation, field, s string, max int, required bool) {
	switch {
	case s == "" && required:
		v.Add(field, FieldRequired)
	case utf8.RuneCountInString(s) > max:
		v.AddParam(field, FieldTooLong, strconv.Itoa(max))
	case HasControlChars(s) || !utf8.ValidString(s):
		v.Add(field, FieldInvalidCharacters)
	case s != "" && !HasLetter(s):
		v.Add(field, FieldNoLetters)
	}
}

func trimOptional(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil
	}
	return &t
}

func collapseSpaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
}
