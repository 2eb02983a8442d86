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
// for administrators and, for the people of the communities they run,
// organizers (reach.go); a token otherwise reaches only its own person.

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

type phoneDoc struct {
	Number      string `json:"number"`
	Primary     bool   `json:"primary"`
	NumberType  string `json:"number_type,omitempty"`
	Extension   string `json:"extension,omitempty"`
	Description string `json:"description,omitempty"`
	Operator    string `json:"operator,omitempty"`
	Country     string `json:"country,omitempty"`
	SMSCapable  *bool  `json:"sms_capable,omitempty"`
	DoNotCall   bool   `json:"do_not_call"`
	Status      string `json:"status,omitempty"`
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
	PhoneNumbers      []phoneDoc        `json:"phone_numbers"`
	LanguagesSpoken   []string          `json:"languages_spoken"`
	PreferredLanguage string            `json:"preferred_language"`
	CustomFields      map[string]string `json:"custom_fields"`
	Links             api.Links         `json:"_links"`
}

func (h *Handler) personDoc(p *Person, phones []Phone) personDoc {
	phoneDocs := []phoneDoc{}
	for _, ph := range phones {
		phoneDocs = append(phoneDocs, phoneDoc{Number: ph.Number, Primary: ph.Primary, NumberType: ph.NumberType,
			Extension: ph.Extension, Description: ph.Description, Operator: ph.Operator, Country: ph.Country,
			SMSCapable: ph.SMSCapable, DoNotCall: ph.DoNotCall, Status: ph.Status})
	}
	self := api.URL(h.baseURL, api.Prefix+"/people", p.ID)
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
		PhoneNumbers:      phoneDocs,
		LanguagesSpoken:   []string{p.PreferredLanguage},
		PreferredLanguage: p.PreferredLanguage,
		CustomFields:      p.CustomFields,
		Links: api.Links{"self": api.Link{Href: self}, "osdi:taggings": api.Link{Href: self + "/taggings"},
			"osdi:signatures": api.Link{Href: self + "/signatures"}}, // signatures served by petition
	}
}

// personDocs are the documents of people, their phone numbers read at once.
func (h *Handler) personDocs(ctx context.Context, q store.Queryer, people []*Person) ([]personDoc, error) {
	ids := make([]string, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	phones, err := phonesOf(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	docs := make([]personDoc, 0, len(people))
	for _, p := range people {
		docs = append(docs, h.personDoc(p, phones[p.ID]))
	}
	return docs, nil
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
	PhoneNumbers      []phoneIn         `json:"phone_numbers"`
	LanguagesSpoken   []string          `json:"languages_spoken"`
	PreferredLanguage *string           `json:"preferred_language"`
	CustomFields      map[string]string `json:"custom_fields"`
	OriginSystem      *string           `json:"origin_system"`
}

// helperIn is what the signup helper carries beside the person.
type helperIn struct {
	AddTags    []string `json:"add_tags"`
	RemoveTags []string `json:"remove_tags"`
	Community  string   `json:"community"` // ours: the community an organizer acts in
}

// any is whether the helper asks for anything.
func (h helperIn) any() bool {
	return len(h.AddTags) > 0 || len(h.RemoveTags) > 0 || h.Community != ""
}

// first names the first of the helper's fields given.
func (h helperIn) first() string {
	switch {
	case len(h.AddTags) > 0:
		return "add_tags"
	case len(h.RemoveTags) > 0:
		return "remove_tags"
	}
	return "community"
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
// sends it ({"person": {...}, "add_tags": [...]}); prefix is how errors
// name its fields. A field neither OSDI nor Action Network defines is
// refused (api_fields.go).
func decodePerson(w http.ResponseWriter, r *http.Request) (in personIn, helper helperIn, prefix string, err error) {
	var raw json.RawMessage
	if err := api.Decode(w, r, &raw); err != nil {
		return in, helper, "", err
	}
	var wrapper struct {
		Person json.RawMessage `json:"person"`
	}
	known := bareFields
	if json.Unmarshal(raw, &wrapper) == nil && len(wrapper.Person) > 0 && string(wrapper.Person) != "null" {
		known = helperFields
	}
	if err := unknownFields(raw, "", known); err != nil {
		return in, helper, "", err
	}
	if err := json.Unmarshal(raw, &helper); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return in, helper, "", repertoire.Invalid(ute.Field, "field.bad_json", nil)
		}
		return in, helper, "", repertoire.Invalid("", "field.bad_json", nil)
	}
	if len(wrapper.Person) > 0 && string(wrapper.Person) != "null" {
		raw, prefix = wrapper.Person, "person."
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return in, helper, prefix, repertoire.Invalid(prefix+ute.Field, "field.bad_json", nil)
		}
		return in, helper, prefix, repertoire.Invalid(strings.TrimSuffix(prefix, "."), "field.bad_json", nil)
	}
	return in, helper, prefix, nil
}

