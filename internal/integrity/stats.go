package integrity

import "math"

// logTail is log10 of P(X ≥ k) for X Poisson of mean lambda: how unlikely
// it is to see k or more where chance gives lambda. It is 0 for k ≤ 0.
func logTail(k int, lambda float64) float64 {
	if k <= 0 {
		return 0
	}
	if lambda <= 0 {
		return -math.MaxFloat64 / 4
	}
	if float64(k) <= lambda {
		return 0 // at or below the mean: nothing unlikely (and log10 ≤ 0 near it)
	}
	// Sum the terms from k on, in logs: term(k) = e^-λ λ^k / k!.
	lg, _ := math.Lgamma(float64(k) + 1)
	lt := -lambda + float64(k)*math.Log(lambda) - lg
	sum := 1.0
	term := 1.0
	for j := k + 1; j < k+1000; j++ {
		term *= lambda / float64(j)
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return (lt + math.Log(sum)) / math.Ln10
}

// surprise is how unlikely, in -log10, seeing k where chance gives lambda:
// the score of every kind of group.
func surprise(k int, lambda float64) float64 {
	s := -logTail(k, max(lambda, 1e-9))
	return math.Min(s, 1e6)
}
