// Package api is the plumbing of the JSON API under /api/v1, which follows
// OSDI v1.2: HAL documents, paging, identifiers, token auth, and RFC 9457
// problem details for errors. Each capability (account/, community/,
// campaign/) registers its own resources with these helpers.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// MaxPageSize is advertised at the entry point as max_pagesize.
const MaxPageSize = 100

// MaxBodyBytes bounds request bodies; larger ones get 413.
const MaxBodyBytes = 1 << 20

// Principal is who a valid API token belongs to.
type Principal struct {
	PersonID string
	IsAdmin  bool
}

type ctxKey int

const principalKey ctxKey = 0

// WithPrincipal attaches the token's owner to the context.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the token's owner, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// PrincipalID is the token owner's person id, "" without a token.
func PrincipalID(r *http.Request) string {
	if p := PrincipalFrom(r.Context()); p != nil {
		return p.PersonID
	}
	return ""
}

// IsAdmin is whether the token's owner is an admin, who sees every
// community (false without a token).
func IsAdmin(r *http.Request) bool {
	p := PrincipalFrom(r.Context())
	return p != nil && p.IsAdmin
}

// TokenChecker resolves a raw API token to its owner (account.Store does).
type TokenChecker interface {
	CheckToken(ctx context.Context, token string) (*Principal, error)
}

