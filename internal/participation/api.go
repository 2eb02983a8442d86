package participation

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/web"
)

// The record helper every tactic shares (OSDI's record-signature helper:
// POST /petitions/{id}/signatures, POST /pledges/{id}/commitments). Without
// a token anyone takes part, pending until confirmed from the mailed link,
// and the answer (202) is the same whatever became of it: an anonymous
// caller learns nothing about who already takes part. With an organizer's
// token and an origin_system, a participation confirmed elsewhere (paper,
// another system) is imported and counted at once (201).

// recordBody is the helper's body.
type recordBody struct {
	Person *struct {
		GivenName      string `json:"given_name"`
		FamilyName     string `json:"family_name"`
		EmailAddresses []struct {
			Address string `json:"address"`
			Primary bool   `json:"primary"`
		} `json:"email_addresses"`
		PostalAddresses []struct {
			Locality   string `json:"locality"`
			Region     string `json:"region"`
			PostalCode string `json:"postal_code"`
			Country    string `json:"country"`
		} `json:"postal_addresses"`
		PreferredLanguage string `json:"preferred_language"`
	} `json:"person"`
	Comments     string   `json:"comments"`
	OriginSystem string   `json:"origin_system"`
	AddTags      []string `json:"add_tags"`
	ActionDate   string   `json:"action_date"`
	// Consents, our extension: OSDI has no field for them.
	PublicName      bool            `json:"public_name"`
	ShareWithTarget bool            `json:"share_with_target"`
	ContactOK       json.RawMessage `json:"contact_ok"` // optional boolean; absent is not given
}

// apiFields maps Submit's field names to the helper's JSON paths.
var apiFields = map[string]string{
	"email":         "person.email_addresses[0].address",
	"given_name":    "person.given_name",
	"family_name":   "person.family_name",
	"locality":      "person.postal_addresses[0].locality",
	"country":       "person.postal_addresses[0].country",
	"region":        "person.postal_addresses[0].region",
	"postal_code":   "person.postal_addresses[0].postal_code",
	"comment":       "comments",
	"origin_system": "origin_system",
}

// renameFields gives field errors the helper's JSON paths.
func renameFields(err error) error {
	fes := repertoire.FieldErrors(err)
	if len(fes) == 0 {
		return err
	}
	out := make(repertoire.Errors, len(fes))
	for i, fe := range fes {
		c := *fe
		if f, ok := apiFields[c.Field]; ok {
			c.Field = f
		}
		out[i] = &c
	}
	return out
}

// Record is what a tactic tells the record helper about one request, once
// it found the action and checked the caller may see it.
type Record struct {
	Kind     Kind
	ActionID string
	// Organizer is whether the caller's token organizes the action: only
	// an organizer imports.
	Organizer bool
	// Unauthorized and Forbidden answer an import without a token and by
	// someone who does not organize the action.
	Unauthorized, Forbidden error
	// Closed says why the action takes no participation now (nil: it
	// does); imported tells an organizer's import from the rest.
	Closed func(imported bool) error
	// NameConsents: whether the body may give public_name and
	// share_with_target (a petition's). Consent is an act: a consent the
	// body does not give is not given.
	NameConsents bool
	// Links are the answer's links (the action).
	Links api.Links
	// CheckTags and AddTags take the body's add_tags, an organizer's only
	// (nil: the tactic takes none, and refuses them): the names are
	// checked before anything is written, and the person tagged once known.
	CheckTags func(field string, names []string) repertoire.Errors
	AddTags   func(ctx context.Context, personID string, names []string) error
	// Fields are the fields the body may carry, the tactic's (OSDI's and
	// Action Network's for its record, and ours): any other is a 422
	// naming it, so a typo is never silently dropped.
	Fields api.Known
	// Payload is the tactic's own fields of the body, serialized (an
	// outreach's letter): the submission's Payload, kept by the tactic's
	// Mover once confirmed (at once for an organizer's import).
	Payload string
}

