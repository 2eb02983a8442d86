package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectFlagsTheBlockOfAFile runs `repertoire detect` as a researcher
// would: a file of organic participations with one coordinated block in
// it; the output names the block's accounts, each once, and nobody else.
func TestDetectFlagsTheBlockOfAFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("account,target,unix_time\n")
	const t0 = 1_700_000_000
	start := make([]int64, 300)
	for i := range start {
		start[i] = t0 + rng.Int64N(60*86400)
	}
	for a := range 3000 {
		for range 1 + rng.IntN(rng.IntN(40)+1) {
			tg := int(float64(len(start)) * rng.Float64() * rng.Float64())
			fmt.Fprintf(&b, "honest%d,target%d,%d\n", a, tg, start[tg]+int64(rng.ExpFloat64()*3*86400))
		}
	}
	block := map[string]bool{}
	for tg := range 20 {
		centre := t0 + 10*86400 + rng.Int64N(40*86400)
		for a := range 30 {
			if rng.Float64() < 0.5 {
				name := fmt.Sprintf("bought%d", a)
				block[name] = true
				fmt.Fprintf(&b, "%s,boosted%d,%d\n", name, tg, centre+rng.Int64N(7200))
			}
		}
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "events.csv"), filepath.Join(dir, "groups.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := run(context.Background(), []string{"detect", "--input", in, "--output", out}, strings.NewReader(""), io.Discard, log); err != nil {
		t.Fatalf("detect: %v", err)
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(written)), "\n")
	if lines[0] != "account,group,score" {
		t.Errorf("header %q", lines[0])
	}
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 3 || f[1] != "1" {
			t.Errorf("line %q: not account,1,score", l)
			continue
		}
		if !block[f[0]] {
			t.Errorf("%s flagged, not of the block", f[0])
		}
		seen[f[0]] = true
	}
	if len(seen) != len(block) {
		t.Errorf("%d of the block's %d accounts flagged", len(seen), len(block))
	}

	// Without --output, the same lines on standard output; from standard input with -.
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"detect", "--input", "-"}, strings.NewReader(b.String()), &stdout, log); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != string(written) {
		t.Error("standard output differs from the --output file")
	}
}

func TestDetectNamesTheBadLine(t *testing.T) {
	in := filepath.Join(t.TempDir(), "events.csv")
	os.WriteFile(in, []byte("account,target,unix_time\na,p,1700000000\nb,p,yesterday\n"), 0o600)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := run(context.Background(), []string{"detect", "--input", in}, strings.NewReader(""), io.Discard, log)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error %v, want one naming line 3", err)
	}
	if err := run(context.Background(), []string{"detect"}, strings.NewReader(""), io.Discard, log); err == nil {
		t.Error("detect without --input ran")
	}
}
