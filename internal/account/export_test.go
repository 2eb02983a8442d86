package account

// ObservePasswordChecks has f told of every password hash the handler
// checks (sign-in's dummy included), for tests that count them.
func (h *Handler) ObservePasswordChecks(f func(phc string)) { h.passwordChecked.Store(&f) }
