package letter_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// A letter by post prints as a PDF from its writer's printable page:
// their name and the address they typed (kept nowhere), the target's
// address block, today's date in the writer's language, the subject and
// the text, French accents intact. Organizers get every counted letter
// to a target as one PDF; visitors get none.
func TestLetterPDFs(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		cnil := map[string]any{"name": "Commission nationale de l’informatique et des libertés", "title": "Présidente",
			"postal_address": "3 place de Fontenoy\nTSA 80715\n75334 Paris Cedex 07", "country": "FR"}
		l := f.letter(t, map[string]any{"type": "postal mail"}, cnil)

		fr := app.Browser()
		fr.Lang = "fr"
		form := url.Values{"given_name": {"Anaïs"}, "family_name": {"Lefèvre"}, "email": {"anais@example.org"}, "locality": {"Besançon"},
			"subject": {"Le bouton « J’aime » nous piste"}, "message": {"Madame la Présidente,\n\nLe bouton « J’aime » signale nos lectures à Facebook."}}
		if st, body := fr.Post(t, l.path(app)+"/write", form); st != 200 {
			t.Fatalf("write: %d\n%s", st, body)
		}
		confirm(t, app, app.Mail.Wait(t, "anais@example.org", "lettre"))
		link := app.Mail.Wait(t, "anais@example.org", "à envoyer").Link(t, "/letters/post/")
		if st, page := fr.Get(t, link); st != 200 || !strings.Contains(page, link[strings.Index(link, "/letters/post/"):]+"/letter.pdf") {
			t.Fatalf("the printable page does not offer the PDF: %d\n%s", st, page)
		}

		st, pdf := fr.Post(t, link+"/letter.pdf", url.Values{"address": {"12 rue des Granges\n25000 Besançon"}})
		if st != 200 || !strings.HasPrefix(pdf, "%PDF-") {
			t.Fatalf("the writer's PDF: %d %.40q", st, pdf)
		}
		text := testkit.PDFText(t, []byte(pdf))
		for _, want := range []string{"Anaïs Lefèvre", "12 rue des Granges", "25000 Besançon", "l’informatique et des libertés", "Présidente",
			"TSA 80715", "75334 Paris Cedex 07", web.FormatDate("fr", time.Now()), "Objet : Le bouton « J’aime » nous piste",
			"Le bouton « J’aime » signale nos lectures à Facebook."} {
			if !strings.Contains(text, want) {
				t.Errorf("the writer's PDF lacks %q:\n%s", want, text)
			}
		}
		if _, pdf := fr.Get(t, link+"/letter.pdf"); !strings.Contains(testkit.PDFText(t, []byte(pdf)), "Anaïs Lefèvre\nBesançon") {
			t.Errorf("without an address, the sender block lacks the writer's place")
		}
		if st, _ := app.Browser().Get(t, "/letters/post/"+strings.Split(link[strings.Index(link, "/letters/post/")+14:], ".")[0]+".forged/letter.pdf"); st != http.StatusNotFound {
			t.Errorf("a forged link's PDF: %d, want 404", st)
		}

		confirm(t, app, f.write(t, l, "bob@example.org", "Bob", nil))
		doc := f.get(t, l.ID)
		path := l.path(app) + "/targets/" + doc.Targets[0].ID + "/letters.pdf"
		if _, body := app.Browser().Get(t, path); strings.HasPrefix(body, "%PDF-") {
			t.Errorf("a visitor got the target's letters")
		}
		org := app.Browser()
		org.SignIn(t, "org@example.org", "correct horse battery")
		if _, page := org.Get(t, l.path(app)); !strings.Contains(page, "/targets/"+doc.Targets[0].ID+"/letters.pdf") {
			t.Errorf("the organizers' page does not link the target's PDF")
		}
		st, pdf = org.Get(t, path)
		if st != 200 || !strings.HasPrefix(pdf, "%PDF-") {
			t.Fatalf("the target's PDF: %d", st)
		}
		text = testkit.PDFText(t, []byte(pdf))
		for _, want := range []string{"Anaïs Lefèvre", "Bob Writer", "Objet : Le bouton « J’aime » nous piste", "Subject: The like button tracks us",
			"I never agreed to this.", web.FormatDate("en", time.Now())} {
			if !strings.Contains(text, want) {
				t.Errorf("the target's PDF lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "12 rue des Granges") {
			t.Errorf("the address Anaïs typed for her print was kept")
		}
		if pages := strings.Count(text, "\f"); pages < 2 {
			t.Errorf("%d pages, want a page per letter", pages)
		}
	})
}
