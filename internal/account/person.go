package account

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/store"
)

// Person is anyone Repertoire knows by an email address.
type Person struct {
	ID                string
	Email             string
	GivenName         string
	FamilyName        string
	Locality          string
	Region            string
	PostalCode        string
	Country           string
	PreferredLanguage string
	EmailStatus       string
	CustomFields      map[string]string
	OriginSystem      string
	CreatedAt         time.Time
	ModifiedAt        time.Time
	// Account, when the person has one.
	HasAccount  bool
	Confirmed   bool
	IsAdmin     bool
	HasPassword bool
}

// Name is how the person is shown.
func (p *Person) Name() string {
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

// NormalizeEmail trims and lower-cases an address: the same person typing
// " Ana@Example.org " twice is one person.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidEmail checks a normalized address.
func ValidEmail(email string) bool {
	if email == "" || len(email) > 254 || !utf8.ValidString(email) {
		return false
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	return at > 0 && strings.Contains(email[at+1:], ".") && !strings.ContainsAny(email, " <>,;\"")
}

// CheckEmail normalizes and validates an address for the given field.
func CheckEmail(field, raw string) (string, error) {
	email := NormalizeEmail(raw)
	if email == "" {
		return "", repertoire.Invalid(field, "field.required", nil)
	}
	if !ValidEmail(email) {
		return "", repertoire.Invalid(field, "field.bad_email", nil)
	}
	return email, nil
}

const personColumns = `p.id, p.email, p.given_name, p.family_name, p.locality, p.region, p.postal_code, p.country,
	p.preferred_language, p.email_status, p.custom_fields, p.origin_system, p.created_at, p.modified_at,
	a.person_id IS NOT NULL, a.confirmed_at IS NOT NULL, COALESCE(a.is_admin, FALSE), COALESCE(a.password_hash, '') <> ''`

const personFrom = ` FROM people p LEFT JOIN accounts a ON a.person_id = p.id `

func scanPerson(row interface{ Scan(...any) error }) (*Person, error) {
	var p Person
	var custom string
	err := row.Scan(&p.ID, &p.Email, &p.GivenName, &p.FamilyName, &p.Locality, &p.Region, &p.PostalCode, &p.Country,
		&p.PreferredLanguage, &p.EmailStatus, &custom, &p.OriginSystem, &p.CreatedAt, &p.ModifiedAt,
		&p.HasAccount, &p.Confirmed, &p.IsAdmin, &p.HasPassword)
	if err != nil {
		return nil, err
	}
	p.CustomFields = map[string]string{}
	json.Unmarshal([]byte(custom), &p.CustomFields) // written by us; a bad value reads as empty
	p.CreatedAt, p.ModifiedAt = p.CreatedAt.UTC(), p.ModifiedAt.UTC()
	return &p, nil
}

// GetPerson reads a person by id.
func GetPerson(ctx context.Context, q store.Queryer, id string) (*Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+personFrom+`WHERE p.id = $1`, id))
	return p, store.NotFound(err, "person.not_found")
}

// PersonByEmail reads a person by (normalized) email.
func PersonByEmail(ctx context.Context, q store.Queryer, email string) (*Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+personFrom+`WHERE p.email = $1`, NormalizeEmail(email)))
	return p, store.NotFound(err, "person.not_found")
}

// PersonInput is what an action says about a person (a signer, a member).
// Empty fields leave what is stored unchanged.
type PersonInput struct {
	Email      string
	GivenName  string
	FamilyName string
	Locality   string
	Region     string
	PostalCode string
	Country    string
	Language   string
	Origin     string
}

// UpsertPerson matches the person by email or creates them, inside tx, and
// returns their id. Non-empty fields of in overwrite what was stored: the
// latest thing a person told us about themselves wins.
func UpsertPerson(ctx context.Context, tx *store.Tx, in PersonInput) (string, error) {
	email, err := CheckEmail("email", in.Email)
	if err != nil {
		return "", err
	}
	var errs repertoire.Errors
	for _, f := range []struct {
		name, value string
		max         int
	}{{"given_name", in.GivenName, 100}, {"family_name", in.FamilyName, 100}, {"locality", in.Locality, 100},
		{"region", in.Region, 100}, {"postal_code", in.PostalCode, 20}, {"country", in.Country, 100}} {
		if utf8.RuneCountInString(f.value) > f.max {
			errs = append(errs, repertoire.Invalid(f.name, "field.too_long", map[string]any{"Max": f.max}))
		}
	}
	if err := errs.Err(); err != nil {
		return "", err
	}
	lang := in.Language
	if lang != "fr" {
		lang = "en"
	}
	origin := in.Origin
	if origin == "" {
		origin = "repertoire"
	}
	var id string
	err = tx.QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, email).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = store.NewID()
		_, err = tx.ExecContext(ctx, `INSERT INTO people (id, email, given_name, family_name, locality, region, postal_code, country,
			preferred_language, origin_system, created_at, modified_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)`,
			id, email, strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName), strings.TrimSpace(in.Locality),
			strings.TrimSpace(in.Region), strings.TrimSpace(in.PostalCode), strings.TrimSpace(in.Country), lang, origin, tx.Now)
		if err != nil {
			return "", repertoire.Internal(err)
		}
		return id, nil
	case err != nil:
		return "", repertoire.Internal(err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE people SET
		given_name = CASE WHEN $2 <> '' THEN $2 ELSE given_name END,
		family_name = CASE WHEN $3 <> '' THEN $3 ELSE family_name END,
		locality = CASE WHEN $4 <> '' THEN $4 ELSE locality END,
		region = CASE WHEN $5 <> '' THEN $5 ELSE region END,
		postal_code = CASE WHEN $6 <> '' THEN $6 ELSE postal_code END,
		country = CASE WHEN $7 <> '' THEN $7 ELSE country END,
		modified_at = $8
		WHERE id = $1`,
		id, strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName), strings.TrimSpace(in.Locality),
		strings.TrimSpace(in.Region), strings.TrimSpace(in.PostalCode), strings.TrimSpace(in.Country), tx.Now)
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return id, nil
}
