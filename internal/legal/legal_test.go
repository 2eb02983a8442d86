package legal_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store/storetest"
	"repertoire/internal/target"
	"repertoire/internal/testkit"
)

type actionDoc struct {
	ID         string `json:"id"`
	BrowserURL string `json:"browser_url"`
	Status     *struct {
		Requests int `json:"requests"`
		InTime   int `json:"answered_in_time"`
		Overdue  int `json:"overdue"`
		Waiting  int `json:"waiting"`
	} `json:"status"`
	TotalEnrolments int `json:"total_enrolments"`
}

type fixture struct {
	app           *testkit.App
	org           string
	campaign      string
	action        actionDoc
	path          string
	dpc, facebook *target.Target
}

const mandateText = "I mandate the community to act on my behalf in this action."

// setup loads the directory and creates a campaign with an access-request
// drive against Meta Platforms Ireland, whose lead authority is the DPC.
func setup(t *testing.T, app *testkit.App, kind string) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := target.LoadEmbedded(ctx, app.DB); err != nil {
		t.Fatal(err)
	}
	f := &fixture{app: app, org: app.Token(t, "org@example.org", "Olga Organizer", false)}
	var err error
	dir := target.NewStore(app.DB)
	if f.dpc, err = dir.BySlug(ctx, target.SourceDatenanfragen, "iedpc"); err != nil {
		t.Fatal(err)
	}
	if f.facebook, err = dir.BySlug(ctx, target.SourceDatenanfragen, "facebook"); err != nil {
		t.Fatal(err)
	}
	if st := app.API(t, "POST", "/api/v1/communities", f.org, map[string]string{"name": "Facebook users", "slug": "fb-users"}, nil); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	var c struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", f.org, map[string]any{"title": "Our data", "slug": "data", "community": "fb-users"}, &c); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	f.campaign = c.ID
	body := map[string]any{"campaign": c.ID, "kind": kind, "title": "Ask Meta for our data", "slug": "ask-meta",
		"questions": []string{"Do you have a Facebook account?"}, "mandate": mandateText, "portability": true,
		"company": map[string]any{"target": f.facebook.ID, "email": "privacy@meta.example"}, "authority": f.dpc.ID}
	if st := app.API(t, "POST", "/api/v1/legal_actions", f.org, body, &f.action); st != 201 {
		t.Fatalf("create legal action: %d", st)
	}
	f.path = strings.TrimPrefix(f.action.BrowserURL, app.URL)
	return f
}

// enrol enrols from the public page and confirms from the mail; it
// returns the enrolee's page (from the mail) and their browser.
func (f *fixture) enrol(t *testing.T, email, name, country, lang string) (string, *testkit.Browser) {
	t.Helper()
	b := f.app.Browser()
	b.Lang = lang
	st, body := b.Post(t, f.path+"/enrol", url.Values{"given_name": {name}, "email": {email}, "country": {country},
		"q0": {"yes"}, "mandate": {"1"}})
	if st != 200 {
		t.Fatalf("enrol: %d\n%s", st, body)
	}
	subject := map[string]string{"en": "Confirm your enrolment", "fr": "Confirmez votre inscription"}[lang]
	m := f.app.Mail.Wait(t, email, subject)
	page := strings.TrimPrefix(m.Link(t, "/legal/e/"), f.app.URL)
	if st, body := b.Post(t, m.Link(t, "/p/confirm/"), nil); st != 200 {
		t.Fatalf("confirm: %d\n%s", st, body)
	}
	return page, b
}

func upload(t *testing.T, b *testkit.Browser, base, path, name string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", base+path+"/files", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept-Language", b.Lang)
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}