// applyPerson merges in into the person p (already read in tx) and writes
// it; every field is checked first, so a refused request changes nothing.
// An organizer (keep) leaves the person's email status as it is: an
// unsubscribe is the person's own, and a bounce the outbox's.
func applyPerson(ctx context.Context, tx *store.Tx, p *Person, in personIn, prefix string, keepStatus bool) error {
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
			field := prefix + "email_addresses[" + strconv.Itoa(i) + "].status"
			switch {
			case !validEmailStatus(*st):
				errs = append(errs, repertoire.Invalid(field, "field.bad_choice", nil))
			case keepStatus && *st != p.EmailStatus:
				errs = append(errs, repertoire.Invalid(field, "account.status_is_theirs", nil))
			default:
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
		if lang, err := i18n.CheckLanguage(prefix+"preferred_language", *in.PreferredLanguage, true); err != nil {
			errs = append(errs, err)
		} else {
			p.PreferredLanguage = lang
		}
	case len(in.LanguagesSpoken) > 0:
		for _, l := range in.LanguagesSpoken {
			if lang, ok := i18n.ParseLanguage(l); ok {
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
	var phones []Phone
	if len(in.PhoneNumbers) > 0 {
		stored, err := phonesOf(ctx, tx, []string{p.ID})
		if err != nil {
			return err
		}
		var perrs repertoire.Errors
		phones, perrs = mergePhones(prefix+"phone_numbers", stored[p.ID], in.PhoneNumbers)
		errs = append(errs, perrs...)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if err := savePhones(ctx, tx, p.ID, phones); err != nil {
		return err
	}
	err := updatePerson(ctx, tx, p, was)
	if repertoire.ErrorCode(err) == repertoire.ECONFLICT {
		i, _ := in.primaryEmail()
		return &repertoire.Error{Code: repertoire.ECONFLICT, Field: prefix + "email_addresses[" + strconv.Itoa(i) + "].address", MessageID: "account.email_in_use"}
	}
	return err
}

// principal returns the token's owner when it may act on person id (an
// administrator, or the person themselves), writing 401/403 otherwise.
// With organizers, an organizer may too: on the collection (id ""), and on
// a person they reach (reach.go); another person is not found, whether or
// not they exist.
func (h *Handler) principal(w http.ResponseWriter, r *http.Request, id string, organizers bool) *api.Principal {
	p := api.Require(w, r)
	if p == nil {
		return nil
	}
	if p.IsAdmin || (id != "" && p.PersonID == id) {
		return p
	}
	var err error = repertoire.Errorf(repertoire.EFORBIDDEN, "error.forbidden")
	if organizers {
		ok, e := h.organizes(r.Context(), h.db.Reader(), p.PersonID)
		switch {
		case e != nil:
			err = e
		case ok && id == "":
			return p
		case ok:
			if ok, err = h.Reaches(r.Context(), h.db.Reader(), p, id); err == nil && ok {
				return p
			} else if err == nil {
				err = repertoire.Errorf(repertoire.ENOTFOUND, "person.not_found")
			}
		}
	}
	api.Problem(w, r, h.log, err)
	return nil
}

func (h *Handler) apiListPeople(w http.ResponseWriter, r *http.Request) {
	pr := h.principal(w, r, "", true)
	if pr == nil {
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
	if !pr.IsAdmin {
		f.Reach, f.OrganizerID = h.reachCondition, pr.PersonID
	}
	people, total, err := listPeople(r.Context(), h.db.Reader(), f, page.PerPage, page.Offset())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs, err := h.personDocs(r.Context(), h.db.Reader(), people)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "osdi:people", docs, total, page))
}

func (h *Handler) apiGetPerson(w http.ResponseWriter, r *http.Request) {
	id := api.ParseID(r.PathValue("id"))
	if h.principal(w, r, id, true) == nil {
		return
	}
	h.writeDoc(w, r, h.db.Reader(), id, http.StatusOK)
}

// apiSignup is OSDI's person signup helper: the person is matched by email
// address and updated, or created, then tagged and untagged (add_tags,
// remove_tags) in the community the request acts in. An organizer's
// request puts the person on that community's list (a contact, never a
// member) and answers 201 when they are new to it, which tells nothing of
// whom Repertoire knew before.
func (h *Handler) apiSignup(w http.ResponseWriter, r *http.Request) {
	pr := h.principal(w, r, "", true)
	if pr == nil {
		return
	}
	in, helper, prefix, err := decodePerson(w, r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	organizer := !pr.IsAdmin
	var communityID string
	if organizer || helper.any() {
		if h.Lists == nil {
			api.Problem(w, r, h.log, repertoire.Invalid("community", "error.invalid", nil))
			return
		}
		if communityID, err = h.Lists.Community(r.Context(), pr, helper.Community, "community"); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
		errs := append(h.Lists.CheckNames("add_tags", helper.AddTags), h.Lists.CheckNames("remove_tags", helper.RemoveTags)...)
		if err := errs.Err(); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
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
		if organizer && !created {
			reach, err := reached(ctx, tx, h.reachCondition("p.id", "$2"), p.ID, pr.PersonID)
			if err != nil {
				return err
			}
			created = !reach
		}
		if err := applyPerson(ctx, tx, p, in, prefix, organizer); err != nil {
			return err
		}
		if communityID == "" {
			return nil
		}
		if err := addContact(ctx, tx, communityID, p.ID, pr.PersonID); err != nil {
			return err
		}
		return h.Lists.Apply(ctx, tx, communityID, p.ID, helper.AddTags, helper.RemoveTags)
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
	h.writeDoc(w, r, h.db.Writer(), id, status) // the writer: a replica may lag the write just made
}

// writeDoc answers with the person's document read from q.
func (h *Handler) writeDoc(w http.ResponseWriter, r *http.Request, q store.Queryer, id string, status int) {
	p, err := GetPerson(r.Context(), q, id)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs, err := h.personDocs(r.Context(), q, []*Person{p})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := docs[0]
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
	principal := h.principal(w, r, id, true)
	if principal == nil {
		return
	}
	in, helper, prefix, err := decodePerson(w, r)
	if err == nil && helper.any() {
		err = repertoire.Invalid(helper.first(), "account.helper_only", nil)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	// An organizer updates the people they reach, but their address and
	// its status are the person's own: a changed address would take over
	// their account's mailed links.
	organizer := !principal.IsAdmin && principal.PersonID != id
	ctx := r.Context()
	pending := false
	err = h.db.Write(ctx, func(tx *store.Tx) error {
		p, err := GetPerson(ctx, tx, id)
		if err != nil {
			return err
		}
		var newEmail string
		var holder *Person // another person who has the address asked for
		if i, addr := in.primaryEmail(); addr != nil && organizer && NormalizeEmail(*addr) != p.Email {
			return repertoire.Invalid(prefix+"email_addresses["+strconv.Itoa(i)+"].address", "account.address_is_theirs", nil)
		}
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
		if err := applyPerson(ctx, tx, p, in, prefix, organizer); err != nil {
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
	if h.principal(w, r, id, false) == nil {
		return
	}
	if err := h.DeletePerson(r.Context(), id); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
