package account

import (
	"slices"
	"strconv"
	"strings"

	"repertoire"
)

// A person's phone numbers, as OSDI and Action Network carry them.

// Phone is one of a person's phone numbers.
type Phone struct {
	Number      string // digits, with a leading + when international
	Primary     bool
	NumberType  string // OSDI's Home, Work, Mobile…, as the client says
	Extension   string
	Description string
	Operator    string
	Country     string
	SMSCapable  *bool // unknown when nil
	DoNotCall   bool
	Status      string // Action Network's SMS status
}

// MaxPhones is how many numbers a person keeps.
const MaxPhones = 10

// phoneIn is a phone number as a client sends it: absent fields (nil)
// keep what is stored for that number.
type phoneIn struct {
	Number      *string `json:"number"`
	Primary     *bool   `json:"primary"`
	NumberType  *string `json:"number_type"`
	Extension   *string `json:"extension"`
	Description *string `json:"description"`
	Operator    *string `json:"operator"`
	Country     *string `json:"country"`
	SMSCapable  *bool   `json:"sms_capable"`
	DoNotCall   *bool   `json:"do_not_call"`
	Status      *string `json:"status"`
}

// phoneStatuses are Action Network's statuses of a number.
var phoneStatuses = []string{"subscribed", "unsubscribed", "bouncing", "previous bounce", "spam complaint", "previous spam complaint"}

// NormalizePhone keeps a number's digits and its leading +: "+33 6 12-34"
// and "+33612 34" are one number. ok is false for what is no number.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := strings.TrimPrefix(b.String(), "+")
	return b.String(), len(n) >= 3 && len(n) <= 20
}

// mergePhones applies the numbers sent (matched by number) to those
// stored, validating each; field names the list ("person.phone_numbers").
// A number sent as primary makes the others secondary.
func mergePhones(field string, stored []Phone, in []phoneIn) ([]Phone, repertoire.Errors) {
	var errs repertoire.Errors
	out := append([]Phone(nil), stored...)
	for i, p := range in {
		f := field + "[" + strconv.Itoa(i) + "]."
		if p.Number == nil {
			errs = append(errs, repertoire.Invalid(f+"number", "field.required", nil))
			continue
		}
		if e := TooLong(f+"number", *p.Number, 40); e != nil {
			errs = append(errs, e)
			continue
		}
		number, ok := NormalizePhone(*p.Number)
		if !ok {
			errs = append(errs, repertoire.Invalid(f+"number", "account.bad_phone", nil))
			continue
		}
		at := -1
		for j := range out {
			if out[j].Number == number {
				at = j
			}
		}
		if at < 0 {
			out = append(out, Phone{Number: number})
			at = len(out) - 1
		}
		ph := &out[at]
		for _, t := range []struct {
			name string
			dst  *string
			v    *string
			max  int
		}{{"number_type", &ph.NumberType, p.NumberType, 50}, {"extension", &ph.Extension, p.Extension, 20},
			{"description", &ph.Description, p.Description, MaxName}, {"operator", &ph.Operator, p.Operator, MaxName},
			{"country", &ph.Country, p.Country, MaxName}} {
			if t.v == nil {
				continue
			}
			s := strings.TrimSpace(*t.v)
			if e := TooLong(f+t.name, s, t.max); e != nil {
				errs = append(errs, e)
				continue
			}
			*t.dst = s
		}
		if p.Status != nil {
			if s := strings.ToLower(strings.TrimSpace(*p.Status)); slices.Contains(phoneStatuses, s) {
				ph.Status = s
			} else {
				errs = append(errs, repertoire.Invalid(f+"status", "field.bad_choice", nil))
			}
		}
		if p.SMSCapable != nil {
			v := *p.SMSCapable
			ph.SMSCapable = &v
		}
		if p.DoNotCall != nil {
			ph.DoNotCall = *p.DoNotCall
		}
		if p.Primary != nil {
			if *p.Primary {
				for j := range out {
					out[j].Primary = false
				}
			}
			ph.Primary = *p.Primary
		}
	}
	if len(out) > MaxPhones {
		errs = append(errs, repertoire.Invalid(field, "account.too_many_phones", map[string]any{"Max": MaxPhones}))
	}
	return out, errs
}
