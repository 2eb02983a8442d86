package account_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

type phoneJSON struct {
	Number     string `json:"number"`
	Primary    bool   `json:"primary"`
	NumberType string `json:"number_type"`
	SMSCapable *bool  `json:"sms_capable"`
	DoNotCall  bool   `json:"do_not_call"`
	Status     string `json:"status"`
}

// OSDI's phone_numbers are stored, merged by number, returned, exported
// and erased with the person; a bad one is refused, naming it.
func TestPhoneNumbersKept(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		var p struct {
			personJSON
			PhoneNumbers []phoneJSON `json:"phone_numbers"`
		}
		if st := app.API(t, "POST", "/api/v1/people", admin, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "pia@example.org"}},
			"phone_numbers": []any{map[string]any{"number": "+33 6 12-34-56-78", "primary": true, "number_type": "Mobile", "sms_capable": true},
				map[string]any{"number": "(01) 23 45 67 89", "number_type": "Home", "do_not_call": true}},
		}}, &p); st != 201 {
			t.Fatalf("create: %d", st)
		}
		if len(p.PhoneNumbers) != 2 || p.PhoneNumbers[0].Number != "+33612345678" || !p.PhoneNumbers[0].Primary ||
			p.PhoneNumbers[0].NumberType != "Mobile" || p.PhoneNumbers[0].SMSCapable == nil || !*p.PhoneNumbers[0].SMSCapable ||
			p.PhoneNumbers[1].Number != "0123456789" || !p.PhoneNumbers[1].DoNotCall || p.PhoneNumbers[1].SMSCapable != nil {
			t.Fatalf("created phones: %+v", p.PhoneNumbers)
		}
		id := idOf(p.personJSON)
		// The same number, written otherwise, is updated; a new one is added
		// and made primary.
		if st := app.API(t, "PUT", "/api/v1/people/"+id, admin, map[string]any{"phone_numbers": []any{
			map[string]any{"number": "+33612345678", "status": "unsubscribed"},
			map[string]any{"number": "+44 20 7946 0000", "primary": true}}}, &p); st != 200 {
			t.Fatalf("update: %d", st)
		}
		if len(p.PhoneNumbers) != 3 || p.PhoneNumbers[0].Number != "+442079460000" || !p.PhoneNumbers[0].Primary {
			t.Fatalf("updated phones: %+v", p.PhoneNumbers)
		}
		for _, ph := range p.PhoneNumbers[1:] {
			if ph.Primary {
				t.Errorf("two primary numbers: %+v", p.PhoneNumbers)
			}
			if ph.Number == "+33612345678" && (ph.Status != "unsubscribed" || ph.NumberType != "Mobile") {
				t.Errorf("the number was not merged: %+v", ph)
			}
		}
		cases := []struct {
			name  string
			phone map[string]any
			field string
		}{
			{"no number", map[string]any{"number_type": "Mobile"}, "person.phone_numbers[0].number"},
			{"letters", map[string]any{"number": "call me"}, "person.phone_numbers[0].number"},
			{"too short", map[string]any{"number": "12"}, "person.phone_numbers[0].number"},
			{"too long", map[string]any{"number": strings.Repeat("1", 41)}, "person.phone_numbers[0].number"},
			{"long type", map[string]any{"number": "0123", "number_type": strings.Repeat("x", 51)}, "person.phone_numbers[0].number_type"},
			{"bad status", map[string]any{"number": "0123", "status": "maybe"}, "person.phone_numbers[0].status"},
		}
		for _, tc := range cases {
			var problem problemJSON
			st := app.API(t, "POST", "/api/v1/people", admin, map[string]any{"person": map[string]any{
				"email_addresses": []any{map[string]any{"address": "pia@example.org"}}, "phone_numbers": []any{tc.phone}}}, &problem)
			if st != 422 || !problem.names(tc.field) {
				t.Errorf("%s: %d %+v", tc.name, st, problem)
			}
		}
		many := []any{}
		for i := range 11 {
			many = append(many, map[string]any{"number": fmt.Sprintf("+3360000%04d", i)})
		}
		var problem problemJSON
		if st := app.API(t, "PUT", "/api/v1/people/"+id, admin, map[string]any{"phone_numbers": many}, &problem); st != 422 || !problem.names("phone_numbers") {
			t.Errorf("eleven numbers: %d %+v", st, problem)
		}
		// The person's export has them; their erasure takes them.
		b := app.Browser()
		app.Token(t, "own@example.org", "Own", false)
		b.SignIn(t, "own@example.org", "correct horse battery")
		var ownID string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = 'own@example.org'`).Scan(&ownID)
		if st := app.API(t, "PUT", "/api/v1/people/"+ownID, admin, map[string]any{"phone_numbers": []any{map[string]any{"number": "+33 7 00 00 00 01"}}}, nil); st != 200 {
			t.Fatalf("own phone: %d", st)
		}
		st, body := b.Get(t, "/account/export")
		if st != 200 || !strings.Contains(body, `"phone_numbers"`) || !strings.Contains(body, "+33700000001") {
			t.Errorf("export: %d %s", st, body)
		}
		if st := app.API(t, "DELETE", "/api/v1/people/"+id, admin, nil, nil); st != 204 {
			t.Fatalf("erase: %d", st)
		}
		var n int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM phone_numbers WHERE person_id = $1`, id).Scan(&n)
		if n != 0 {
			t.Errorf("%d numbers left after the erasure", n)
		}
	})
}

