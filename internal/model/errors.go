package model

import (
	"errors"
	"fmt"
)

// Error codes (stable, snake_case; CONTRACT.md § 2).
const (
	CodeBadRequest          = "bad_request"
	CodeUnauthenticated     = "unauthenticated"
	CodeForbidden           = "forbidden"
	CodeNotFound            = "not_found"
	CodeDuplicateClient     = "duplicate_client"
	CodeValidationFailed    = "validation_failed"
	CodeNotInThisVersion    = "not_in_this_version"
	CodeEmploymentAuthority = "recorded_by_employment_authority"
	// CodeClientClosed: a closed client takes no new case records (CONTRACT.md § 3).
	CodeClientClosed = "client_closed"
	CodeConflict     = "conflict"
	// CodeClientMerged: the client id names a record merged into another
	// (MergedInto); a read is redirected there, anything else refused.
	CodeClientMerged = "client_merged"
	// CodeUndoPeriodOver: a merge is undone only within 30 days.
	CodeUndoPeriodOver  = "undo_period_over"
	CodeTooManyRequests = "too_many_requests"
	CodeBusy            = "busy"
	CodeInternal        = "internal"
)

// Field error codes.
const (
	FieldRequired               = "required"
	FieldInvalidIdentityCode    = "invalid_identity_code"
	FieldInvalidUMANumber       = "invalid_uma_number"
	FieldResidenceBasisRequired = "residence_basis_required"
	FieldResidenceBasisExpired  = "residence_basis_expired"
	FieldResidenceBasisType     = "invalid_residence_basis_type"
	FieldUnsupportedLanguage    = "unsupported_service_language"
	FieldInvalidEmail           = "invalid_email"
	FieldInvalidPhone           = "invalid_phone"
	FieldInvalidDate            = "invalid_date"
	FieldDateInFuture           = "date_in_future"
	FieldDateOfBirthMismatch    = "date_of_birth_mismatch"
	FieldTooLong                = "too_long"
	FieldInvalidCharacters      = "invalid_characters"
	FieldUnknownMunicipality    = "unknown_municipality"
	FieldUnknownField           = "unknown_field"
	FieldInvalidType            = "invalid_type"
	FieldInvalidChoice          = "invalid_choice"
	FieldNotAllowed             = "not_allowed"
	FieldNoLetters              = "no_letters"
	// Background data (background.go).
	FieldUnknownCountry           = "unknown_country"
	FieldUnknownLanguage          = "unknown_language"
	FieldSexMismatch              = "sex_mismatch"
	FieldStatelessWithCitizenship = "stateless_with_citizenship"
	FieldBeforeDateOfBirth        = "before_date_of_birth"
	// The life of a record (lifecycle.go): a closing date before the
	// registration; a responsible worker without a worker grant.
	FieldBeforeRegistration = "before_registration"
	FieldNoWorkerAccess     = "no_worker_access"
	// Merging two records (store/client_merge.go).
	FieldClientNotFound         = "client_not_found"
	FieldSameClient             = "same_client"
	FieldConflictingIdentifiers = "conflicting_identifiers"
	FieldOneRecordClosed        = "one_record_closed"
)

// FieldError is one problem with one input field. Field is the JSON name
// (nested members joined with "."). The human message is produced from Code
// (and Param) by the locale catalog when the error is shown.
type FieldError struct {
	Field string
	Code  string
	Param string // e.g. the maximum length for too_long
}

// Error is the one domain error type: a machine code, optional field errors and,
// for duplicates, the responsible municipality. Its text never contains personal data.
type Error struct {
	Code         string
	Fields       []FieldError
	Municipality string // duplicate_client: the responsible municipality's code
	MergedInto   string // client_merged: the surviving record's id
	Detail       string // safe, non-personal English detail for logs and as a fallback
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Code + ": " + e.Detail
	}
	return e.Code
}

// Errorf builds an Error with a code and a non-personal detail.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned when a thing does not exist or the caller may not see it.
var ErrNotFound = &Error{Code: CodeNotFound}

// ErrForbidden is returned when the caller may see a thing but not do the action.
var ErrForbidden = &Error{Code: CodeForbidden}

// ErrorCode returns the machine code of err, or CodeInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Validation collects field errors.
type Validation struct{ Fields []FieldError }

// Add records a field error.
func (v *Validation) Add(field, code string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Code: code})
}

// AddParam records a field error with a parameter.
func (v *Validation) AddParam(field, code, param string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Code: code, Param: param})
}

// Has reports whether field already has an error.
func (v *Validation) Has(field string) bool {
	for _, f := range v.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns a validation_failed Error, or nil when there were no field errors.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Code: CodeValidationFailed, Fields: v.Fields}
}
