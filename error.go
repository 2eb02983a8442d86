// Package repertoire holds what every part of Repertoire shares: the one
// error type, with its codes. Each capability lives in its own package under
// internal/ (community, campaign, account, outbox, …).
package repertoire

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status (see Status) and the web and API
// layers localize the message from MessageID.
const (
	ECONFLICT     = "conflict"     // duplicate slug, already a member, …
	EINTERNAL     = "internal"     // a bug or an unavailable database
	EINVALID      = "invalid"      // bad input, named by Field
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the viewer
	EUNAUTHORIZED = "unauthorized" // no valid session or token
	EFORBIDDEN    = "forbidden"    // signed in, but not allowed
	ETOOLARGE     = "too_large"    // request body over the limit
	ERATELIMIT    = "rate_limited" // too many attempts
	EMALFORMED    = "malformed"    // a body that cannot be read as its kind (trailing data after JSON)
	EMEDIATYPE    = "media_type"   // a body of a kind the endpoint does not take
	EUNAVAILABLE  = "unavailable"  // the database cannot be reached or is full: try again later
)

// RetryAfter is the Retry-After (in seconds) of an EUNAVAILABLE answer:
// a database restarting or a disk being cleared takes seconds, and a
// client retrying sooner only adds load.
const RetryAfter = "5"

// Error is the domain error. MessageID names a message in the i18n catalogs;
// Args fill its template. Field names the input at fault, as the form and
// the API know it (e.g. "title", "demand_sections[1].demands[3].text").
type Error struct {
	Code      string
	Field     string
	MessageID string
	Args      map[string]any
	Err       error // wrapped cause, never shown to people
}

func (e *Error) Error() string {
	s := e.Code
	if e.Field != "" {
		s += " " + e.Field
	}
	if e.MessageID != "" {
		s += ": " + e.MessageID
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports bad input in one field.
func Invalid(field, messageID string, args map[string]any) *Error {
	return &Error{Code: EINVALID, Field: field, MessageID: messageID, Args: args}
}

// Errorf builds an error of the given code with a message ID.
func Errorf(code, messageID string) *Error {
	return &Error{Code: code, MessageID: messageID}
}

// Internal wraps an unexpected failure.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, MessageID: "error.internal", Err: err}
}

// Unavailable wraps a failure of the database itself (unreachable, full):
// nothing was written, and the same request may succeed later.
func Unavailable(err error) *Error {
	return &Error{Code: EUNAVAILABLE, MessageID: "error.unavailable", Err: err}
}

// ErrorCode returns the code of err, EINTERNAL when it is not an *Error.
func ErrorCode(err error) string {
	var es Errors
	if errors.As(err, &es) {
		return EINVALID
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns err as an *Error, wrapping foreign errors as internal ones.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Errors collects several field errors, so a form can show them all at once.
type Errors []*Error

func (es Errors) Error() string {
	if len(es) == 0 {
		return "no errors"
	}
	return fmt.Sprintf("%d invalid fields, first: %v", len(es), es[0])
}

// Err returns nil when empty, the list otherwise.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// FieldErrors extracts field errors from err: every element of an Errors, or
// err itself when it is an invalid *Error.
func FieldErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) && e.Code == EINVALID {
		return Errors{e}
	}
	return nil
}

// Status maps a code to its HTTP status.
func Status(code string) int {
	switch code {
	case ECONFLICT:
		return 409
	case EINVALID:
		return 422
	case ENOTFOUND:
		return 404
	case EUNAUTHORIZED:
		return 401
	case EFORBIDDEN:
		return 403
	case ETOOLARGE:
		return 413
	case ERATELIMIT:
		return 429
	case EMALFORMED:
		return 400
	case EMEDIATYPE:
		return 415
	case EUNAVAILABLE:
		return 503
	}
	return 500
}
