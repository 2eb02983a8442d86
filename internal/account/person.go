package account

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
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
	return joinName(p.GivenName, p.FamilyName)
}

// joinName is how a person's names are shown together.
func joinName(given, family string) string {
	return strings.TrimSpace(given + " " + family)
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

// The longest values a person's fields take, in characters: the one home
// of these rules, for the forms, the API and every action's sign-up.
const (
	MaxName         = 100 // given and family names, locality, region, country
	MaxPostalCode   = 20
	MaxOriginSystem = 100
)

// TooLong returns the field error of a value longer than max characters
// (nil when it fits), or of one that is not UTF-8 at all.
func TooLong(field, value string, max int) *repertoire.Error {
	switch {
	case !utf8.ValidString(value):
		return repertoire.Invalid(field, "error.invalid", nil)
	case utf8.RuneCountInString(value) > max:
		return repertoire.Invalid(field, "field.too_long", map[string]any{"Max": max})
	}
	return nil
}

// Validate trims in's fields, normalizes its email and checks the address
// and every length, naming the fields as the sign-up forms do. UpsertPeople
// takes only inputs that passed it.
func (in *PersonInput) Validate() error {
	var errs repertoire.Errors
	email, err := CheckEmail("email", in.Email)
	if err != nil {
		errs = append(errs, repertoire.AsError(err))
	}
	in.Email = email
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{{"given_name", &in.GivenName, MaxName}, {"family_name", &in.FamilyName, MaxName},
		{"locality", &in.Locality, MaxName}, {"country", &in.Country, MaxName},
		{"region", &in.Region, MaxName}, {"postal_code", &in.PostalCode, MaxPostalCode}} {
		*f.value = strings.TrimSpace(*f.value)
		if e := TooLong(f.name, *f.value, f.max); e != nil {
			errs = append(errs, e)
		}
	}
	return errs.Err()
}

// language is the stored language of a new person: French or English.
func (in *PersonInput) language() string {
	if in.Language == "fr" {
		return "fr"
	}
	return "en"
}

// origin is the system a new person came from.
func (in *PersonInput) origin() string {
	if in.Origin == "" {
		return "repertoire"
	}
	return in.Origin
}
