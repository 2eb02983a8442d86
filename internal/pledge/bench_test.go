package pledge_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"repertoire/internal/i18n"
	"repertoire/internal/participation"
	"repertoire/internal/pledge"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

const benchCommitments = 100_000

// BenchmarkActivationFanOut measures how long a pledge crossing a
// 100,000-commitment threshold takes to put every activation mail into the
// outbox: the counted hook in the transaction of the confirmation that
// crosses it, then the scheduled job that fans the mails out. The 100,000
// confirmed commitments are inserted with set-based SQL beforehand.
//
//	go test -run '^$' -bench ActivationFanOut -benchtime 3x ./internal/pledge/
func BenchmarkActivationFanOut(b *testing.B) {
	engines := map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines["postgres"] = storetest.OpenPostgres
	}
	for name, open := range engines {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := open(b)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			s := pledge.NewStore(db, i18n.MustLoad(), "http://bench.test", log)
			runner := schedule.NewRunner(db, log)
			for kind, h := range s.Jobs() {
				runner.Handle(kind, h)
			}
			campaignID := benchCampaign(b, db)
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				p := benchPledge(b, db, s, campaignID, i)
				b.StartTimer()
				err := db.Write(ctx, func(tx *store.Tx) error {
					return s.Counted(ctx, tx, p.ID, participation.Counts{Confirmed: benchCommitments})
				})
				if err != nil {
					b.Fatal(err)
				}
				for {
					n, err := runner.RunDue(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if n == 0 {
						break
					}
				}
				b.StopTimer()
				var mails int
				if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE person_id LIKE $1`, fmt.Sprintf("b%d-%%", i)).Scan(&mails); err != nil {
					b.Fatal(err)
				}
				if mails != benchCommitments {
					b.Fatalf("%d activation mails in the outbox, want %d", mails, benchCommitments)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(benchCommitments)*float64(b.N)/b.Elapsed().Seconds(), "mails/s")
		})
	}
}

func benchCampaign(b *testing.B, db *store.DB) string {
	b.Helper()
	now := store.Now()
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(context.Background(), `INSERT INTO communities (id, slug, name, created_at, modified_at) VALUES ('bench', 'bench', 'Bench', $1, $1)`, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(context.Background(), `INSERT INTO campaigns (id, community_id, slug, title, created_at, modified_at) VALUES ('bench', 'bench', 'bench', 'Bench', $1, $1)`, now)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return "bench"
}

// benchPledge creates a pledge one commitment short of 100,000 confirmed
// ones, people and commitments inserted set-based.
func benchPledge(b *testing.B, db *store.DB, s *pledge.Store, campaignID string, i int) *pledge.Pledge {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	p, err := s.Create(ctx, "", campaignID, pledge.Input{Title: fmt.Sprintf("Log out %d", i), Action: "log out of Facebook",
		Threshold: benchCommitments, Deadline: now.Add(24 * time.Hour), WindowStart: now.Add(48 * time.Hour), WindowEnd: now.Add(96 * time.Hour)}, now)
	if err != nil {
		b.Fatal(err)
	}
	prefix := fmt.Sprintf("b%d-", i)
	err = db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, preferred_language, created_at, modified_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
			SELECT $2 || CAST(i AS TEXT), $2 || CAST(i AS TEXT) || '@example.org', CASE WHEN i % 3 = 0 THEN 'fr' ELSE 'en' END, $3, $3 FROM n`,
			benchCommitments, prefix, tx.Now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO participations (id, kind, action_id, person_id, status, lang, created_at, confirmed_at, modified_at)
			SELECT 'c' || pe.id, 'commitment', $1, pe.id, 'confirmed', pe.preferred_language, $2, $2, $2 FROM people pe WHERE pe.id LIKE $3`,
			p.ID, tx.Now, prefix+"%"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO action_counters (action_id, kind, confirmed, imported, pending, flagged, withdrawn, modified_at)
			VALUES ($1, 'commitment', $2, 0, 0, 0, 0, $3)`, p.ID, benchCommitments, tx.Now)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkCommit commits to one pledge through the whole server, from 64
// clients at once: through the record helper (api) and through the page's
// form as a browser posts it (form), side by side on the same server.
//
//	go test -run '^$' -bench Commit -benchtime 20000x ./internal/pledge/
func BenchmarkCommit(b *testing.B) {
	testkit.BenchApps(b, func(b *testing.B, app *testkit.App) {
		token := app.Token(b, "org@example.org", "Organizer", false)
		var com, camp struct {
			ID string `json:"id"`
		}
		var p pledgeDoc
		app.API(b, "POST", "/api/v1/communities", token, map[string]any{"name": "Bench", "slug": "bench"}, &com)
		app.API(b, "POST", "/api/v1/campaigns", token, map[string]any{"title": "Bench", "slug": "bench", "community": com.ID}, &camp)
		// A threshold never reached: this measures commitments, not activation.
		if st := app.API(b, "POST", "/api/v1/pledges", token, pledgeBody(camp.ID, 100_000_000), &p); st != http.StatusCreated {
			b.Fatalf("create pledge: %d", st)
		}
		b.Run("api", func(b *testing.B) {
			app.Load(b, 64, testkit.Submitter{Path: "/api/v1/pledges/" + p.ID + "/commitments", Want: http.StatusAccepted,
				Body: func(i int64) []byte {
					return fmt.Appendf(nil, `{"person":{"given_name":"Striker","email_addresses":[{"address":"api%d@bench.example"}],"postal_addresses":[{"locality":"Lyon","country":"FR"}]},"contact_ok":false}`, i)
				}})
		})
		b.Run("form", func(b *testing.B) {
			app.Load(b, 64, testkit.Submitter{Path: "/c/bench/bench/pledges/" + p.Slug + "/commit", Form: true, Want: http.StatusSeeOther,
				Body: func(i int64) []byte {
					return fmt.Appendf(nil, "given_name=Striker&family_name=&email=form%d%%40bench.example&locality=Lyon&country=FR", i)
				}})
		})
	})
}

// csvRows is how many committed people BenchmarkCommittedCSV exports.
const csvRows = 100_000

// BenchmarkCommittedCSV exports a pledge's 100,000 confirmed commitments
// as its organizers do (GET …/commitments.csv through the whole server):
// half of them agreed to be contacted, half left blanks the export
// explains.
//
//	go test -run '^$' -bench CommittedCSV -benchtime 5x ./internal/pledge/
func BenchmarkCommittedCSV(b *testing.B) {
	testkit.BenchApps(b, func(b *testing.B, app *testkit.App) {
		ctx := context.Background()
		token := app.Token(b, "org@example.org", "Organizer", false)
		var com, camp struct {
			ID string `json:"id"`
		}
		var p pledgeDoc
		app.API(b, "POST", "/api/v1/communities", token, map[string]any{"name": "Bench", "slug": "bench"}, &com)
		app.API(b, "POST", "/api/v1/campaigns", token, map[string]any{"title": "Bench", "slug": "bench", "community": com.ID}, &camp)
		if st := app.API(b, "POST", "/api/v1/pledges", token, pledgeBody(camp.ID, 100_000_000), &p); st != http.StatusCreated {
			b.Fatalf("create pledge: %d", st)
		}
		err := app.DB.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, given_name, preferred_language, created_at, modified_at)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
				SELECT 'x' || CAST(i AS TEXT), 'x' || CAST(i AS TEXT) || '@example.org', 'Person', 'en', $2, $2 FROM n`,
				csvRows, tx.Now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO participations (id, kind, action_id, person_id, status, lang, given_name, locality,
				contact_ok, created_at, confirmed_at, modified_at)
				SELECT 'c' || pe.id, 'commitment', $1, pe.id, 'confirmed', 'en', 'Person', 'Lyon', LENGTH(pe.id) % 2 = 0, $2, $2, $2
				FROM people pe WHERE pe.id LIKE 'x%'`, p.ID, tx.Now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO action_counters (action_id, kind, confirmed, imported, pending, flagged, withdrawn, modified_at)
				VALUES ($1, 'commitment', $2, 0, 0, 0, 0, $3)`, p.ID, csvRows, tx.Now)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if app.DB.Dialect == store.Postgres {
			// As autovacuum would have: without statistics on the rows
			// just inserted, the planner sorts instead of seeking.
			if _, err := app.DB.Writer().ExecContext(ctx, `ANALYZE participations`); err != nil {
				b.Fatal(err)
			}
		}
		org := app.Browser()
		org.SignIn(b, "org@example.org", "correct horse battery")
		path := "/c/bench/bench/pledges/" + p.Slug + "/commitments.csv"
		for b.Loop() {
			st, body := org.Get(b, path)
			if st != http.StatusOK {
				b.Fatalf("export: %d", st)
			}
			if n := strings.Count(body, "\n"); n != csvRows+1 {
				b.Fatalf("%d lines, want %d", n, csvRows+1)
			}
		}
		b.ReportMetric(float64(csvRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