// recordJSON is the helper's answer.
type recordJSON struct {
	Identifiers  []string  `json:"identifiers"`
	OriginSystem string    `json:"origin_system"`
	ActionDate   string    `json:"action_date,omitempty"`
	Status       string    `json:"status"`
	Comments     string    `json:"comments,omitempty"`
	Links        api.Links `json:"_links"`
}

// Record serves a tactic's record helper (see Record).
func (s *Service) Record(w http.ResponseWriter, r *http.Request, log *slog.Logger, rec Record) {
	var b recordBody
	if err := api.DecodeKnown(w, r, &b, rec.Fields); err != nil {
		api.Problem(w, r, log, err)
		return
	}
	origin := strings.TrimSpace(b.OriginSystem)
	if origin != "" && !rec.Organizer {
		err := rec.Forbidden
		if api.PrincipalFrom(r.Context()) == nil {
			err = rec.Unauthorized
		}
		api.Problem(w, r, log, err)
		return
	}
	if len(b.AddTags) > 0 {
		var err error = repertoire.Invalid("add_tags", "participation.no_tags", nil)
		switch {
		case rec.AddTags == nil:
		case !rec.Organizer && api.PrincipalFrom(r.Context()) == nil:
			err = &repertoire.Error{Code: repertoire.EUNAUTHORIZED, Field: "add_tags", MessageID: "participation.tags_need_token"}
		case !rec.Organizer:
			err = rec.Forbidden
		default:
			err = rec.CheckTags("add_tags", b.AddTags).Err()
		}
		if err != nil {
			api.Problem(w, r, log, err)
			return
		}
	}
	if err := rec.Closed(origin != ""); err != nil {
		api.Problem(w, r, log, err)
		return
	}
	if b.Person == nil {
		api.Problem(w, r, log, repertoire.Invalid("person", "field.required", nil))
		return
	}
	sub := Submission{Kind: rec.Kind, ActionID: rec.ActionID, Comment: b.Comments, OriginSystem: origin,
		IP: web.ClientIP(r), UserAgent: r.UserAgent(), Lang: web.Localizer(r.Context()).Lang, Payload: rec.Payload}
	if len(bytes.TrimSpace(b.ContactOK)) > 0 && json.Unmarshal(b.ContactOK, &sub.ContactOK) != nil {
		api.Problem(w, r, log, repertoire.Invalid("contact_ok", "field.bad_json", nil))
		return
	}
	if rec.NameConsents {
		sub.PublicName, sub.ShareWithTarget = b.PublicName, b.ShareWithTarget
	}
	p := b.Person
	in := account.PersonInput{GivenName: p.GivenName, FamilyName: p.FamilyName}
	for _, e := range p.EmailAddresses {
		if in.Email == "" || e.Primary {
			in.Email = e.Address
		}
	}
	if len(p.PostalAddresses) > 0 {
		a := p.PostalAddresses[0]
		in.Locality, in.Region, in.PostalCode, in.Country = a.Locality, a.Region, a.PostalCode, a.Country
	}
	if pl := strings.ToLower(p.PreferredLanguage); strings.HasPrefix(pl, "fr") {
		sub.Lang = "fr"
	} else if strings.HasPrefix(pl, "en") {
		sub.Lang = "en"
	}
	in.Language = sub.Lang
	sub.Person = in
	res, err := s.Submit(r.Context(), sub)
	if err == nil && len(b.AddTags) > 0 {
		var pt *Participation
		if pt, err = ByID(r.Context(), s.db.Writer(), res.ID); err == nil {
			err = rec.AddTags(r.Context(), pt.PersonID, b.AddTags)
		}
	}
	if err != nil {
		api.Problem(w, r, log, renameFields(err))
		return
	}
	if origin == "" {
		// Whatever became of it (new, pending, confirmed, withdrawn,
		// flagged), the same answer: who takes part is nobody's business.
		api.JSON(w, http.StatusAccepted, recordJSON{Status: StatusPending, Links: rec.Links})
		return
	}
	api.JSON(w, http.StatusCreated, recordJSON{Identifiers: api.Identifiers(res.ID), OriginSystem: origin,
		ActionDate: api.Time(time.Now()), Status: res.Status, Comments: b.Comments, Links: rec.Links})
}
