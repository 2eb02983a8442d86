package legal_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"repertoire/internal/legal"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

var mailtoRE = regexp.MustCompile(`href="(mailto:[^"]+)"`)

// The enrolee's page holds the request in their language, addressed to the
// company's privacy contact, as a well-formed mailto: link and a printable
// text; the sending date starts the clock (due one month later, three when
// extended), a reminder mail goes out before the due date, and past it the
// request is overdue and the page offers a complaint to the company's lead
// authority and the enrolee's own. The public status counts them.
func TestAccessRequestClock(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "access_requests")
		ada, adaB := f.enrol(t, "ada@example.org", "Ada Lovelace", "FR", "fr")
		for lang, want := range map[string][]string{
			"fr": {"Demande d’accès et de portabilité des données personnelles (articles 15 et 20 du RGPD)", "article 15, paragraphe 1, points a) à h)", "article 15, paragraphe 3", "dans un délai d’un mois", "article 20 du RGPD", "Meta Platforms Ireland Limited"},
			"en": {"Subject access and portability request (Articles 15 and 20 GDPR)", "(Article 15(1)(a) to (h))", "(Article 15(3))", "within one month of receipt", "under Article 20 GDPR", "Meta Platforms Ireland Limited"},
		} {
			adaB.Lang = lang
			st, page := adaB.Get(t, ada)
			for _, w := range want {
				if st != 200 || !strings.Contains(html.UnescapeString(page), w) {
					t.Errorf("%s request page: %d, lacks %q", lang, st, w)
				}
			}
			m := mailtoRE.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("%s: no mailto link", lang)
			}
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil || u.Scheme != "mailto" || u.Opaque != "privacy@meta.example" || u.Query().Get("subject") != want[0] ||
				!strings.Contains(u.Query().Get("body"), "Ada Lovelace") || !strings.Contains(u.Query().Get("body"), "ada@example.org") ||
				strings.Contains(m[1], "+") || strings.Contains(m[1], " ") {
				t.Errorf("%s mailto: %v %q", lang, err, m[1])
			}
			st, text := adaB.Get(t, ada+"/request.txt")
			if st != 200 || !strings.Contains(text, want[0]) || !strings.Contains(text, "4 Grand Canal Square") {
				t.Errorf("%s printable request: %d\n%s", lang, st, text)
			}
		}
		adaB.Lang = "en"

		// Sent 25 days ago: due in about five days, so the reminder is due now.
		now := store.Now()
		sent := now.AddDate(0, 0, -25).Truncate(24 * time.Hour)
		if st, page := adaB.Post(t, ada+"/sent", url.Values{"sent_on": {now.AddDate(0, 0, 2).Format(time.DateOnly)}}); st != 422 ||
			!strings.Contains(page, "This date is still to come") {
			t.Errorf("a sending date ahead: %d", st)
		}
		if st, page := adaB.Post(t, ada+"/sent", url.Values{"sent_on": {sent.Format(time.DateOnly)}}); st != 200 ||
			!strings.Contains(page, "Answer due by "+sent.AddDate(0, 1, 0).Format("2 January 2006")) {
			t.Fatalf("record the sending date: %d, want the due date one month later\n%s", st, page)
		}
		m := app.Mail.Wait(t, "ada@example.org", "Meta Platforms Ireland Limited doit répondre à votre demande d’ici le "+web.FormatDate("fr", sent.AddDate(0, 1, 0)))
		if !strings.Contains(m.Body, "RGPD art. 12, paragraphe 3") || !strings.Contains(m.Body, "/legal/e/") {
			t.Errorf("reminder mail:\n%s", m.Body)
		}
		if st, page := adaB.Get(t, strings.TrimPrefix(m.Link(t, "/legal/e/"), app.URL)); st != 200 || !strings.Contains(page, "Answer due by") {
			t.Errorf("the reminder's link: %d", st)
		}

		// The company extends: due three months after sending, no overdue.
		if st, page := adaB.Post(t, ada+"/extend", nil); st != 200 ||
			!strings.Contains(page, "Answer due by "+sent.AddDate(0, 3, 0).Format("2 January 2006")) {
			t.Fatalf("extension: %d\n%s", st, page)
		}

		// Bob sent his 40 days ago: overdue once the due job runs.
		bob, bobB := f.enrol(t, "bob@example.org", "Bob", "FR", "en")
		if st, _ := bobB.Post(t, bob+"/sent", url.Values{"sent_on": {now.AddDate(0, 0, -40).Format(time.DateOnly)}}); st != 200 {
			t.Fatalf("bob sent: %d", st)
		}
		m = app.Mail.Wait(t, "bob@example.org", "Meta Platforms Ireland Limited is late: your complaint is ready")
		bob = strings.TrimPrefix(m.Link(t, "/legal/e/"), app.URL)
		st, page := bobB.Get(t, bob)
		page = html.UnescapeString(page)
		for _, w := range []string{"Your complaint is ready", "Irish Data Protection Commission", "info@dataprotection.ie",
			"Commission Nationale de l'Informatique et des Libertés", "Complaint under Article 77 GDPR: access request to Meta Platforms Ireland Limited",
			"To this day I have received no answer."} {
			if st != 200 || !strings.Contains(page, w) {
				t.Errorf("overdue page lacks %q", w)
			}
		}
		if st, text := bobB.Get(t, bob+"/complaint.txt"); st != 200 || !strings.Contains(text, "Article 77") || !strings.Contains(text, "Irish Data Protection Commission") {
			t.Errorf("printable complaint: %d\n%s", st, text)
		}
		if st, _ := adaB.Get(t, ada+"/complaint.txt"); st != 409 {
			t.Errorf("Ada's complaint before her due date: %d, want 409", st)
		}
		for _, mm := range app.Mail.All() {
			if strings.Contains(mm.Subject, "must answer your request") && strings.Contains(strings.Join(mm.To, ","), "bob") {
				t.Errorf("bob got a reminder after his due date")
			}
		}

		// Ada's company answers completely, in time.
		if st, _ := adaB.Post(t, ada+"/answer", url.Values{"answer": {"complete"}}); st != 200 {
			t.Fatalf("answer: %d", st)
		}
		var doc actionDoc
		if st := app.API(t, "GET", "/api/v1/legal_actions/"+f.action.ID, "", nil, &doc); st != 200 || doc.Status == nil ||
			doc.Status.Requests != 2 || doc.Status.InTime != 1 || doc.Status.Overdue != 1 || doc.TotalEnrolments != 2 {
			t.Fatalf("public status: %d %+v", st, doc.Status)
		}
		if st, page := app.Browser().Get(t, f.path); st != 200 || !strings.Contains(page, "2 requests, 1 answered in time, 1 overdue") {
			t.Errorf("public page lacks the status: %d", st)
		}
		fr := app.Browser()
		fr.Lang = "fr"
		if _, page := fr.Get(t, f.path); !strings.Contains(page, "2 demandes, 1 avec réponse dans le délai, 1 en retard") {
			t.Errorf("public page in French lacks the status")
		}
	})
}

