package main

import (
	"fmt"
	"strconv"
	"testing"

	"repertoire/internal/integrity"
)

func TestDebug(t *testing.T) {
	p := Profiles[0]
	w := Organic(1000000, p, 1)
	w.Standard([]float64{0.05, 0.1, 0.2, 0.5})
	w.Label()
	g := integrity.NewGraph(len(w.Acct))
	for i := range w.Acct {
		g.AddID(w.Acct[i], w.Tgt[i], w.Time[i])
	}
	for _, gr := range g.Detect(integrity.DefaultConfig()) {
		votes := map[int16]int{}
		for _, n := range gr.Accounts {
			a, _ := strconv.Atoi(n)
			votes[w.Truth[a]]++
		}
		fmt.Println(gr.ID, gr.Kind, len(gr.Accounts), len(gr.Targets), gr.Score, votes)
	}
}

func TestDebug2(t *testing.T) {
	p := Profiles[0]
	w := Organic(1000000, p, 1)
	w.Standard([]float64{0.05, 0.1, 0.2, 0.5})
	w.Label()
	g := integrity.NewGraph(len(w.Acct))
	deg := map[int32]int{}
	tdeg := map[string]int{}
	for i := range w.Acct {
		g.AddID(w.Acct[i], w.Tgt[i], w.Time[i])
		deg[w.Acct[i]]++
		tdeg[strconv.Itoa(int(w.Tgt[i]))]++
	}
	for _, gr := range g.Detect(integrity.DefaultConfig()) {
		if gr.ID != 18 {
			continue
		}
		for _, n := range gr.Accounts {
			a, _ := strconv.Atoi(n)
			if w.Truth[a] < 0 {
				fmt.Println("honest", a, deg[int32(a)])
			}
		}
		var td []int
		for _, tg := range gr.Targets {
			td = append(td, tdeg[tg])
		}
		fmt.Println(td)
	}
}
