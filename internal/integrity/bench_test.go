package integrity

import "testing"

// BenchmarkDetect measures the whole engine on an organic graph of about
// 150,000 participations with one lockstep block; bench/integrity
// measures it at 10 million beside FRAUDAR.
func BenchmarkDetect(b *testing.B) {
	o := newOrganic(11, 30000, 3000)
	o.block("f", 100, 50, 0.2, true)
	b.ReportMetric(float64(len(o.events)), "participations")
	for b.Loop() {
		Detect(o.events, DefaultConfig())
	}
}
