package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/demo"
	"repertoire/internal/testkit"
)

// /metrics is standard Prometheus text: every family has # HELP and
// # TYPE, histograms have le buckets that histogram_quantile reads (no
// VictoriaMetrics vmrange), and the queue gauges are there.
func TestMetricsArePrometheusText(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		if status, _, _ := get(t, app.URL+"/signin"); status != 200 {
			t.Fatalf("sign-in page: %d", status)
		}
		status, h, body := get(t, app.URL+"/metrics")
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain; version=0.0.4") {
			t.Fatalf("/metrics: %d %s", status, h.Get("Content-Type"))
		}
		for _, want := range []string{
			"# HELP repertoire_http_requests_total",
			"# TYPE repertoire_http_requests_total counter",
			"# TYPE repertoire_http_request_duration_seconds histogram",
			`repertoire_http_request_duration_seconds_sum{kind="page"}`,
			`repertoire_http_request_duration_seconds_count{kind="page"}`,
			`repertoire_http_request_duration_seconds_bucket{kind="page",le="+Inf"}`,
			"# TYPE repertoire_mail_send_duration_seconds histogram",
			"# TYPE repertoire_outbox_backlog gauge",
			"# TYPE repertoire_participation_queue_depth gauge",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("no %s", want)
			}
		}
		if !regexp.MustCompile(`(?m)^repertoire_http_request_duration_seconds_bucket\{kind="page",le="0\.\d+"\} [1-9]`).MatchString(body) {
			t.Error("the page request is in no finite le bucket")
		}
		if !regexp.MustCompile(`(?m)^repertoire_outbox_backlog \d+$`).MatchString(body) {
			t.Error("the outbox backlog is not a count")
		}
		if strings.Contains(body, "vmrange") {
			t.Error("VictoriaMetrics histograms (vmrange) left")
		}
		// Every sample's family has its # TYPE line.
		typed := map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(body, -1) {
			typed[m[1]] = true
		}
		for _, line := range strings.Split(body, "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*`).FindString(line)
			base := regexp.MustCompile(`_(bucket|sum|count)$`).ReplaceAllString(name, "")
			if !typed[name] && !typed[base] {
				t.Errorf("no # TYPE for %s", line)
				break
			}
		}
	})
}

// Every metric the Grafana dashboard in docs/ queries is one the server
// exports, seen in a scrape after a signature went through the group
// commit and its mail through the outbox.
func TestGrafanaDashboardQueriesExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("../../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		SchemaVersion int `json:"schemaVersion"`
		Panels        []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	app := testkit.Start(t)
	if err := demo.Load(context.Background(), app.DB, app.Server.Catalog, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var petitions struct {
		Embedded struct {
			Petitions []struct{ Identifiers []string } `json:"osdi:petitions"`
		} `json:"_embedded"`
	}
	if status := app.API(t, "GET", "/api/v1/petitions", "", nil, &petitions); status != 200 || len(petitions.Embedded.Petitions) == 0 {
		t.Fatalf("petitions: %d", status)
	}
	id := strings.TrimPrefix(petitions.Embedded.Petitions[0].Identifiers[0], "repertoire:")
	sign := `{"person": {"given_name": "Ana", "email_addresses": [{"address": "ana@example.org"}]}}`
	if status := app.API(t, "POST", "/api/v1/petitions/"+id+"/signatures", "", sign, nil); status != 202 {
		t.Fatalf("sign: %d", status)
	}
	app.Mail.Wait(t, "ana@example.org", "")
	_, _, body := get(t, app.URL+"/metrics")
	exported := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]`).FindAllStringSubmatch(body, -1) {
		exported[m[1]] = true
	}
	queried := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, name := range regexp.MustCompile(`\brepertoire_[a-z0-9_]+`).FindAllString(target.Expr, -1) {
				queried++
				if !exported[name] {
					t.Errorf("panel %q queries %s, which /metrics does not export", p.Title, name)
				}
			}
		}
	}
	if queried == 0 || dash.SchemaVersion == 0 {
		t.Fatalf("no query read from the dashboard (schema %d)", dash.SchemaVersion)
	}
}
