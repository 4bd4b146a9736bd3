package model

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/kotodigi/kotodigi/internal/refdata"
)

// Background data of a client, which the integration indicators break
// figures down by (issue 11). Every member is optional: nil (or no
// citizenships) means the person has not told, counted as "unknown".

// Sexes are the values of ClientFields.Sex.
var Sexes = []string{SexFemale, SexMale}

// Values of ClientFields.Sex.
const (
	SexFemale = "female"
	SexMale   = "male"
)

// ClientGroups are the grounds of residence and target groups of the
// Integration Act (ClientFields.ClientGroup).
var ClientGroups = []string{
	"international_protection", "quota_refugee", "family_member", "work", "study",
	"temporary_protection", "trafficking_victim", "eu_eea", "other",
}

// MaxCitizenships is the most citizenships recorded for one person.
const MaxCitizenships = 3

// SexFromIdentityCode returns the sex that a valid personal identity code
// encodes: an odd individual number is a man's, an even one a woman's.
func SexFromIdentityCode(pic PersonalIdentityCode) string {
	n, _ := strconv.Atoi(pic.Code[7:10])
	if n%2 == 1 {
		return SexMale
	}
	return SexFemale
}

// StatelessCitizenship is the citizenship of a stateless person (or of one
// whose citizenship is undetermined); see refdata.Stateless.
const StatelessCitizenship = refdata.Stateless

// normalizeBackground validates and normalises the background fields of n
// (whose identity code and date of birth are already normalised); pic is the
// parsed identity code, or nil.
func normalizeBackground(v *Validation, n *ClientFields, pic *PersonalIdentityCode, today Date) {
	n.Sex = trimOptional(n.Sex)
	if n.Sex != nil && !slices.Contains(Sexes, *n.Sex) {
		v.Add("sex", FieldInvalidChoice)
	}
	if pic != nil {
		derived := SexFromIdentityCode(*pic)
		if n.Sex != nil && *n.Sex != derived && !v.Has("sex") {
			v.Add("sex", FieldSexMismatch)
		}
		n.Sex = &derived
	}

	n.Citizenships = normalizeCitizenships(v, n.Citizenships)

	n.MotherTongue = trimOptional(n.MotherTongue)
	if n.MotherTongue != nil {
		l, ok := refdata.LanguageByCode(strings.ToLower(*n.MotherTongue))
		if !ok {
			v.Add("mother_tongue", FieldUnknownLanguage)
		} else {
			n.MotherTongue = &l.Code
		}
	}

	if d := n.ArrivalDate; d != nil {
		switch {
		case d.After(today):
			v.Add("arrival_date", FieldDateInFuture)
		case n.DateOfBirth != nil && d.Before(*n.DateOfBirth):
			v.Add("arrival_date", FieldBeforeDateOfBirth)
		}
	}

	n.ClientGroup = trimOptional(n.ClientGroup)
	if n.ClientGroup != nil && !slices.Contains(ClientGroups, *n.ClientGroup) {
		v.Add("client_group", FieldInvalidChoice)
	}
}

// normalizeCitizenships upper-cases and checks the codes, drops blanks and
// repeats, and returns nil for none (not told).
func normalizeCitizenships(v *Validation, in []string) []string {
	var out []string
	for _, c := range in {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" || slices.Contains(out, c) {
			continue
		}
		if !refdata.ValidCitizenship(c) {
			v.Add("citizenships", FieldUnknownCountry)
			return nil
		}
		out = append(out, c)
	}
	switch {
	case len(out) > MaxCitizenships:
		v.AddParam("citizenships", FieldTooManyItems, strconv.Itoa(MaxCitizenships))
	case len(out) > 1 && slices.Contains(out, StatelessCitizenship):
		v.Add("citizenships", FieldStatelessWithCitizenship)
	}
	return out
}

// ParseCitizenships splits a list of citizenship codes written in one field
// (a CSV column, a stored value): separated by spaces or commas.
func ParseCitizenships(s string) []string {
	codes := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(codes) == 0 {
		return nil
	}
	return codes
}