// Token extracts the raw token from OSDI-API-Token or Authorization: Bearer.
func Token(r *http.Request) string {
	if t := strings.TrimSpace(r.Header.Get("OSDI-API-Token")); t != "" {
		return t
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Authenticate resolves the token, when one is given. A token that is given
// but wrong answers 401 at once; no token leaves the request anonymous, and
// handlers that write call Require.
func Authenticate(tc TokenChecker, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok := Token(r)
			if tok == "" {
				next.ServeHTTP(w, r)
				return
			}
			p, err := tc.CheckToken(r.Context(), tok)
			if err != nil {
				Problem(w, r, log, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// Require returns the principal, or writes 401 and returns nil.
func Require(w http.ResponseWriter, r *http.Request) *Principal {
	p := PrincipalFrom(r.Context())
	if p == nil {
		Problem(w, r, nil, repertoire.Errorf(repertoire.EUNAUTHORIZED, "error.unauthorized"))
	}
	return p
}

// JSON writes v as a HAL document.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/hal+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// FieldProblem is one invalid field in a problem body.
type FieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// ProblemBody is an RFC 9457 problem details document, extended with the
// list of invalid fields.
type ProblemBody struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Code     string         `json:"code"`
	Errors   []FieldProblem `json:"errors,omitempty"`
}

// Problem writes err as application/problem+json, localized from the
// request's Accept-Language. Internal errors are logged, without personal data.
func Problem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	body := ProblemOf(r, err)
	if body.Code == repertoire.EINTERNAL && log != nil {
		log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteProblem(w, body.Status, body)
}

// ProblemOf is the problem document Problem writes for err, for a caller
// that adds members of its own (RFC 9457 extension members) before
// WriteProblem.
func ProblemOf(r *http.Request, err error) ProblemBody {
	l := web.Localizer(r.Context())
	err = store.Classify(err)
	e := repertoire.AsError(err)
	code := repertoire.ErrorCode(err)
	status := repertoire.Status(code)
	body := ProblemBody{
		Type:     "about:blank",
		Title:    l.T("error." + code),
		Status:   status,
		Instance: r.URL.Path,
		Code:     code,
	}
	if fes := repertoire.FieldErrors(err); len(fes) > 0 {
		for _, fe := range fes {
			body.Errors = append(body.Errors, FieldProblem{Field: fe.Field, Detail: l.Error(fe)})
		}
		body.Detail = body.Errors[0].Field + ": " + body.Errors[0].Detail
	} else if e.MessageID != "" && e.MessageID != "error."+code {
		body.Detail = l.Error(e)
		if e.Field != "" {
			body.Errors = []FieldProblem{{Field: e.Field, Detail: body.Detail}}
			body.Detail = e.Field + ": " + body.Detail
		}
	}
	return body
}

// WriteProblem writes a problem document (a ProblemBody, or a struct
// embedding one) with its status and the headers that go with it:
// Retry-After for 503 unless the caller set its own, WWW-Authenticate for 401.
func WriteProblem(w http.ResponseWriter, status int, doc any) {
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", repertoire.RetryAfter) // logged once by the server, not per request
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="repertoire"`)
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(doc)
}

// Decode reads a JSON body into v. Bodies over MaxBodyBytes answer 413,
// a body declared as another kind 415, data after the JSON document 400;
// malformed JSON and invalid UTF-8 answer 422, naming the field when they
// can. Nothing is decoded from a body refused. Members v does not define
// are ignored: OSDI resources take what OSDI and Action Network clients
// send. Repertoire's own resources use DecodeStrict.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decode(body, v)
}

// DecodeStrict is Decode for Repertoire's own resources: a member v does
// not define answers 422 naming each (a typo such as "visibilty" must not
// leave a community public), and nothing is decoded. A member the
// resource's document defines (doc: a pointer to its type, or nil) is
// read-only, as are those every document carries (identifiers, _links,
// …): accepted and ignored, so a client may send back what it read.
func DecodeStrict(w http.ResponseWriter, r *http.Request, v, doc any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if err := unknownMembers(body, v, doc); err != nil {
		return err
	}
	return decode(body, v)
}

// echoed are the top-level members of every resource document that a body
// may carry back: they are read-only and ignored.
var echoed = []string{"identifiers", "origin_system", "created_date", "modified_date", "browser_url", "_links", "_embedded"}

// maxUnknown bounds the unknown members named in one answer, and
// maxReadOnly the kinds of read-only members left out: each costs a
// decoding of the body.
const (
	maxUnknown  = 20
	maxReadOnly = 64
)

// strictly decodes JSON as DecodeStrict reads it. Names match exactly: a
// member in another case or spelling is unknown, where Decode would take
// "Visibility" for "visibility".
var strictly = jsonv2.JoinOptions(jsonv2.RejectUnknownMembers(true), jsontext.AllowDuplicateNames(true))

// unknownMembers names the members of body that v does not define, nor doc
// when not nil, as field errors "field.unknown". The JSON library stops at
// the first unknown member it meets: that member is left out of the body,
// in every element of the arrays it is in (a read-only member of each
// demand is one more decoding, not one per demand), and the body decoded
// again, until none is left.
func unknownMembers(body []byte, v, doc any) error {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || (doc != nil && reflect.TypeOf(doc).Kind() != reflect.Pointer) {
		return repertoire.Internal(errors.New("api: decoding into a non-pointer"))
	}
	var errs repertoire.Errors
	seen := map[string]bool{}
	for range maxUnknown + maxReadOnly {
		var se *jsonv2.SemanticError
		err := jsonv2.Unmarshal(body, reflect.New(t.Elem()).Interface(), strictly)
		if !errors.As(err, &se) || !errors.Is(se.Err, jsonv2.ErrUnknownName) {
			break // none left, or an error decode names
		}
		p := se.JSONPointer
		field := fieldOf(p)
		readOnly := (p.Parent() == "" && slices.Contains(echoed, field)) || (doc != nil && defines(doc, p))
		if !seen[field] && !readOnly {
			seen[field] = true
			errs = append(errs, repertoire.Invalid(field, "field.unknown", nil))
			if len(errs) == maxUnknown {
				break
			}
		}
		if body, err = without(body, p); err != nil {
			break
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// defines reports whether the type doc points to has a member at p: the
// path alone, with a null at its end, is decoded into it (an index is any
// element of its array).
func defines(doc any, p jsontext.Pointer) bool {
	toks := slices.Collect(p.Tokens())
	probe := []byte("null")
	for i := len(toks) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(toks[i]); err == nil && i > 0 {
			probe = slices.Concat([]byte("["), probe, []byte("]"))
			continue
		}
		name, err := jsontext.AppendQuote(nil, toks[i])
		if err != nil {
			return false
		}
		probe = slices.Concat([]byte("{"), name, []byte(":"), probe, []byte("}"))
	}
	var se *jsonv2.SemanticError
	err := jsonv2.Unmarshal(probe, reflect.New(reflect.TypeOf(doc).Elem()).Interface(), strictly)
	return !errors.As(err, &se) || !errors.Is(se.Err, jsonv2.ErrUnknownName)
}

// fieldOf names the member at p as field errors do: "targets[0].name".
func fieldOf(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// without is doc less its object members at p, an index in p standing for
// every element of its array (and a name there twice, for both).
func without(doc []byte, p jsontext.Pointer) ([]byte, error) {
	pattern := slices.Collect(p.Tokens())
	dec := jsontext.NewDecoder(bytes.NewReader(doc), jsontext.AllowDuplicateNames(true))
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out, jsontext.AllowDuplicateNames(true))
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 && dec.StackDepth() == len(pattern) &&
			matches(dec.StackPointer(), pattern) {
			if err := dec.SkipValue(); err != nil { // a member's name: leave it out with its value
				return nil, err
			}
			continue
		}
		if err := enc.WriteToken(tok); err != nil {
			return nil, err
		}
	}
}

// matches reports whether the pointer q is the pattern, its indices aside.
func matches(q jsontext.Pointer, pattern []string) bool {
	i := 0
	for tok := range q.Tokens() {
		if i == len(pattern) {
			return false
		}
		_, err1 := strconv.Atoi(tok)
		_, err2 := strconv.Atoi(pattern[i])
		if tok != pattern[i] && (err1 != nil || err2 != nil) {
			return false
		}
		i++
	}
	return i == len(pattern)
}

// readBody reads a request's JSON body, refusing what Decode refuses
// before decoding.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, repertoire.Errorf(repertoire.EMEDIATYPE, "error.media_type")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, repertoire.Errorf(repertoire.ETOOLARGE, "error.too_large")
		}
		return nil, repertoire.Invalid("", "field.bad_json", nil)
	}
	if !utf8.Valid(body) {
		return nil, repertoire.Invalid("", "field.bad_utf8", nil)
	}
	return body, nil
}

// decode reads one JSON document into v, and nothing after it.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return repertoire.Errorf(repertoire.EMALFORMED, "error.trailing_data")
	}
	return nil
}

// jsonError names the field of a decoding error when it can.
func jsonError(err error) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return repertoire.Invalid(ute.Field, "field.bad_json", nil)
	}
	return repertoire.Invalid("", "field.bad_json", nil)
}

// Page is the requested window of a collection.
type Page struct {
	Page    int
	PerPage int
}

// Offset is the number of records before the page.
func (p Page) Offset() int { return (p.Page - 1) * p.PerPage }

// MaxPage is the highest page number asked for: past it the offset would
// overflow. A page past the last one within it is an empty page.
const MaxPage = 1_000_000

// ParsePage reads ?page=N&per_page=M (defaults 1 and 25, per_page ≤ MaxPageSize).
func ParsePage(r *http.Request) (Page, error) {
	p := Page{Page: 1, PerPage: 25}
	q := r.URL.Query()
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPage {
			return p, repertoire.Invalid("page", "api.bad_page", map[string]any{"Max": MaxPage})
		}
		p.Page = n
	}
	if s := q.Get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return p, repertoire.Invalid("per_page", "api.bad_per_page", map[string]any{"Max": MaxPageSize})
		}
		p.PerPage = n
	}
	return p, nil
}

// TrailingSlash serves a path under the API with a trailing slash as the
// same resource without one (`/api/v1/`, `/api/v1/people/?filter=…`), as
// OSDI and Action Network clients write them.
func TrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if len(p) > 1 && strings.HasSuffix(p, "/") && (p == Prefix+"/" || strings.HasPrefix(p, Prefix+"/")) {
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path = strings.TrimRight(p, "/")
			u.RawPath = ""
			r2.URL = &u
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// Link is a HAL link; a templated one has {placeholders} in its href
// (RFC 6570), e.g. a helper's …/petitions/{petition_id}/signatures.
type Link struct {
	Href      string `json:"href"`
	Templated bool   `json:"templated,omitempty"`
}

// Links is a HAL _links object.
type Links map[string]any

// Collection builds an OSDI collection document: totals, paging links (no
// next on the last page), and the items embedded under "osdi:<name>" or
// "repertoire:<name>".
func Collection(r *http.Request, baseURL, rel string, items any, total int, p Page) map[string]any {
	totalPages := (total + p.PerPage - 1) / p.PerPage
	self := func(page int) Link {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(p.PerPage))
		u.RawQuery = q.Encode()
		return Link{Href: baseURL + u.Path + "?" + u.RawQuery}
	}
	links := Links{"self": self(p.Page)}
	if p.Page < totalPages {
		links["next"] = self(p.Page + 1)
	}
	if p.Page > 1 {
		links["previous"] = self(p.Page - 1)
	}
	return map[string]any{
		"total_pages":   totalPages,
		"per_page":      p.PerPage,
		"page":          p.Page,
		"total_records": total,
		"_links":        links,
		"_embedded":     map[string]any{rel: items},
	}
}

// Identifiers are the OSDI identifiers of one of our resources.
func Identifiers(id string, more ...string) []string {
	return append([]string{"repertoire:" + id}, more...)
}

// ParseID accepts "repertoire:<id>", a bare id, or the resource's address
// (its last segment), as OSDI clients send all three.
func ParseID(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	return strings.TrimPrefix(s[strings.LastIndex(s, "/")+1:], "repertoire:")
}

// Value is an optional body field (a pointer tells absent from empty): its
// value, or the zero value when absent.
func Value[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// Time formats a timestamp the way OSDI documents carry it (RFC 3339, UTC).
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// TimePtr formats an optional timestamp (nil stays null).
func TimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}

// URL joins the base URL and a path.
func URL(baseURL, path string, args ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(baseURL, "/"))
	b.WriteString(path)
	for _, a := range args {
		b.WriteString("/")
		b.WriteString(url.PathEscape(a))
	}
	return b.String()
}
