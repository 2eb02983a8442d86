package main

// Score is one attack's precision, recall and F1 on accounts.
type Score struct {
	Attack                 string
	Precision, Recall, F1  float64
	Truth, Found, Detected int
}

// Scores scores flagged groups against the truth. Each group is given to
// the attack most of its attack accounts belong to (a group without any
// belongs to none); an attack's detected accounts are the union of its
// groups' accounts, honest ones included: precision counts those, recall
// the attack's accounts found. Honest is the share of honest accounts
// (organic, not taken over) in any group.
func Scores(w *World, groups [][]int32) (scores []Score, honest float64, honestN int) {
	detected := make([]map[int32]bool, len(w.Attacks))
	for i := range detected {
		detected[i] = map[int32]bool{}
	}
	flagged := map[int32]bool{}
	for _, g := range groups {
		votes := map[int16]int{}
		for _, a := range g {
			flagged[a] = true
			if k := w.Truth[a]; k >= 0 {
				votes[k]++
			}
		}
		best, bestN := int16(-1), 0
		for k, n := range votes {
			if n > bestN || n == bestN && k < best {
				best, bestN = k, n
			}
		}
		if best >= 0 {
			for _, a := range g {
				detected[best][a] = true
			}
		}
	}
	for k, at := range w.Attacks {
		tp := 0
		for a := range detected[k] {
			if w.Truth[a] == int16(k) {
				tp++
			}
		}
		s := Score{Attack: at.Name, Truth: len(at.Accounts), Detected: len(detected[k]), Found: tp}
		if len(detected[k]) > 0 {
			s.Precision = float64(tp) / float64(len(detected[k]))
		}
		s.Recall = float64(tp) / float64(len(at.Accounts))
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		scores = append(scores, s)
	}
	organic := 0
	for a := range w.Accounts {
		if w.Truth[a] < 0 {
			organic++
			if flagged[a] {
				honestN++
			}
		}
	}
	if organic > 0 {
		honest = float64(honestN) / float64(organic)
	}
	return scores, honest, honestN
}
