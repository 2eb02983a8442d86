package account

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// CanonicalEmail is the form under which two addresses reach one inbox:
// what deduplicates participations (one inbox, one signature). Mail still
// goes to the address as typed; this form is only compared.
//
// Everywhere: surrounding space trimmed, Unicode NFKC and lower case on
// both sides, the domain in its IDNA ASCII form (a trailing dot dropped).
// A domain IDNA refuses is kept as normalized: the form only compares.
//
// Provider rules, only where the provider documents them (be conservative:
// merging two inboxes that are not one would refuse a real signature):
//   - gmail.com and googlemail.com are one domain; Gmail ignores dots in
//     the local part and everything after a "+" (support.google.com,
//     "Gmail doesn't recognize dots", "add a plus sign").
//   - Proton (proton.me, protonmail.com, protonmail.ch, pm.me) delivers
//     "name+anything" to "name" ("+aliases", proton.me/support/
//     addresses-and-aliases); its domains stay apart (separate addresses)
//     and dots stay significant.
//
// Nowhere else is a "+tag" or a dot dropped: on most servers they name
// another mailbox.
func CanonicalEmail(email string) string {
	email = strings.TrimSpace(fold(email)) // NFKC may bring a leading space (¨ is " ̈")
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], rootless(email[at+1:])
	if ascii, err := idna.Lookup.ToASCII(domain); err == nil && ascii != "" {
		domain = rootless(ascii) // IDNA maps other full stops (。) to dots
	}
	switch domain {
	case "gmail.com", "googlemail.com":
		domain = "gmail.com"
		local = strings.ReplaceAll(untagged(local), ".", "")
	case "proton.me", "protonmail.com", "protonmail.ch", "pm.me":
		local = untagged(local)
	}
	return local + "@" + domain
}

// rootless drops a trailing dot (the DNS root) and the space before it:
// they say nothing about the inbox.
func rootless(domain string) string {
	return strings.TrimRightFunc(domain, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
}

// untagged drops a "+tag" from a local part (not a leading "+": that is
// the whole name).
func untagged(local string) string {
	if i := strings.IndexByte(local, '+'); i > 0 {
		return local[:i]
	}
	return local
}

// fold is NFKC and lower case, normalized again after lowering (a few
// lowered letters decompose).
func fold(s string) string {
	return norm.NFKC.String(strings.ToLower(norm.NFKC.String(s)))
}