// A due date that passes while the server is down: the server stops, the
// request's due date is behind it when it starts again, and the job written
// due in the past runs at the start, once.
func TestDueDatePassedWhileServerDown(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		sink := testkit.StartSink(t)
		dataDir := t.TempDir()
		app, stop := start(t, db, sink, dataDir)
		f := setup(t, app, "access_requests")
		page, _ := f.enrol(t, "ada@example.org", "Ada", "IE", "en")
		id := strings.SplitN(strings.TrimPrefix(page, "/legal/e/"), ".", 2)[0]
		stop()

		// While it is down: the request was sent two months before now, so
		// its reminder and due date passed while nothing ran them.
		ctx := context.Background()
		e, err := legal.NewStore(db).Sent(ctx, id, store.Now().AddDate(0, -2, 0))
		if err != nil || e.DueAt == nil || !e.DueAt.Before(store.Now()) {
			t.Fatalf("sent: %v %+v", err, e)
		}
		app, stop = start(t, db, sink, dataDir)
		defer stop()
		app.Mail.Wait(t, "ada@example.org", "Meta Platforms Ireland Limited is late")
		for range 3 {
			if _, err := app.Server.Scheduler.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(200 * time.Millisecond)
		n := 0
		for _, m := range app.Mail.All() {
			if strings.Contains(m.Subject, "is late") {
				n++
			}
			if strings.Contains(m.Subject, "must answer your request") {
				t.Errorf("a reminder after the due date: %q", m.Subject)
			}
		}
		if n != 1 {
			t.Errorf("%d overdue mails, want 1", n)
		}
		got, err := legal.NewStore(db).Enrolment(ctx, id)
		if err != nil || got.OverdueAt == nil || got.Clock(store.Now()) != legal.ClockOverdue {
			t.Errorf("after the restart: %v %+v", err, got)
		}
	})
}

// start runs a whole server on db until stop.
func start(t *testing.T, db *store.DB, sink *testkit.Sink, dataDir string) (*testkit.App, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := server.New(server.Config{Addr: ln.Addr().String(), BaseURL: base, SMTP: sink.URL(), DataDir: dataDir}, db,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx, ln); close(done) }()
	return &testkit.App{URL: base, DB: db, Mail: sink, Server: srv}, func() { cancel(); <-done }
}
