package i18n

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Numbers are written the way each language writes them: "100,000" and
// "12%" in English, "100 000" and "12 %" in French, each space there a
// narrow no-break space (U+202F). Every page, mail, PDF and share image
// that shows a count or a percentage goes through FormatNumber and
// FormatPercent (the templates' num and percent, Localizer.T's integer
// arguments), so a goal reads the same everywhere.
//
// x/text places the digits, the groups and the percent sign by CLDR's
// patterns, but its tables are CLDR 32's, whose French spaces are U+00A0;
// CLDR 34 made them U+202F, as French typography has it, and so they are
// turned into it here.

var printers = map[string]*message.Printer{
	"en": message.NewPrinter(language.English),
	"fr": message.NewPrinter(language.French),
}

func printer(lang string) *message.Printer {
	if p, ok := printers[lang]; ok {
		return p
	}
	return printers[Languages[0]]
}

// FormatNumber writes a count in lang's typography: "1,234" / "1 234".
func FormatNumber(lang string, n int) string {
	return spaces(lang, printer(lang).Sprint(number.Decimal(n)))
}

// FormatPercent writes a percentage (12 for 12 %) in lang's typography:
// "12%" / "12 %".
func FormatPercent(lang string, percent int) string {
	return spaces(lang, printer(lang).Sprint(number.Percent(float64(percent)/100)))
}

// spaces turns CLDR 32's no-break spaces into CLDR 34's narrow ones.
func spaces(lang, s string) string {
	if lang == "fr" {
		return strings.ReplaceAll(s, "\u00a0", "\u202f")
	}
	return s
}

// Num writes a count in the localizer's language.
func (l *Localizer) Num(n int) string { return FormatNumber(l.lang(), n) }

// Percent writes a percentage in the localizer's language.
func (l *Localizer) Percent(p int) string { return FormatPercent(l.lang(), p) }

func (l *Localizer) lang() string {
	if l == nil {
		return Languages[0]
	}
	return l.Lang
}

// figures formats the integer arguments of a message for people: a count
// in the language's typography, and the one named Percent as a
// percentage ("{{.Percent}} of the way" reads "12% of the way"). An
// argument meant to read as bare digits (a version, a code) is passed as
// a string. The plural form is chosen from the number itself, before
// this.
func figures(lang string, data map[string]any) map[string]any {
	var out map[string]any
	for k, v := range data {
		n, ok := integer(v)
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(data))
			for k2, v2 := range data {
				out[k2] = v2
			}
		}
		if k == "Percent" {
			out[k] = FormatPercent(lang, n)
		} else {
			out[k] = FormatNumber(lang, n)
		}
	}
	if out == nil {
		return data
	}
	return out
}

func integer(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	}
	return 0, false
}
