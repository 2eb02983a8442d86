package integrity

// disposable lists well-known throwaway mail services (their main domains;
// subdomains match too). A short, stable list kept here rather than a
// fetched one: the rule is evidence beside others, never a verdict alone.
var disposable = set(
	"10minutemail.com", "10minutemail.net", "20minutemail.com", "33mail.com",
	"anonbox.net", "burnermail.io", "discard.email", "dispostable.com",
	"dropmail.me", "emailondeck.com", "fakeinbox.com", "fakemail.net",
	"getairmail.com", "getnada.com", "guerrillamail.biz", "guerrillamail.com",
	"guerrillamail.de", "guerrillamail.info", "guerrillamail.net", "guerrillamail.org",
	"guerrillamailblock.com", "harakirimail.com", "incognitomail.org", "inboxkitten.com",
	"jetable.org", "mailcatch.com", "maildrop.cc", "mailinator.com", "mailinator.net",
	"mailnesia.com", "mailpoof.com", "mintemail.com", "moakt.com", "mohmal.com",
	"mytemp.email", "nada.email", "sharklasers.com", "spam4.me", "spambog.com",
	"spamgourmet.com", "temp-mail.io", "temp-mail.org", "tempail.com", "tempmail.com",
	"tempmail.dev", "tempmail.net", "tempmailo.com", "tempr.email", "throwawaymail.com",
	"trashmail.com", "trashmail.de", "trashmail.net", "yopmail.com", "yopmail.fr",
	"yopmail.net", "cool.fr.nf", "jetable.fr.nf", "courriel.fr.nf", "moncourrier.fr.nf",
	"monemail.fr.nf", "monmail.fr.nf", "mail-temp.com", "emailfake.com", "linshiyouxiang.net",
	"mvrht.com", "armyspy.com", "cuvox.de", "dayrep.com", "einrot.com", "fleckens.hu",
	"gustr.com", "jourrapide.com", "rhyta.com", "superrito.com", "teleworm.us",
)

// providers are the common mail providers whose misspellings TypoDomain
// reports.
var providers = set(
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "yahoo.co.uk",
	"hotmail.com", "hotmail.fr", "hotmail.co.uk", "outlook.com", "outlook.fr",
	"live.com", "live.fr", "msn.com", "icloud.com", "me.com", "aol.com",
	"proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.fr", "web.de",
	"orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "laposte.net", "bbox.fr",
	"yandex.ru", "mail.ru", "zoho.com", "fastmail.com", "tutanota.com", "posteo.de",
	"riseup.net", "comcast.net", "verizon.net", "btinternet.com", "t-online.de",
)

func set(xs ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(xs))
	for _, x := range xs {
		m[x] = struct{}{}
	}
	return m
}

// oneEdit reports whether a and b differ by exactly one substitution,
// insertion, deletion, or swap of two neighbouring bytes.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		i := 0
		for i < la && a[i] == b[i] {
			i++
		}
		if a[i+1:] == b[i+1:] {
			return true // one substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case la == lb+1:
		return oneDeletion(a, b)
	case lb == la+1:
		return oneDeletion(b, a)
	}
	return false
}

// oneDeletion reports whether dropping one byte of long gives short.
func oneDeletion(long, short string) bool {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	return long[i+1:] == short[i:]
}
