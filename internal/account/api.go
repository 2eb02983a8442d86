package account

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
)

// The OSDI people resource. People are personal data: the collection is
// for administrators, and a token otherwise reaches only its own person.

// validEmailStatus accepts OSDI's email_addresses[].status values.
func validEmailStatus(s string) bool {
	switch s {
	case "subscribed", "unsubscribed", "bouncing", "spam complaint":
		return true
	}
	return false
}

type emailDoc struct {
	Address string `json:"address"`
	Primary bool   `json:"primary"`
	Status  string `json:"status"`
}

type postalDoc struct {
	Locality   string `json:"locality"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// personDoc is a person as OSDI shows it.
type personDoc struct {
	Identifiers       []string          `json:"identifiers"`
	OriginSystem      string            `json:"origin_system"`
	CreatedDate       string            `json:"created_date"`
	ModifiedDate      string            `json:"modified_date"`
	GivenName         string            `json:"given_name"`
	FamilyName        string            `json:"family_name"`
	EmailAddresses    []emailDoc        `json:"email_addresses"`
	PostalAddresses   []postalDoc       `json:"postal_addresses"`
	LanguagesSpoken   []string          `json:"languages_spoken"`
	PreferredLanguage string            `json:"preferred_language"`
	CustomFields      map[string]string `json:"custom_fields"`
	Links             api.Links         `json:"_links"`
}

func (h *Handler) personDoc(p *Person) personDoc {
	postal := []postalDoc{}
	if p.Locality != "" || p.Region != "" || p.PostalCode != "" || p.Country != "" {
		postal = append(postal, postalDoc{p.Locality, p.Region, p.PostalCode, p.Country})
	}
	return personDoc{
		Identifiers:       api.Identifiers(p.ID),
		OriginSystem:      p.OriginSystem,
		CreatedDate:       api.Time(p.CreatedAt),
		ModifiedDate:      api.Time(p.ModifiedAt),
		GivenName:         p.GivenName,
		FamilyName:        p.FamilyName,
		EmailAddresses:    []emailDoc{{Address: p.Email, Primary: true, Status: p.EmailStatus}},
		PostalAddresses:   postal,
		LanguagesSpoken:   []string{p.PreferredLanguage},
		PreferredLanguage: p.PreferredLanguage,
		CustomFields:      p.CustomFields,
		Links: api.Links{"self": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", p.ID)},
			"osdi:signatures": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", p.ID, "signatures")}}, // served by petition
	}
}

// personIn is a person as an OSDI client sends it: absent fields (nil)
// leave what is stored unchanged.
type personIn struct {
	GivenName      *string `json:"given_name"`
	FamilyName     *string `json:"family_name"`
	EmailAddresses []struct {
		Address *string `json:"address"`
		Primary *bool   `json:"primary"`
		Status  *string `json:"status"`
	} `json:"email_addresses"`
	PostalAddresses []struct {
		Locality   *string `json:"locality"`
		Region     *string `json:"region"`
		PostalCode *string `json:"postal_code"`
		Country    *string `json:"country"`
	} `json:"postal_addresses"`
	LanguagesSpoken   []string          `json:"languages_spoken"`
	PreferredLanguage *string           `json:"preferred_language"`
	CustomFields      map[string]string `json:"custom_fields"`
	OriginSystem      *string           `json:"origin_system"`
}

// primaryEmail picks the address marked primary, else the first; its
// index names the field in errors.
func (in *personIn) primaryEmail() (int, *string) {
	for i, e := range in.EmailAddresses {
		if e.Primary != nil && *e.Primary {
			return i, e.Address
		}
	}
	if len(in.EmailAddresses) > 0 {
		return 0, in.EmailAddresses[0].Address
	}
	return 0, nil
}

// decodePerson reads a person, bare or wrapped as the OSDI signup helper
// sends it ({"person": {...}}); prefix is how errors name its fields.
func decodePerson(w http.ResponseWriter, r *http.Request) (in personIn, prefix string, err error) {
	var raw json.RawMessage
	if err := api.Decode(w, r, &raw); err != nil {
		return in, "", err
	}
	var wrapper struct {
		Person json.RawMessage `json:"person"`
	}
	if json.Unmarshal(raw, &wrapper) == nil && len(wrapper.Person) > 0 && string(wrapper.Person) != "null" {
		raw, prefix = wrapper.Person, "person."
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return in, prefix, repertoire.Invalid(prefix+ute.Field, "field.bad_json", nil)
		}
		return in, prefix, repertoire.Invalid(strings.TrimSuffix(prefix, "."), "field.bad_json", nil)
	}
	return in, prefix, nil
}

// applyPerson merges in into the person p (already read in tx) and writes
// it; every field is checked first, so a refused request changes nothing.
func applyPerson(ctx context.Context, tx *store.Tx, p *Person, in personIn, prefix string) error {
	var errs repertoire.Errors
	was := p.EmailStatus
	text := func(field string, dst *string, v *string, max int) {
		if v == nil {
			return
		}
		s := strings.TrimSpace(*v)
		if e := TooLong(prefix+field, s, max); e != nil {
			errs = append(errs, e)
			return
		}
		*dst = s
	}
	text("given_name", &p.GivenName, in.GivenName, MaxName)
	text("family_name", &p.FamilyName, in.FamilyName, MaxName)
	text("origin_system", &p.OriginSystem, in.OriginSystem, MaxOriginSystem)
	if i, addr := in.primaryEmail(); addr != nil {
		email, err := CheckEmail(prefix+"email_addresses["+strconv.Itoa(i)+"].address", *addr)
		if err != nil {
			errs = append(errs, repertoire.AsError(err))
		} else {
			p.Email = email
		}
		if st := in.EmailAddresses[i].Status; st != nil {
			if !validEmailStatus(*st) {
				errs = append(errs, repertoire.Invalid(prefix+"email_addresses["+strconv.Itoa(i)+"].status", "field.bad_choice", nil))
			} else {
				p.EmailStatus = *st
			}
		}
	}
	if len(in.PostalAddresses) > 0 {
		a, f := in.PostalAddresses[0], "postal_addresses[0]."
		text(f+"locality", &p.Locality, a.Locality, MaxName)
		text(f+"region", &p.Region, a.Region, MaxName)
		text(f+"postal_code", &p.PostalCode, a.PostalCode, MaxPostalCode)
		text(f+"country", &p.Country, a.Country, MaxName)
	}
	switch {
	case in.PreferredLanguage != nil:
		lang := primaryLanguage(*in.PreferredLanguage)
		if !i18n.Supported(lang) {
			errs = append(errs, repertoire.Invalid(prefix+"preferred_language", "field.bad_choice", nil))
		} else {
			p.PreferredLanguage = lang
		}
	case len(in.LanguagesSpoken) > 0:
		for _, l := range in.LanguagesSpoken {
			if lang := primaryLanguage(l); i18n.Supported(lang) {
				p.PreferredLanguage = lang
				break
			}
		}
	}
	if in.CustomFields != nil {
		if p.CustomFields == nil {
			p.CustomFields = map[string]string{}
		}
		for k, v := range in.CustomFields {
			switch {
			case k == "" || utf8.RuneCountInString(k) > 100:
				errs = append(errs, repertoire.Invalid(prefix+"custom_fields", "account.bad_custom_field", nil))
			case utf8.RuneCountInString(v) > 1000:
				errs = append(errs, repertoire.Invalid(prefix+"custom_fields."+k, "field.too_long", map[string]any{"Max": 1000}))
			default:
				p.CustomFields[k] = v
			}
		}
		if len(p.CustomFields) > 100 {
			errs = append(errs, repertoire.Invalid(prefix+"custom_fields", "account.too_many_custom_fields", map[string]any{"Max": 100}))
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	err := updatePerson(ctx, tx, p, was)
	if repertoire.ErrorCode(err) == repertoire.ECONFLICT {
		i, _ := in.primaryEmail()
		return &repertoire.Error{Code: repertoire.ECONFLICT, Field: prefix + "email_addresses[" + strconv.Itoa(i) + "].address", MessageID: "account.email_in_use"}
	}
	return err
}

func primaryLanguage(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	return base
}

// principal returns the token's owner when it may act on person id (an
// administrator, or the person themselves), writing 401/403 otherwise.
func (h *Handler) principal(w http.ResponseWriter, r *http.Request, id string) *api.Principal {
	p := api.Require(w, r)
	if p == nil {
		return nil
	}
	if !p.IsAdmin && p.PersonID != id {
		api.Problem(w, r, h.log, repertoire.Errorf(repertoire.EFORBIDDEN, "error.forbidden"))
		return nil
	}
	return p
}

func (h *Handler) apiListPeople(w http.ResponseWriter, r *http.Request) {
	if h.principal(w, r, "") == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	filter, err := api.ParseFilter(r, "email_address")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	f := PeopleFilter{Dates: filter}
	for _, c := range filter.Conditions { // email_address
		f.Email = append(f.Email, Comparison{Op: c.SQLOp(), Value: NormalizeEmail(c.Value)})
	}
	people, total, err := listPeople(r.Context(), h.db.Reader(), f, page.PerPage, page.Offset())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]personDoc, 0, len(people))
	for _, p := range people {
		docs = append(docs, h.personDoc(p))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:people", docs, total, page))
}

func (h *Handler) apiGetPerson(w http.ResponseWriter, r *http.Request) {
	id := api.ParseID(r.PathValue("id"))
	if h.principal(w, r, id) == nil {
		return
	}
	p, err := GetPerson(r.Context(), h.db.Reader(), id)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.personDoc(p))
}

// apiSignup is OSDI's person signup helper: the person is matched by email
// address and updated, or created.
func (h *Handler) apiSignup(w http.ResponseWriter, r *http.Request) {
	if h.principal(w, r, "") == nil {
		return
	}
	in, prefix, err := decodePerson(w, r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	i, addr := in.primaryEmail()
	field := prefix + "email_addresses[" + strconv.Itoa(i) + "].address"
	if addr == nil {
		api.Problem(w, r, h.log, repertoire.Invalid(field, "field.required", nil))
		return
	}
	email, err := CheckEmail(field, *addr)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	ctx := r.Context()
	var id string
	created := false
	err = h.db.Write(ctx, func(tx *store.Tx) error {
		p, err := PersonByEmail(ctx, tx, email)
		if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
			created = true
			var ids []string
			if ids, err = UpsertPeople(ctx, tx, []PersonInput{{Email: email}}); err != nil {
				return err
			}
			p, err = GetPerson(ctx, tx, ids[0])
		}
		if err != nil {
			return err
		}
		id = p.ID
		return applyPerson(ctx, tx, p, in, prefix)
	})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	h.writePerson(w, r, id, created)
}

func (h *Handler) writePerson(w http.ResponseWriter, r *http.Request, id string, created bool) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	h.writePersonStatus(w, r, id, status)
}

func (h *Handler) writePersonStatus(w http.ResponseWriter, r *http.Request, id string, status int) {
	p, err := GetPerson(r.Context(), h.db.Writer(), id) // the writer: a replica may lag the write just made
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := h.personDoc(p)
	if status == http.StatusCreated {
		w.Header().Set("Location", doc.Links["self"].(api.Link).Href)
	}
	api.JSON(w, status, doc)
}

// apiUpdatePerson updates a person. A person changing their own primary
// address keeps the old one until they confirm the new from the link mailed
// to it (202 Accepted: the rest is saved); an administrator's change applies
// at once.
//
// An address another person holds gets the very answer a free one gets
// (202, the person as they are, the address unchanged), and its holder a
// mail saying someone tried to use it: a 409 would let any token holder
// find out, one address at a time, who is known here. Only administrators,
// who may list people anyway, are told of the conflict.
func (h *Handler) apiUpdatePerson(w http.ResponseWriter, r *http.Request) {
	id := api.ParseID(r.PathValue("id"))
	principal := h.principal(w, r, id)
	if principal == nil {
		return
	}
	in, prefix, err := decodePerson(w, r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	ctx := r.Context()
	pending := false
	err = h.db.Write(ctx, func(tx *store.Tx) error {
		p, err := GetPerson(ctx, tx, id)
		if err != nil {
			return err
		}
		var newEmail string
		var holder *Person // another person who has the address asked for
		if i, addr := in.primaryEmail(); addr != nil && principal.PersonID == id {
			field := prefix + "email_addresses[" + strconv.Itoa(i) + "].address"
			email, err := CheckEmail(field, *addr)
			if err != nil {
				return err
			}
			if email != p.Email {
				other, err := PersonByEmail(ctx, tx, email)
				switch {
				case err == nil:
					holder = other
				case repertoire.ErrorCode(err) != repertoire.ENOTFOUND:
					return err
				}
				newEmail, *addr = email, p.Email // saved below as it was
			}
		}
		if err := applyPerson(ctx, tx, p, in, prefix); err != nil {
			return err
		}
		if newEmail == "" {
			return nil
		}
		pending = true
		if !h.mailAllowed(newEmail) { // past the limit: the same answer, no mail
			return nil
		}
		if holder != nil {
			return h.sendMail(ctx, tx, recipient{PersonID: holder.ID, Email: holder.Email, Lang: holder.PreferredLanguage}, "account.mail_address_claimed")
		}
		return h.requestEmailChange(ctx, tx, p, newEmail)
	})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if pending {
		h.writePersonStatus(w, r, id, http.StatusAccepted)
		return
	}
	h.writePerson(w, r, id, false)
}

func (h *Handler) apiDeletePerson(w http.ResponseWriter, r *http.Request) {
	id := api.ParseID(r.PathValue("id"))
	if h.principal(w, r, id) == nil {
		return
	}
	if err := h.DeletePerson(r.Context(), id); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
