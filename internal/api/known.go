package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"repertoire"
)

// Known lists the fields a resource accepts, those OSDI and Action Network
// define for it (stored or ignored) and ours: a field maps to nil when any
// value goes, or to the fields of its object (or of each object of its
// array).
type Known map[string]Known

// DecodeKnown is Decode that first refuses, with a 422 naming each, the
// fields outside known (e.g. target[0].nmae), so a typo is never silently
// dropped.
func DecodeKnown(w http.ResponseWriter, r *http.Request, v any, known Known) error {
	var raw json.RawMessage
	if err := Decode(w, r, &raw); err != nil {
		return err
	}
	if err := known.Check(raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(err)
	}
	return nil
}

// Check refuses the fields of the JSON document raw outside k.
func (k Known) Check(raw json.RawMessage) error {
	var errs repertoire.Errors
	k.check(raw, "", &errs)
	return errs.Err()
}

func (k Known) check(raw json.RawMessage, path string, errs *repertoire.Errors) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			for i, it := range items {
				k.check(it, path+"["+strconv.Itoa(i)+"]", errs)
			}
		}
	case len(raw) > 0 && raw[0] == '{':
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) == nil {
			k.checkFields(fields, path, errs)
		}
	}
}

// CheckFields is Check on an object already read into its fields.
func (k Known) CheckFields(fields map[string]json.RawMessage) error {
	var errs repertoire.Errors
	k.checkFields(fields, "", &errs)
	return errs.Err()
}

func (k Known) checkFields(fields map[string]json.RawMessage, path string, errs *repertoire.Errors) {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		at := name
		if path != "" {
			at = path + "." + name
		}
		sub, ok := k[name]
		if !ok {
			*errs = append(*errs, repertoire.Invalid(at, "api.unknown_field", nil))
		} else if sub != nil {
			sub.check(fields[name], at, errs)
		}
	}
}

// LinkedID reads a HAL link ({"href": "…/people/<id>"}) and returns the
// id it ends with.
func LinkedID(raw json.RawMessage) (string, error) {
	var l Link
	if err := json.Unmarshal(raw, &l); err != nil {
		return "", err
	}
	href := strings.TrimRight(strings.TrimSpace(l.Href), "/")
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		href = href[:i]
	}
	id := ParseID(href[strings.LastIndex(href, "/")+1:])
	if id == "" {
		return "", errors.New("api: link without an id")
	}
	return id, nil
}