// Every field OSDI or Action Network defines for a person is accepted
// (those without a place ignored, as README.md lists them); any other is
// refused, naming it, and nothing is written.
func TestPersonFieldsOSDIDefines(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		full := map[string]any{"person": map[string]any{
			"identifiers": []string{"other:1"}, "created_date": "2020-01-01T00:00:00Z", "modified_date": "2020-01-01T00:00:00Z",
			"given_name": "Lea", "family_name": "Roy", "additional_name": "M", "honorific_prefix": "Dr", "honorific_suffix": "PhD",
			"gender": "Female", "gender_identity": "woman", "party_identification": "None", "source": "flyer", "employer": "Acme",
			"ethnicities": []string{"x"}, "birthdate": map[string]any{"month": 1, "day": 2, "year": 1990},
			"profiles":        []any{map[string]any{"provider": "Twitter", "handle": "lea"}},
			"email_addresses": []any{map[string]any{"address": "lea@example.org", "primary": true, "address_type": "Personal", "status": "subscribed"}},
			"postal_addresses": []any{map[string]any{"primary": true, "address_lines": []string{"1 rue"}, "locality": "Nantes", "region": "PDL",
				"postal_code": "44000", "country": "FR", "language": "fr", "location": map[string]any{"latitude": 47.2, "longitude": -1.5}}},
			"phone_numbers":      []any{map[string]any{"number": "0240000000", "extension": "12", "operator": "Orange", "country": "FR"}},
			"languages_spoken":   []string{"fr"},
			"preferred_language": "fr", "custom_fields": map[string]any{"shift": "night"}, "origin_system": "paper",
		}, "add_tags": []string{}, "triggers": map[string]any{"autoresponse": map[string]any{"enabled": true}}}
		var p personJSON
		if st := app.API(t, "POST", "/api/v1/people", admin, full, &p); st != 201 {
			t.Fatalf("every OSDI field: %d", st)
		}
		if p.GivenName != "Lea" || p.PostalAddresses[0].Locality != "Nantes" || p.CustomFields["shift"] != "night" || p.OriginSystem != "paper" {
			t.Errorf("stored fields: %+v", p)
		}
		cases := []struct {
			name  string
			body  any
			field string
		}{
			{"unknown person field", map[string]any{"person": map[string]any{"email_addresses": []any{map[string]any{"address": "x@example.org"}}, "shoe_size": 42}}, "person.shoe_size"},
			{"unknown helper field", map[string]any{"person": map[string]any{"email_addresses": []any{map[string]any{"address": "x@example.org"}}}, "tags": []string{"a"}}, "tags"},
			{"unknown email field", map[string]any{"email_addresses": []any{map[string]any{"address": "x@example.org", "verified": true}}}, "email_addresses[0].verified"},
			{"unknown phone field", map[string]any{"email_addresses": []any{map[string]any{"address": "x@example.org"}}, "phone_numbers": []any{map[string]any{"number": "0123", "carrier": "x"}}}, "phone_numbers[0].carrier"},
			{"unknown postal field", map[string]any{"email_addresses": []any{map[string]any{"address": "x@example.org"}}, "postal_addresses": []any{map[string]any{"street": "x"}}}, "postal_addresses[0].street"},
		}
		for _, tc := range cases {
			var problem problemJSON
			if st := app.API(t, "POST", "/api/v1/people", admin, tc.body, &problem); st != 422 || !problem.names(tc.field) {
				t.Errorf("%s: %d %+v", tc.name, st, problem)
			}
		}
		var problem problemJSON
		if st := app.API(t, "PUT", "/api/v1/people/"+idOf(p), admin, map[string]any{"nickname": "L"}, &problem); st != 422 || !problem.names("nickname") {
			t.Errorf("PUT with an unknown field: %d %+v", st, problem)
		}
		if st := app.API(t, "PUT", "/api/v1/people/"+idOf(p), admin, map[string]any{"remove_tags": []string{"x"}}, &problem); st != 422 || !problem.names("remove_tags") {
			t.Errorf("PUT with a helper's field: %d %+v", st, problem)
		}
		var list peopleJSON
		app.API(t, "GET", "/api/v1/people", admin, nil, &list)
		if list.TotalRecords != 2 {
			t.Errorf("refused requests wrote people: %d", list.TotalRecords)
		}
	})
}
