package account

import (
	"net/http"

	"repertoire/internal/api"
)

// moreRoutes mounts sign-up, confirmation, mailed sign-in links, password
// reset, the account page and the people API.
func (h *Handler) moreRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /signup", h.showSignUp)
	mux.HandleFunc("POST /signup", h.signUp)
	mux.HandleFunc("GET /signup/check", h.showCheckMail("signup"))
	mux.HandleFunc("POST /signup/resend", h.resendConfirmation)
	mux.HandleFunc("GET /confirm/{token}", h.showLink(purposeConfirm))
	mux.HandleFunc("POST /confirm/{token}", h.followLink(purposeConfirm, "account.confirmed"))

	mux.HandleFunc("POST /signin/link", h.sendSignInLink)
	mux.HandleFunc("GET /signin/check", h.showCheckMail("signin"))
	mux.HandleFunc("GET /email/{token}", h.showLink(purposeEmail))
	mux.HandleFunc("POST /email/{token}", h.changeEmail)
	mux.HandleFunc("GET /signin/{token}", h.showLink(purposeSignIn))
	mux.HandleFunc("POST /signin/{token}", h.followLink(purposeSignIn, "account.signed_in"))

	mux.HandleFunc("GET /password/forgot", h.showForgot)
	mux.HandleFunc("POST /password/forgot", h.forgot)
	mux.HandleFunc("GET /password/check", h.showCheckMail("password"))
	mux.HandleFunc("GET /password/reset/{token}", h.showReset)
	mux.HandleFunc("POST /password/reset/{token}", h.reset)

	mux.HandleFunc("GET /account", h.showAccount)
	mux.HandleFunc("POST /account", h.saveProfile)
	mux.HandleFunc("POST /account/password", h.changePassword)
	mux.HandleFunc("POST /account/tokens", h.createToken)
	mux.HandleFunc("POST /account/tokens/revoke", h.revokeToken)
	mux.HandleFunc("GET /account/export", h.export)
	mux.HandleFunc("POST /account/delete", h.deleteAccount)

	mux.HandleFunc("GET "+api.Prefix+"/people", h.apiListPeople)
	mux.HandleFunc("POST "+api.Prefix+"/people", h.apiSignup)
	mux.HandleFunc("GET "+api.Prefix+"/people/{id}", h.apiGetPerson)
	mux.HandleFunc("PUT "+api.Prefix+"/people/{id}", h.apiUpdatePerson)
	mux.HandleFunc("DELETE "+api.Prefix+"/people/{id}", h.apiDeletePerson)
}
