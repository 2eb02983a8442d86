// Package outbox delivers mail without losing it: a message is written to
// the outbox table in the same transaction as the action that caused it,
// and a worker delivers it (SMTP, a directory of .eml files, or the log)
// with retries and backoff. It also serves the unsubscribe links every
// mail carries.
package outbox

import (
	"context"
	"embed"
	"log/slog"
	"net/http"

	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Templates are this capability's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Message is a mail to one person, already rendered in their language.
type Message struct {
	PersonID      string // when set, the mail carries their unsubscribe link
	To            string
	Subject       string
	Body          string // plain text
	Transactional bool   // confirmations and sign-in links go out even to unsubscribed people
}

// Enqueue writes m to the outbox inside tx: it is sent if and only if tx
// commits.
func Enqueue(ctx context.Context, tx *store.Tx, baseURL string, m Message) error { return nil }

// Transport delivers one message.
type Transport interface {
	Send(ctx context.Context, id string, raw []byte, to string) error
}

// NewTransport picks SMTP, a mail directory, or the log.
func NewTransport(smtpURL, mailDir string, log *slog.Logger) (Transport, error) { return nil, nil }

// Worker drains the outbox.
type Worker struct{}

// NewWorker builds the worker.
func NewWorker(db *store.DB, t Transport, log *slog.Logger) *Worker { return &Worker{} }

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) { <-ctx.Done() }

// Handler serves unsubscribe links.
type Handler struct{}

// NewHandler builds the unsubscribe handler.
func NewHandler(db *store.DB, pages *web.Renderer, log *slog.Logger) *Handler { return &Handler{} }

// Routes mounts the unsubscribe pages.
func (h *Handler) Routes(mux *http.ServeMux) {}
