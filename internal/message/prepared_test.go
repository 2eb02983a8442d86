package message_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

var (
	inputField    = regexp.MustCompile(`<input id="f-[a-z_]+" name="([a-z_]+)" type="[a-z]+" value="([^"]*)"`)
	textareaField = regexp.MustCompile(`(?s)<textarea id="f-[a-z_]+" name="([a-z_]+)"[^>]*>(.*?)</textarea>`)
	checkedBox    = regexp.MustCompile(`name="(include|exclude)" value="([^"]+)" id="[a-z]+-\d+" checked`)
	hiddenOrigin  = regexp.MustCompile(`name="origin" value="([^"]*)"`)
)

// editorForm reads what the message editor's page holds, as a browser
// would post it.
func editorForm(page string) url.Values {
	f := url.Values{}
	for _, m := range inputField.FindAllStringSubmatch(page, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range textareaField.FindAllStringSubmatch(page, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range checkedBox.FindAllStringSubmatch(page, -1) {
		f.Add(m[1], m[2])
	}
	if m := hiddenOrigin.FindStringSubmatch(page); m != nil {
		f.Set("origin", html.UnescapeString(m[1]))
	}
	return f
}

// The whole path of telling signers: the organizer delivers the
// petition, follows the link its page offers to a prepared message,
// saves and sends it; the signers who agreed to hear from them receive
// it in their language, the others nothing. The same once the target
// answers.
func TestSignersHearOfTheDeliveryAndTheAnswer(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		f.sign(t, "ana@example.org", "Ana", "en", true)
		f.sign(t, "bea@example.org", "Béa", "fr", true)
		f.sign(t, "carl@example.org", "Carl", "en", false)
		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		var p struct {
			BrowserURL string `json:"browser_url"`
		}
		app.API(t, "GET", "/api/v1/petitions/"+f.petition, f.org, nil, &p)
		petition := strings.TrimPrefix(p.BrowserURL, app.URL)
		manage := petition + "/manage"
		if st, _ := b.Post(t, petition+"/deliver", url.Values{"note": {"By hand."}, "confirm": {"yes"}}); st != http.StatusOK {
			t.Fatalf("deliver: %d", st)
		}
		tell := func(about string, subjects map[string]string) {
			t.Helper()
			st, page := b.Get(t, manage)
			link := regexp.MustCompile(`href="(/c/riders/messages/new\?action=[^"&]+&amp;about=` + about + `)"`).FindStringSubmatch(page)
			if st != http.StatusOK || link == nil {
				t.Fatalf("the petition's page (%d) offers no message about %s", st, about)
			}
			_, editor := b.Get(t, html.UnescapeString(link[1]))
			form := editorForm(editor)
			if form.Get("subject_en") != subjects["ana@example.org"] || form.Get("subject_fr") != subjects["bea@example.org"] || len(form["include"]) != 1 {
				t.Fatalf("prepared message: %v", form)
			}
			form.Set("do", "save")
			if st, _ := b.Post(t, "/c/riders/messages", form); st != http.StatusOK {
				t.Fatalf("save: %d", st)
			}
			var list struct {
				Embedded struct {
					Messages []messageDoc `json:"osdi:messages"`
				} `json:"_embedded"`
			}
			app.API(t, "GET", "/api/v1/messages", f.org, nil, &list)
			if len(list.Embedded.Messages) == 0 || list.Embedded.Messages[0].Subject != subjects["ana@example.org"] {
				t.Fatalf("saved messages: %+v", list.Embedded.Messages)
			}
			id := list.Embedded.Messages[0].ID
			if st, page := b.Get(t, "/messages/"+id+"/send"); st != http.StatusOK || !strings.Contains(page, "2 people") {
				t.Fatalf("confirmation %d:\n%s", st, page)
			}
			if st, _ := b.Post(t, "/messages/"+id+"/send", url.Values{"when": {"now"}}); st != http.StatusOK {
				t.Fatalf("send: %d", st)
			}
			for to, subject := range subjects {
				app.Mail.Wait(t, to, subject)
			}
			f.waitFor(t, id, "sent", func(d messageDoc) bool { return d.Status == "sent" && d.Statistics.Sent == 2 })
			if ms := mailsOf(t, app, id); len(ms) != 2 || ms["carl@example.org"] != 0 {
				t.Errorf("mails of the message about %s: %v", about, ms)
			}
		}
		tell("delivered", map[string]string{"ana@example.org": "Our petition “Pay us per hour” was delivered",
			"bea@example.org": "Notre pétition « Pay us per hour » a été remise"})

		_, page := b.Get(t, manage)
		answer := regexp.MustCompile(`action="([^"]+/deliveries/[^"]+/answer)"`).FindStringSubmatch(page)
		if answer == nil {
			t.Fatal("no form to record the answer")
		}
		if st, _ := b.Post(t, answer[1], url.Values{"answer": {"We will meet you."}}); st != http.StatusOK {
			t.Fatalf("record the answer: %d", st)
		}
		tell("answered", map[string]string{"ana@example.org": "“Pay us per hour”: an answer", "bea@example.org": "« Pay us per hour » : une réponse"})
	})
}
