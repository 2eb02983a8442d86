package target

import (
	"strings"
	"unicode"
)

// A company's lead supervisory authority (GDPR art. 56) is the authority
// of the member state of its main establishment in the Union. The
// datenanfragen data names none, so it is set by whoever may edit the
// target, or derived: the country of the company's postal address (its
// last line, "Ireland" or "Deutschland"), or its only country, whose
// data protection authority it is when that country has just one (not
// Germany, with an authority per Land).

// countryNames maps the names the directory's addresses end with, in
// English and in the country's own languages (lower-case, without
// accents), to ISO 3166-1 alpha-2 codes: the EEA, Switzerland and the
// United Kingdom, which have data protection authorities in it.
var countryNames = map[string]string{
	"austria": "AT", "osterreich": "AT", "belgium": "BE", "belgique": "BE", "belgie": "BE", "belgien": "BE",
	"bulgaria": "BG", "switzerland": "CH", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
	"cyprus": "CY", "czech republic": "CZ", "czechia": "CZ", "cesko": "CZ", "ceska republika": "CZ",
	"germany": "DE", "deutschland": "DE", "denmark": "DK", "danmark": "DK", "estonia": "EE", "eesti": "EE",
	"spain": "ES", "espana": "ES", "finland": "FI", "suomi": "FI", "france": "FR", "united kingdom": "GB", "uk": "GB",
	"great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
	"greece": "GR", "hellas": "GR", "croatia": "HR", "hrvatska": "HR", "hungary": "HU", "magyarorszag": "HU",
	"ireland": "IE", "republic of ireland": "IE", "eire": "IE", "iceland": "IS", "island": "IS", "italy": "IT", "italia": "IT",
	"liechtenstein": "LI", "lithuania": "LT", "lietuva": "LT", "luxembourg": "LU", "luxemburg": "LU",
	"latvia": "LV", "latvija": "LV", "malta": "MT", "netherlands": "NL", "the netherlands": "NL", "nederland": "NL",
	"norway": "NO", "norge": "NO", "poland": "PL", "polska": "PL", "portugal": "PT", "romania": "RO",
	"sweden": "SE", "sverige": "SE", "slovenia": "SI", "slovenija": "SI", "slovakia": "SK", "slovensko": "SK",
}

// EstablishmentCountry is the country a target is established in, as far
// as the directory tells: its only country, else the country its postal
// address ends with ("" when neither says).
func EstablishmentCountry(t *Target) string {
	if len(t.Countries) == 1 {
		return t.Countries[0]
	}
	lines := strings.FieldsFunc(t.PostalAddress, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			continue
		}
		if k := strings.LastIndex(line, ","); k >= 0 {
			line = line[k+1:]
		}
		return countryNames[foldName(line)]
	}
	return ""
}

// foldName lower-cases a country's name and drops its accents and dots.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r == '.':
		case strings.ContainsRune("àáâãäå", r):
			b.WriteRune('a')
		case strings.ContainsRune("èéêë", r):
			b.WriteRune('e')
		case strings.ContainsRune("ìíîï", r):
			b.WriteRune('i')
		case strings.ContainsRune("òóôõöø", r):
			b.WriteRune('o')
		case strings.ContainsRune("ùúûü", r):
			b.WriteRune('u')
		case r == 'ñ':
			b.WriteRune('n')
		case r == 'č':
			b.WriteRune('c')
		case r == 'š':
			b.WriteRune('s')
		case r == 'ž':
			b.WriteRune('z')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Lead is a company's lead authority and how it was found.
type Lead struct {
	Authority *Target
	Derived   bool   // from the company's country, not set by hand
	Country   string // the country it was derived from
}
