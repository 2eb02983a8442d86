package store

import "time"

// GroupCommit is the loop of a group-commit writer: it takes the first
// waiting item from queue, every other item waiting at that moment (up to
// max), and, when the previous batch was shared but this one is still
// under lingerBelow, waits up to linger for more; then it hands the batch
// to commit, which writes it in one transaction and answers each item.
// It returns when queue is closed. Each commit rewrites the last page of
// every table and index it appends to, whatever its size, so a spike
// committed in many small batches spends its time there: a busy writer
// lingers a moment, a quiet one never waits. The participation core's
// submissions and the gateway's access history both run on it.
func GroupCommit[T any](queue <-chan T, max int, linger time.Duration, lingerBelow int, commit func([]T)) {
	batch := make([]T, 0, max)
	timer := time.NewTimer(0)
	<-timer.C
	prev := 0
	for first := range queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < max {
			select {
			case p := <-queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		if prev > 1 && len(batch) < lingerBelow {
			timer.Reset(linger)
		wait:
			for len(batch) < lingerBelow {
				select {
				case p := <-queue:
					batch = append(batch, p)
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
		}
		prev = len(batch)
		commit(batch)
	}
}
