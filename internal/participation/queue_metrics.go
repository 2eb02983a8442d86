package participation

// QueueLen is how many submissions and followed links wait for the
// group-commit writer, for the operator's gauge on /metrics.
func (s *Service) QueueLen() int { return len(s.queue) }
