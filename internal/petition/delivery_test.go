package petition_test

import (
	"encoding/csv"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// The delivery mail read from the SMTP sink comes from the community,
// sends replies to the organizer who delivered, who is in its Cc and one
// of its recipients: one message, no second mail; with no signer sharing
// their name it attaches no list and says why.
func TestDeliveryMailNamesTheCommunityAndCopiesTheOrganizer(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		if st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", token, map[string]any{
			"person": map[string]any{"given_name": "Bob", "email_addresses": []map[string]any{{"address": "bob@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		if st, _ := b.Post(t, path+"/deliver", url.Values{"confirm": {"yes"}}); st != 200 {
			t.Fatalf("deliver: %d", st)
		}
		m := app.Mail.Wait(t, "ceo@platform.example", "Petition: Stop tracking us")
		if m.Subject != "Petition: Stop tracking us (1 signatures), from Users" {
			t.Errorf("subject %q does not name the community", m.Subject)
		}
		from, err := mail.ParseAddress(m.Header.Get("From"))
		if err != nil || from.Name != "Users" {
			t.Errorf("From %q: the community's name wanted (%v)", m.Header.Get("From"), err)
		}
		if rt, err := mail.ParseAddress(m.Header.Get("Reply-To")); err != nil || rt.Address != organizer {
			t.Errorf("Reply-To %q, want the organizer", m.Header.Get("Reply-To"))
		}
		contains(t, "delivery mail", m.Body, "Users delivers you its petition.", "No list of names is attached",
			"none of them agreed to", "Replies to this mail go to "+organizer)
		lacks(t, "delivery mail", m.Body, "Bob", "The attached CSV file")
		if ct, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type")); strings.HasPrefix(ct, "multipart/mixed") {
			t.Errorf("an empty list is attached (%s)", ct)
		}
		if cc, err := mail.ParseAddressList(m.Header.Get("Cc")); err != nil || len(cc) != 1 || cc[0].Address != organizer {
			t.Errorf("Cc %q, want the organizer (%v)", m.Header.Get("Cc"), err)
		}
		if len(m.To) != 2 || m.To[0] != "ceo@platform.example" || m.To[1] != organizer {
			t.Errorf("SMTP recipients %q, want the target and the organizer", m.To)
		}
		app.Mail.Wait(t, organizer, "Petition: Stop tracking us")
		time.Sleep(200 * time.Millisecond) // a second mail would be on its way
		n := 0
		for _, got := range app.Mail.All() {
			if strings.Contains(got.Subject, "Stop tracking us") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d delivery mails, want one", n)
		}
	})
}

// The signers' export carries each signer's consents and, for every blank
// name or address, why it is blank, headers in the reader's language.
func TestSignersExportExplainsEveryBlank(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		for _, s := range []map[string]any{
			{"person": map[string]any{"given_name": "Ana", "email_addresses": []map[string]any{{"address": "ana@example.org"}}},
				"origin_system": "paper", "share_with_target": true, "contact_ok": true},
			{"person": map[string]any{"given_name": "Bob", "email_addresses": []map[string]any{{"address": "bob@example.org"}}}, "origin_system": "paper"},
			{"person": map[string]any{"email_addresses": []map[string]any{{"address": "cy@example.org"}}}, "origin_system": "paper", "contact_ok": true},
		} {
			if st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", token, s, nil); st != http.StatusCreated {
				t.Fatalf("import: %d", st)
			}
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		_, raw := b.Get(t, path+"/signers.csv")
		rows, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
		if err != nil || len(rows) != 4 {
			t.Fatalf("csv: %v, %d rows\n%s", err, len(rows), raw)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		cell := func(row int, h string) string {
			i, ok := col[h]
			if !ok {
				t.Fatalf("no column %q in %v", h, rows[0])
			}
			return rows[row][i]
		}
		byEmailOrName := map[string]int{}
		for i := 1; i < len(rows); i++ {
			byEmailOrName[cell(i, "Email")+cell(i, "Name")] = i
		}
		ana, cy := byEmailOrName["ana@example.orgAna"], byEmailOrName["cy@example.org"]
		bob := 6 - ana - cy
		if ana == 0 || cy == 0 || bob < 1 || bob > 3 {
			t.Fatalf("rows not found: %v", rows)
		}
		if cell(ana, "Agreed to give their name to the target") != "yes" || cell(ana, "Why the name is blank") != "" || cell(ana, "Why the email is blank") != "" {
			t.Errorf("Ana: %v", rows[ana])
		}
		if cell(bob, "Name") != "" || cell(bob, "Why the name is blank") != "no consent to show or share their name" ||
			cell(bob, "Why the email is blank") != "no consent to be contacted" || cell(bob, "Agreed to be contacted") != "no" {
			t.Errorf("Bob's blanks are not explained: %v", rows[bob])
		}
		if cell(cy, "Why the name is blank") != "not given" {
			t.Errorf("Cy gave no name: %v", rows[cy])
		}
		lacks(t, "csv", raw, "Bob", "bob@example.org")
		fr := app.Browser()
		fr.Lang = "fr"
		fr.SignIn(t, organizer, "correct horse battery")
		_, raw = fr.Get(t, path+"/signers.csv")
		contains(t, "French csv", raw, "Pourquoi le nom est vide", "pas d’accord pour montrer ou transmettre son nom", "non renseigné")
	})
}

// A petition to several targets is delivered in one mail: to the first
// target with an address, the others with one and the organizer in Cc,
// each a recipient of that one message; a target without an address gets
// nothing.
func TestDeliveryToSeveralTargetsIsOneMailWithTheOthersInCc(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		if st := app.API(t, "PUT", "/api/v1/petitions/"+p.id(), token, map[string]any{"target": []map[string]any{
			{"name": "Platform Inc.", "email": "ceo@platform.example"}, {"name": "The regulator"},
			{"name": "Platform Europe", "email": "dpo@platform.example"}}}, nil); st != http.StatusOK {
			t.Fatalf("targets: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		if st, _ := b.Post(t, strings.TrimPrefix(p.BrowserURL, app.URL)+"/deliver", url.Values{"confirm": {"yes"}}); st != 200 {
			t.Fatalf("deliver: %d", st)
		}
		m := app.Mail.Wait(t, "ceo@platform.example", "Petition: Stop tracking us")
		if got := strings.Join(m.To, " "); got != "ceo@platform.example dpo@platform.example "+organizer {
			t.Errorf("SMTP recipients %q", got)
		}
		cc, err := mail.ParseAddressList(m.Header.Get("Cc"))
		if err != nil || len(cc) != 2 || cc[0].Address != "dpo@platform.example" || cc[1].Address != organizer {
			t.Errorf("Cc %q (%v)", m.Header.Get("Cc"), err)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(app.Mail.All()); n != 1 {
			t.Errorf("%d mails, want the one delivery", n)
		}
	})
}
