package outbox

import (
	"errors"
	"log/slog"
	"net/http"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Handler serves unsubscribe links. They work without signing in: holding
// the link (a token mailed to the person) is the proof.
type Handler struct {
	db    *store.DB
	pages *web.Renderer
	log   *slog.Logger
}

// NewHandler builds the unsubscribe handler.
func NewHandler(db *store.DB, pages *web.Renderer, log *slog.Logger) *Handler {
	return &Handler{db: db, pages: pages, log: log}
}

// Routes mounts the unsubscribe pages. POST /unsubscribe/{token} is also
// the RFC 8058 one-click target of the List-Unsubscribe header: mail
// providers post there with no Origin or Sec-Fetch-Site header, which
// http.CrossOriginProtection lets through.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /unsubscribe/{token}", h.show)
	mux.HandleFunc("POST /unsubscribe/{token}", h.unsubscribe)
	mux.HandleFunc("POST /unsubscribe/{token}/undo", h.resubscribe)
}

type unsubscribePage struct {
	Token        string
	Unsubscribed bool
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	_, status, err := tokenPerson(r.Context(), h.db.Reader(), token, store.Now())
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.render(w, r, token, status != StatusSubscribed)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, token string, unsubscribed bool) {
	l := web.Localizer(r.Context())
	title := l.T("outbox.unsubscribe.title")
	if unsubscribed {
		title = l.T("outbox.unsubscribed.title")
	}
	// The token is in the URL: keep it out of Referer headers.
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.pages.Render(w, r, http.StatusOK, "unsubscribe", title, unsubscribePage{Token: token, Unsubscribed: unsubscribed})
}

// maxOneClickBytes bounds the body of an unsubscribe post; the one-click
// body is a single field.
const maxOneClickBytes = 64 << 10

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	// RFC 8058 allows multipart/form-data or a urlencoded body.
	r.Body = http.MaxBytesReader(w, r.Body, maxOneClickBytes)
	if err := r.ParseMultipartForm(maxOneClickBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.pages.Error(w, r, repertoire.Errorf(repertoire.ETOOLARGE, "error.too_large"))
			return
		}
	}
	// Bouncing or complaining addresses stay as they are: those statuses
	// say more than "unsubscribed".
	if err := setEmailStatus(r.Context(), h.db, token, []string{StatusSubscribed}, StatusUnsubscribed); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if r.PostFormValue("List-Unsubscribe") == "One-Click" {
		// A mail provider, not a browser: answer directly, no redirect.
		h.render(w, r, token, true)
		return
	}
	web.Redirect(w, r, "/unsubscribe/"+token, "outbox.unsubscribed.flash")
}

func (h *Handler) resubscribe(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := setEmailStatus(r.Context(), h.db, token, []string{StatusUnsubscribed}, StatusSubscribed); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/unsubscribe/"+token, "outbox.resubscribed.flash")
}
