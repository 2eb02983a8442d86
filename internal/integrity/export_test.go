package integrity

// SetWriteChunk makes h's runs write n participations a transaction, so
// that a test's small groups are written in several chunks.
func (h *Handler) SetWriteChunk(n int) {
	h.runMu.Lock()
	defer h.runMu.Unlock()
	h.writeChunk = n
}
