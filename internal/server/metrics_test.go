package server_test

import (
	"regexp"
	"strings"
	"testing"

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
