// Command integrity measures Repertoire's crowdturfing detection
// (internal/integrity) on generated graphs: organic activity in two
// profiles with injected attacks (dense blocks at several densities with
// no, random, popularity-biased and hijacked-account camouflage, in one
// shared window or in windows of each target's own; a click farm; a flood
// of new accounts onto one target), and the same graphs without attacks.
// It prints precision, recall and F1 on accounts per attack, the share of
// honest accounts flagged, time and peak memory, beside FRAUDAR's on the
// same graphs.
//
//	go run ./bench/integrity -events 10000000 -seed 1
//
// The figures in docs/integrity.md come from that command.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"repertoire/internal/integrity"
)

func main() {
	events := flag.Int("events", 1_000_000, "organic participations per graph")
	seed := flag.Uint64("seed", 1, "generator seed: the same seed, the same graphs")
	profiles := flag.String("profiles", "heavy,light", "activity profiles: heavy (power law 1.5), light (2.2)")
	densities := flag.String("densities", "0.05,0.1,0.2,0.5", "densities of the 200 × 200 blocks")
	fraudar := flag.Int("fraudar", -1, "FRAUDAR blocks to find on each attacked graph (-1: as many as attacks; 0: no FRAUDAR)")
	clean := flag.Bool("clean", true, "also measure each profile's graph without attacks")
	cfg := integrity.DefaultConfig()
	flag.Int64Var(&cfg.Window, "window", cfg.Window, "engine: lockstep window, seconds")
	flag.IntVar(&cfg.Crowd, "crowd", cfg.Crowd, "engine: participations in a window beyond which it is a crowd")
	flag.IntVar(&cfg.Workers, "workers", cfg.Workers, "engine: goroutines counting pairs")
	csvOut := flag.String("csv", "", "write the first profile's attacked graph to this file as account,target,unix_time lines (for repertoire detect), and stop")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (the engine's samples carry the label part=engine: go tool pprof -tagfocus part=engine)")
	memprofile := flag.String("memprofile", "", "write an allocation profile of the whole run to this file at its end")
	flag.IntVar(&repeat, "repeat", 1, "run the engine this many times on each graph and give the median time (scores are the first run's)")
	flag.Parse()
	if *memprofile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			f, err := os.Create(*memprofile)
			if err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var ds []float64
	for s := range strings.SplitSeq(*densities, ",") {
		d, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad -densities:", err)
			os.Exit(2)
		}
		ds = append(ds, d)
	}
	if *csvOut != "" {
		if err := writeCSV(*csvOut, strings.Split(*profiles, ",")[0], *events, *seed, ds); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("%d organic participations a graph, seed %d, %d cores (GOMAXPROCS %d)\n\n", *events, *seed, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	for name := range strings.SplitSeq(*profiles, ",") {
		p, ok := profile(name)
		if !ok {
			fmt.Fprintln(os.Stderr, "unknown profile", name)
			os.Exit(2)
		}
		r := Run(p, *events, *seed, ds, *fraudar, cfg)
		r.Print(os.Stdout)
		if *clean {
			c := Run(p, *events, *seed+1000, nil, 0, cfg)
			c.Print(os.Stdout)
		}
	}
	fmt.Printf("process peak resident memory (VmHWM): %s\n", vmHWM())
}

func profile(name string) (Profile, bool) {
	for _, p := range Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// Result is one graph's measurements.
type Result struct {
	Profile      Profile
	Events       int // all participations, attacks' included
	Accounts     int
	Attacked     bool
	Engine       []Score
	Honest       float64
	HonestN      int
	Groups       int
	Runs         int // engine runs on the graph; Time and CPU are their medians
	Time         time.Duration
	CPU          time.Duration // user and system time of the process during the run, all cores
	PeakHeap     uint64        // the engine's, above what the generated graph holds
	Fraudar      []Score
	FraudarHon   float64
	FraudarHonN  int
	FraudarTime  time.Duration
	FraudarCPU   time.Duration
	FraudarPeak  uint64
	FraudarCount int
}

// Run generates one graph (with the standard attacks at densities, none
// when densities is empty) and measures the engine, and FRAUDAR when
// fraudarBlocks is not 0.
func Run(p Profile, events int, seed uint64, densities []float64, fraudarBlocks int, cfg integrity.Config) Result {
	w := Organic(events, p, seed)
	if len(densities) > 0 {
		w.Standard(densities)
	}
	w.Label()
	r := Result{Profile: p, Events: len(w.Acct), Accounts: int(w.Accounts), Attacked: len(w.Attacks) > 0}

	var groups, first []integrity.Group
	engine := func() {
		pprof.Do(context.Background(), pprof.Labels("part", "engine"), func(context.Context) {
			g := integrity.NewGraph(len(w.Acct))
			for i := range w.Acct {
				g.AddID(w.Acct[i], w.Tgt[i], w.Time[i])
			}
			groups = g.Detect(cfg)
		})
	}
	var times, cpus []time.Duration
	for k := range max(1, repeat) {
		d, cpu, peak := measure(engine)
		times, cpus = append(times, d), append(cpus, cpu)
		r.PeakHeap = max(r.PeakHeap, peak)
		if k == 0 {
			first = groups
		}
		groups = nil
	}
	groups = first
	r.Runs = len(times)
	r.Time, r.CPU = median(times), median(cpus)
	r.Groups = len(groups)
	sets := make([][]int32, len(groups))
	for i, g := range groups {
		for _, name := range g.Accounts {
			a, _ := strconv.Atoi(name)
			sets[i] = append(sets[i], int32(a))
		}
	}
	r.Engine, r.Honest, r.HonestN = Scores(w, sets)

	if fraudarBlocks < 0 {
		fraudarBlocks = len(w.Attacks)
	}
	if fraudarBlocks > 0 {
		var blocks [][]int32
		r.FraudarTime, r.FraudarCPU, r.FraudarPeak = measure(func() { blocks = Fraudar(w, fraudarBlocks) })
		r.FraudarCount = len(blocks)
		r.Fraudar, r.FraudarHon, r.FraudarHonN = Scores(w, blocks)
	}
	return r
}

// measure runs f and returns its time, the processor time the process
// spent meanwhile (user and system, every core: on a shared machine the
// wall time says more of the others' load than of f), and the heap's peak
// above the heap before it (sampled every 5 ms, without stopping the
// world).
func measure(f func()) (time.Duration, time.Duration, uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64() + sample[1].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	start, cpu0 := time.Now(), cpuTime()
	f()
	d, cpu := time.Since(start), cpuTime()-cpu0
	close(stop)
	wg.Wait()
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	if peak.Load() < base {
		return d, cpu, 0
	}
	return d, cpu, peak.Load() - base
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident memory from /proc/self/status.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func mb(b uint64) string { return fmt.Sprintf("%d MB", b>>20) }

// Print writes the result as a Markdown table.
func (r Result) Print(out io.Writer) {
	kind := "with attacks"
	if !r.Attacked {
		kind = "no attack"
	}
	fmt.Fprintf(out, "### profile %s (power law %.1f), %s: %d participations, %d accounts\n\n", r.Profile.Name, r.Profile.Alpha, kind, r.Events, r.Accounts)
	if r.Attacked {
		fmt.Fprintln(out, "| attack | accounts | engine P | engine R | engine F1 | FRAUDAR P | FRAUDAR R | FRAUDAR F1 |")
		fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|")
		for i, s := range r.Engine {
			fp, fr, ff := "–", "–", "–"
			if r.Fraudar != nil {
				f := r.Fraudar[i]
				fp, fr, ff = f2(f.Precision), f2(f.Recall), f2(f.F1)
			}
			fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %s | %s | %s |\n", s.Attack, s.Truth, f2(s.Precision), f2(s.Recall), f2(s.F1), fp, fr, ff)
		}
		fmt.Fprintln(out)
	}
	runs := ""
	if r.Runs > 1 {
		runs = fmt.Sprintf(", medians of %d runs", r.Runs)
	}
	fmt.Fprintf(out, "engine: %d groups, honest accounts flagged %d (%.3f %%), %.2f s (processor %.2f s)%s, peak heap %s\n", r.Groups, r.HonestN, 100*r.Honest, r.Time.Seconds(), r.CPU.Seconds(), runs, mb(r.PeakHeap))
	if r.Fraudar != nil {
		fmt.Fprintf(out, "FRAUDAR: %d blocks, honest accounts flagged %d (%.3f %%), %.2f s (processor %.2f s), peak heap %s\n", r.FraudarCount, r.FraudarHonN, 100*r.FraudarHon, r.FraudarTime.Seconds(), r.FraudarCPU.Seconds(), mb(r.FraudarPeak))
	}
	fmt.Fprintln(out)
}

// median is the middle of ds (the mean of the two middle ones when even).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// repeat is how many times the engine runs on each graph (-repeat).
var repeat = 1

func f2(x float64) string { return fmt.Sprintf("%.2f", x) }

// sampleEvery is how often measure reads the heap.
var sampleEvery = 5 * time.Millisecond

func init() {
	if d, err := time.ParseDuration(os.Getenv("SAMPLE_EVERY")); err == nil {
		sampleEvery = d
	}
}

// writeCSV writes one attacked graph for repertoire detect: accounts are
// "a<id>" (attacks' accounts from a<Organic> on, hijacked ones below it),
// targets "t<id>".
func writeCSV(path, name string, events int, seed uint64, densities []float64) error {
	p, ok := profile(name)
	if !ok {
		return fmt.Errorf("unknown profile %s", name)
	}
	w := Organic(events, p, seed)
	w.Standard(densities)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	b := bufio.NewWriterSize(f, 1<<20)
	b.WriteString("account,target,unix_time\n")
	for i := range w.Acct {
		fmt.Fprintf(b, "a%d,t%d,%d\n", w.Acct[i], w.Tgt[i], w.Time[i])
	}
	if err := b.Flush(); err != nil {
		f.Close()
		return err
	}
	attackers := 0
	for _, at := range w.Attacks {
		attackers += len(at.Accounts)
	}
	fmt.Printf("%s: %d participations, %d accounts, %d of them in %d attacks\n", path, len(w.Acct), w.Accounts, attackers, len(w.Attacks))
	return f.Close()
}
