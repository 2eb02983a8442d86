package main

import (
	"testing"

	"repertoire/internal/integrity"
)

// TestSmallGraphs runs the benchmark at 300,000 organic participations a
// graph, so that a change of the engine that loses an attack is caught
// in seconds: every attack of density 0.1 or more (blocks with each
// camouflage and timing, the click farm, the flood) found with F1 ≥ 0.95
// in both profiles, and fewer than 0.1 % of honest accounts flagged with
// or without attacks. The figures at 10 million are docs/integrity.md's.
func TestSmallGraphs(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and scans four graphs")
	}
	for _, p := range Profiles {
		r := Run(p, 300_000, 1, []float64{0.1, 0.2, 0.5}, 0, integrity.DefaultConfig())
		for _, s := range r.Engine {
			if s.F1 < 0.95 {
				t.Errorf("%s, %s: F1 %.2f (precision %.2f, recall %.2f)", p.Name, s.Attack, s.F1, s.Precision, s.Recall)
			}
		}
		if r.Honest >= 0.001 {
			t.Errorf("%s with attacks: %.3f %% of honest accounts flagged", p.Name, 100*r.Honest)
		}
		c := Run(p, 300_000, 2, nil, 0, integrity.DefaultConfig())
		if c.Groups != 0 || c.Honest >= 0.001 {
			t.Errorf("%s without attack: %d groups, %.3f %% of honest accounts flagged", p.Name, c.Groups, 100*c.Honest)
		}
	}
}

// TestFraudarFindsAPlainBlock checks the baseline itself: on a graph with
// one dense block without camouflage, FRAUDAR's first block is it.
func TestFraudarFindsAPlainBlock(t *testing.T) {
	w := Organic(200_000, Profiles[1], 3)
	w.Block(100, 100, 0.5, NoCamouflage, PerTarget)
	w.Label()
	blocks := Fraudar(w, 1)
	scores, _, _ := Scores(w, blocks)
	if scores[0].F1 < 0.9 {
		t.Errorf("FRAUDAR on a plain block: F1 %.2f (precision %.2f, recall %.2f)", scores[0].F1, scores[0].Precision, scores[0].Recall)
	}
}

// The scorer gives a group to the attack most of its members come from,
// and counts its honest members against that attack's precision.
func TestScores(t *testing.T) {
	w := &World{Accounts: 10, Attacks: []Attack{{Name: "x", Accounts: []int32{0, 1, 2, 3}}, {Name: "y", Accounts: []int32{4, 5}}}}
	w.Label()
	scores, honest, n := Scores(w, [][]int32{{0, 1, 2, 4, 8}})
	if x := scores[0]; x.Found != 3 || x.Detected != 5 || x.Precision != 0.6 || x.Recall != 0.75 {
		t.Errorf("x: %+v", x)
	}
	if y := scores[1]; y.Found != 0 || y.F1 != 0 {
		t.Errorf("y: %+v", y)
	}
	if n != 1 || honest != 0.25 {
		t.Errorf("honest %d (%.2f)", n, honest)
	}
}
