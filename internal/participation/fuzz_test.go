package participation

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/store/storetest"
)

// FuzzValidate feeds outside input — what a form or the API passes on —
// to Validate: it never panics, and whatever it accepts has a valid
// normalized email, trimmed fields within their limits, a known language,
// and validates again unchanged.
func FuzzValidate(f *testing.F) {
	for _, seed := range [][8]string{
		{"ana@example.org", "Ana", "Silva", "Lyon", "FR", "", "", "fr"},
		{"  Ana@Example.ORG ", " Ana ", "", "", "", "I sign", "", "en"},
		{"", "", "", "", "", "", "", ""},
		{"not an address", "x", "y", "z", "w", "", "", "de"},
		{"a@b", "", "", "", "", "", "", ""},
		{"\"a b\"@example.org", "", "", "", "", "", "", ""},
		{"Ana <ana@example.org>", "", "", "", "", "", "", ""},
		{"ana@example.org", strings.Repeat("é", 101), "", "", "", "", "", ""},
		{"ana@example.org", "", "", "", "", strings.Repeat("x", 2001), "", ""},
		{"ana@example.org", "\xff\xfe", "", "", "", "", "", ""},
		{"ana@exa\xffmple.org", "", "", "", "", "", "", ""},
		{"ANA@EXAMPLE.ORG\n", "", "", "", "", "", " paper sheets ", "fr"},
		{"İ@example.org", "", "", "", "", "", "", ""},
		{"a@b.c@d.e", "", "", "", "", "", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7])
	}
	f.Fuzz(func(t *testing.T, email, given, family, locality, country, comment, origin, lang string) {
		sub := Submission{Kind: Signature, ActionID: "a", Comment: comment, OriginSystem: origin, Lang: lang,
			Person: account.PersonInput{Email: email, GivenName: given, FamilyName: family, Locality: locality, Country: country}}
		err := Validate(&sub)
		if err != nil {
			for _, fe := range repertoire.FieldErrors(err) {
				if fe.Field == "" {
					t.Errorf("a field error without a field: %v", fe)
				}
			}
			if repertoire.ErrorCode(err) != repertoire.EINVALID {
				t.Errorf("refused with %v, want invalid fields", err)
			}
			return
		}
		e := sub.Person.Email
		if e != account.NormalizeEmail(e) || !account.ValidEmail(e) || !strings.Contains(e, "@") {
			t.Errorf("accepted email %q is not a valid normalized address", e)
		}
		if e != account.NormalizeEmail(email) {
			t.Errorf("accepted %q as %q, want the normalized input", email, e)
		}
		if d := emailDomain(e); d == "" {
			t.Errorf("accepted email %q has no domain", e)
		}
		for _, fl := range []struct {
			name, value string
			max         int
		}{{"given_name", sub.Person.GivenName, 100}, {"family_name", sub.Person.FamilyName, 100},
			{"locality", sub.Person.Locality, 100}, {"country", sub.Person.Country, 100},
			{"comment", sub.Comment, 2000}, {"origin_system", sub.OriginSystem, 100}} {
			if !utf8.ValidString(fl.value) || utf8.RuneCountInString(fl.value) > fl.max || fl.value != strings.TrimSpace(fl.value) {
				t.Errorf("accepted %s %q: invalid, untrimmed or over %d characters", fl.name, fl.value, fl.max)
			}
		}
		if sub.Lang != "en" && sub.Lang != "fr" {
			t.Errorf("accepted language %q", sub.Lang)
		}
		again := sub
		if err := Validate(&again); err != nil || again != sub {
			t.Errorf("validating the accepted submission again: %v, %+v → %+v", err, sub, again)
		}
	})
}

// FuzzByToken feeds link tokens as they come in a URL to ByToken on a real
// SQLite database holding one participation: only its exact latest token
// opens it; anything else — its id alone, its secret altered, garbage — is
// the same "invalid link" answer, never an internal error or a panic.
func FuzzByToken(f *testing.F) {
	db := storetest.OpenSQLite(f)
	s, _ := newTestService(f, db, Limits{})
	submit(f, s, signature("petition-1", "fuzz@example.org"))
	token := tokenOf(f, mailsTo(f, db, "fuzz@example.org")[0])
	id, secret, _ := strings.Cut(token, ".")
	for _, seed := range []string{token, id, id + ".", "." + secret, id + "." + secret + "x", id + ".." + secret,
		strings.ToUpper(token), "", ".", "x.y", id + "." + secret[:len(secret)-1], "%00", id + "\x00." + secret} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := s.ByToken(context.Background(), in)
		if in == token {
			if err != nil || p == nil || p.ID != id {
				t.Fatalf("the mailed token: %+v, %v", p, err)
			}
			return
		}
		if repertoire.ErrorCode(err) != repertoire.ENOTFOUND || p != nil {
			t.Fatalf("token %q: %+v, %v; want not found", in, p, err)
		}
	})
}
