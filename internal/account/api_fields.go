package account

import (
	"encoding/json"
	"sort"
	"strconv"

	"repertoire"
)

// The fields a person may carry: every one OSDI or Action Network defines
// is accepted, those Repertoire has no place for are ignored (README.md,
// "OSDI fields"), and any other is refused, naming it: a client never
// believes a field was kept when it was dropped.

// fields are the known fields of a JSON object: nil for a value taken
// whole, or the fields of the objects it holds (an object, or a list of
// them).
type fields map[string]fields

var (
	emailFields  = fields{"address": nil, "primary": nil, "status": nil, "address_type": nil}
	postalFields = fields{"primary": nil, "address_type": nil, "venue": nil, "address_lines": nil, "locality": nil,
		"region": nil, "postal_code": nil, "country": nil, "language": nil, "location": nil, "status": nil}
	phoneFields = fields{"primary": nil, "number": nil, "number_type": nil, "extension": nil, "description": nil,
		"operator": nil, "country": nil, "sms_capable": nil, "do_not_call": nil, "status": nil}
	// personFields: stored, then accepted and ignored.
	personFields = fields{
		"given_name": nil, "family_name": nil, "email_addresses": emailFields, "postal_addresses": postalFields,
		"phone_numbers": phoneFields, "languages_spoken": nil, "preferred_language": nil, "custom_fields": nil,
		"origin_system": nil,

		"identifiers": nil, "created_date": nil, "modified_date": nil, "additional_name": nil, "honorific_prefix": nil,
		"honorific_suffix": nil, "gender": nil, "gender_identity": nil, "gender_pronouns": nil, "party_identification": nil,
		"parties": nil, "source": nil, "browser_url": nil, "employer": nil, "ethnicities": nil, "birthdate": nil,
		"profiles": nil, "_links": nil, "_embedded": nil,
	}
	// helperFields are the signup helper's, beside the person: tags, the
	// community (ours), Action Network's triggers (accepted, ignored: no
	// autoresponse is sent).
	helperFields = fields{"person": personFields, "add_tags": nil, "remove_tags": nil, "community": nil, "triggers": nil}
	// bareFields are a person sent alone, as PUT does (the helper's fields
	// beside it are refused there).
	bareFields = func() fields {
		f := fields{"add_tags": nil, "remove_tags": nil, "community": nil, "triggers": nil}
		for k, v := range personFields {
			f[k] = v
		}
		return f
	}()
)

// unknownFields checks raw (a JSON object) against known, naming the
// first unknown field under prefix; values that are not objects are left
// to the decoder.
func unknownFields(raw json.RawMessage, prefix string, known fields) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub, ok := known[k]
		if !ok {
			return repertoire.Invalid(prefix+k, "account.unknown_field", nil)
		}
		if sub == nil {
			continue
		}
		var list []json.RawMessage
		if json.Unmarshal(obj[k], &list) == nil {
			for i, item := range list {
				if err := unknownFields(item, prefix+k+"["+strconv.Itoa(i)+"].", sub); err != nil {
					return err
				}
			}
			continue
		}
		if err := unknownFields(obj[k], prefix+k+".", sub); err != nil {
			return err
		}
	}
	return nil
}