func filesOnDisk(t *testing.T, app *testkit.App) int {
	entries, err := os.ReadDir(filepath.Join(app.Server.Config.DataDir, "legal-files"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// Enrolling asks the eligibility answers and the mandate (refusals name
// the field, in the reader's language, and keep what was typed), is
// confirmed by mail, takes files checked by their content and size,
// served only to the enrolee and the organizers; the organizers see each
// enrolee's completeness, and withdrawing deletes the files.
func TestEnrolWithAnswersMandateAndFiles(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "group_action")
		st, page := app.Browser().Get(t, f.path)
		if st != 200 || !strings.Contains(page, mandateText) || !strings.Contains(page, `name="mandate" value="1">`) {
			t.Fatalf("action page: %d, lacks the mandate and its unticked box\n%s", st, page)
		}
		for lang, want := range map[string][]string{"en": {"Answer yes or no.", "Tick the box to sign the mandate"},
			"fr": {"Répondez oui ou non.", "Cochez la case pour signer le mandat"}} {
			b := app.Browser()
			b.Lang = lang
			st, page := b.Post(t, f.path+"/enrol", url.Values{"given_name": {"Ada"}, "email": {"ada@example.org"}})
			if st != 422 || !strings.Contains(page, want[0]) || !strings.Contains(page, want[1]) || !strings.Contains(page, `value="ada@example.org"`) {
				t.Errorf("%s: enrol without answers: %d, want 422 with %q and the typed values", lang, st, want)
			}
		}

		mine, b := f.enrol(t, "ada@example.org", "Ada", "FR", "en")
		if st, page := b.Get(t, mine); st != 200 {
			t.Fatalf("%s: %d\n%s", mine, st, page)
		}
		for _, tc := range []struct {
			name string
			data []byte
			want string
		}{
			{"evidence.pdf", []byte("just text, named like a PDF"), "Only PDF, PNG and JPEG files are taken"},
			{"big.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 10<<20)...), "This file is too large: at most 10 MB."},
		} {
			if st, page := upload(t, b, app.URL, mine, tc.name, tc.data); st != 422 || !strings.Contains(page, tc.want) {
				t.Errorf("upload %s: %d, want 422 with %q", tc.name, st, tc.want)
			}
		}
		pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")
		if st, page := upload(t, b, app.URL, mine, "../../contract.exe", pdf); st != 200 || !strings.Contains(page, "contract.exe") {
			t.Fatalf("upload a PDF: %d\n%s", st, page)
		}
		if n := filesOnDisk(t, app); n != 1 {
			t.Fatalf("files on disk: %d, want 1", n)
		}
		_, page = b.Get(t, mine)
		i := strings.Index(page, mine+"/files/")
		if i < 0 {
			t.Fatalf("the enrolee's page lists no file\n%s", page)
		}
		fileID := page[i+len(mine+"/files/"):]
		fileID = fileID[:strings.IndexByte(fileID, '"')]
		resp, err := http.Get(app.URL + mine + "/files/" + fileID)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("the enrolee's file: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		// Another enrolee's link does not open it; a visitor cannot reach the organizers' copy.
		other, _ := f.enrol(t, "bob@example.org", "Bob", "DE", "en")
		if st, _ := app.Browser().Get(t, other+"/files/"+fileID); st != 404 {
			t.Errorf("another enrolee's link opened the file: %d", st)
		}
		if st, body := app.Browser().Get(t, f.path+"/files/"+fileID); strings.Contains(body, "%PDF") {
			t.Errorf("a visitor opened the file: %d", st)
		}

		// The organizers see each enrolee's completeness.
		ob := app.Browser()
		ob.SignIn(t, "org@example.org", "correct horse battery")
		st, page = ob.Get(t, f.path+"/enrolees")
		if st != 200 || strings.Count(page, `class="complete-true"`) != 1 || strings.Count(page, `class="complete-false"`) != 1 {
			t.Fatalf("organizers' page: %d, want one complete enrolee (Ada, with a file) and one not (Bob)\n%s", st, page)
		}
		if st, _ := ob.Get(t, f.path+"/files/"+fileID); st != 200 {
			t.Errorf("the organizer's copy: %d", st)
		}
		var list struct {
			Embedded struct {
				Items []struct {
					Complete     bool            `json:"complete"`
					Completeness map[string]bool `json:"completeness"`
					Answers      []string        `json:"answers"`
				} `json:"repertoire:enrolments"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", "/api/v1/legal_actions/"+f.action.ID+"/enrolments", f.org, nil, &list); st != 200 ||
			len(list.Embedded.Items) != 2 || !list.Embedded.Items[0].Complete || list.Embedded.Items[1].Completeness["files"] ||
			list.Embedded.Items[0].Answers[0] != "yes" {
			t.Errorf("enrolments API: %d %+v", st, list)
		}
		if st := app.API(t, "GET", "/api/v1/legal_actions/"+f.action.ID+"/enrolments", "", nil, nil); st != 401 {
			t.Errorf("enrolments API without a token: %d", st)
		}

		// Withdrawing deletes the files.
		if st, body := b.Post(t, "/p/withdraw/"+strings.TrimPrefix(mine, "/legal/e/"), nil); st != 200 {
			t.Fatalf("withdraw: %d\n%s", st, body)
		}
		if n := filesOnDisk(t, app); n != 0 {
			t.Errorf("files on disk after withdrawal: %d", n)
		}
		if st, _ := ob.Get(t, f.path+"/files/"+fileID); st != 404 {
			t.Errorf("a withdrawn enrolee's file: %d", st)
		}
	})
}

// Erasing a person erases their enrolments: answers, clock, page links,
// files on disk; no row names the enrolment after.
func TestErasureDeletesEnrolments(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "access_requests")
		token := app.Token(t, "ada@example.org", "Ada", false)
		mine, b := f.enrol(t, "ada@example.org", "Ada", "FR", "en")
		if st, _ := upload(t, b, app.URL, mine, "proof.png", []byte("\x89PNG\r\n\x1a\n0000")); st != 200 {
			t.Fatalf("upload: %d", st)
		}
		if st, _ := b.Post(t, mine+"/sent", url.Values{"sent_on": {time.Now().AddDate(0, 0, -40).Format(time.DateOnly)}}); st != 200 {
			t.Fatalf("sent: %d", st)
		}
		app.Mail.Wait(t, "ada@example.org", "is late")
		id := strings.SplitN(strings.TrimPrefix(mine, "/legal/e/"), ".", 2)[0]
		if n := filesOnDisk(t, app); n != 1 || len(storetest.Find(t, app.DB, id)) < 3 {
			t.Fatalf("before: %d files, %v", n, storetest.Find(t, app.DB, id))
		}
		// Her export holds what her enrolment keeps.
		ab := app.Browser()
		ab.SignIn(t, "ada@example.org", "correct horse battery")
		if st, export := ab.Get(t, "/account/export"); st != 200 || !strings.Contains(export, `"legal_enrolments"`) ||
			!strings.Contains(export, `"proof.png"`) || !strings.Contains(export, `"answers"`) {
			t.Errorf("export: %d\n%s", st, export)
		}
		var personID string
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, "ada@example.org").Scan(&personID); err != nil {
			t.Fatal(err)
		}
		if st := app.API(t, "DELETE", "/api/v1/people/"+personID, token, nil, nil); st != 204 {
			t.Fatalf("erase: %d", st)
		}
		if n := filesOnDisk(t, app); n != 0 {
			t.Errorf("files on disk after the erasure: %d", n)
		}
		if found := storetest.Find(t, app.DB, id); len(found) > 0 {
			t.Errorf("the enrolment is still named in %v", found)
		}
	})
}

// Organizers create a legal action from the campaign's form, naming the
// company and its lead authority by their directory slugs; an unknown
// slug is refused by name, in the reader's language, with the form kept.
func TestOrganizersCreateFromTheForm(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "group_action")
		ob := app.Browser()
		ob.SignIn(t, "org@example.org", "correct horse battery")
		ob.Lang = "fr"
		form := url.Values{"kind": {"access_requests"}, "title": {"Demandons nos données"}, "company": {"no-such-company"}, "authority": {"iedpc"},
			"questions": {"Avez-vous un compte ?\nÊtes-vous dans l’UE ?"}, "portability": {"on"}}
		st, page := ob.Post(t, "/c/fb-users/data/legal", form)
		if st != 422 || !strings.Contains(page, "Cette entrée n’existe pas dans l’annuaire.") || !strings.Contains(page, `value="Demandons nos données"`) {
			t.Fatalf("an unknown company: %d", st)
		}
		form.Set("company", "facebook")
		if st, page = ob.Post(t, "/c/fb-users/data/legal", form); st != 200 || !strings.Contains(page, "Meta Platforms Ireland Limited") ||
			!strings.Contains(page, "Êtes-vous dans l’UE ?") {
			t.Fatalf("create: %d\n%s", st, page)
		}
		app.Browser().Post(t, "/c/fb-users/data/legal", form) // a visitor is sent to sign in, nothing created
		var list struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/legal_actions?campaign="+f.campaign, "", nil, &list); st != 200 || list.Total != 2 {
			t.Errorf("a visitor's post created an action, or the organizer's did not: %d %d", st, list.Total)
		}
	})
}

// Enrolling again with the same address before confirming mails a
// second link; each link states and keeps the answers it was mailed for:
// nothing is kept before a link is followed, then only its answers.
func TestEachLinkKeepsItsOwnAnswers(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "group_action")
		answers := [2]string{"yes", "no"}
		kept := func() map[string][]string {
			var list struct {
				Embedded struct {
					Items []struct {
						ID      string   `json:"id"`
						Answers []string `json:"answers"`
					} `json:"repertoire:enrolments"`
				} `json:"_embedded"`
			}
			if st := app.API(t, "GET", "/api/v1/legal_actions/"+f.action.ID+"/enrolments", f.org, nil, &list); st != 200 {
				t.Fatalf("enrolments: %d", st)
			}
			out := map[string][]string{}
			for _, e := range list.Embedded.Items {
				out[e.ID] = e.Answers
			}
			return out
		}
		for _, tc := range []struct {
			email   string
			confirm int
		}{{"ann@example.org", 0}, {"bob@example.org", 1}} {
			for _, a := range answers {
				if st, body := app.Browser().Post(t, f.path+"/enrol", url.Values{"given_name": {"Enrolee"}, "email": {tc.email},
					"q0": {a}, "mandate": {"1"}}); st != 200 {
					t.Fatalf("enrol: %d\n%s", st, body)
				}
			}
			var links [2]string
			for _, m := range app.Mail.WaitN(t, tc.email, "Confirm your enrolment", 2) {
				for i, a := range answers {
					if strings.Contains(m.Body, "- question 1: "+a+"\n") && strings.Contains(m.Body, "version 1") {
						links[i] = m.Link(t, "/p/confirm/")
					}
				}
			}
			if links[0] == "" || links[1] == "" || links[0] == links[1] {
				t.Fatalf("%s: each confirmation mail should state its own answers", tc.email)
			}
			id, _, _ := strings.Cut(links[0][strings.LastIndex(links[0], "/")+1:], ".")
			if _, ok := kept()[id]; ok {
				t.Fatalf("%s: answers kept before any link was followed", tc.email)
			}
			if st, body := app.Browser().Post(t, links[tc.confirm], nil); st != 200 {
				t.Fatalf("confirm: %d\n%s", st, body)
			}
			if got := kept()[id]; len(got) != 1 || got[0] != answers[tc.confirm] {
				t.Errorf("%s: kept %q, want the followed link's %q", tc.email, got, answers[tc.confirm])
			}
		}
	})
}
