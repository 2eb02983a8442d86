package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Every setting is a flag, an environment variable and a key of the
// configuration file (TOML), by one name: the flag's. The variable is
// REPERTOIRE_ and the name in capitals with "_" for "-"; the key is the
// name itself. A flag given wins over the variable, the variable over the
// file, the file over the default. The file keeps secrets (the database's
// and the SMTP server's passwords) out of the shell's history and the
// process list.

// envNames are the variables whose name is not derived from the flag's
// (kept as they were first released).
var envNames = map[string]string{"trusted-proxy": "REPERTOIRE_TRUSTED_PROXIES"}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	if n, ok := envNames[flagName]; ok {
		return n
	}
	return "REPERTOIRE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// perInvocation are flags that name what one command works on, not how
// the instance runs: they have no variable and no key.
var perInvocation = []string{"config", "email", "name", "admin", "out", "from", "url"}

// configFlag adds --config to fs: the configuration file, also
// REPERTOIRE_CONFIG.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "configuration file (TOML; its keys are the flags' names), also REPERTOIRE_CONFIG")
}

// parseSettings parses args into fs, then sets each flag not given from
// its environment variable, else from the configuration file's key.
// Keys the file has that no command knows are refused: a misspelt key
// would otherwise be silently ignored.
func parseSettings(fs *flag.FlagSet, args []string) error {
	cfgPath := configFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	path := *cfgPath
	if path == "" {
		path = os.Getenv("REPERTOIRE_CONFIG")
	}
	file, err := readConfig(path)
	if err != nil {
		return err
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || slices.Contains(perInvocation, f.Name) {
			return
		}
		if v := os.Getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
			return
		}
		if v, ok := file[f.Name]; ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %w", path, f.Name, err))
			}
		}
	})
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// readConfig reads the configuration file into flag values: strings as
// they are, booleans and numbers written out, lists joined with commas.
func readConfig(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	var raw map[string]any
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	known := map[string]bool{}
	for _, s := range settings() {
		known[s.Name] = true
	}
	out := map[string]string{}
	for k, v := range raw {
		if !known[k] {
			return nil, fmt.Errorf("configuration file %s: unknown key %q (the keys are the flags of `repertoire serve`)", path, k)
		}
		switch v := v.(type) {
		case []any:
			var parts []string
			for _, e := range v {
				parts = append(parts, fmt.Sprint(e))
			}
			out[k] = strings.Join(parts, ",")
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}

// setting is one row of the configuration table in docs/deploy.md.
type setting struct{ Name, Env, Default, Usage string }

// settings are serve's flags (a superset of every other command's
// settings), in the order of the table.
func settings() []setting {
	fs, _ := serveFlags()
	var out []setting
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(perInvocation, f.Name) {
			return
		}
		out = append(out, setting{Name: f.Name, Env: envName(f.Name), Default: f.DefValue, Usage: f.Usage})
	})
	return out
}

// settingsTable is the Markdown table of settings that docs/deploy.md
// holds (TestDeployDocListsEverySetting keeps them equal).
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| key and flag | environment variable | default | meaning |\n|---|---|---|---|\n")
	for _, s := range settings() {
		def := "`" + s.Default + "`"
		if s.Default == "" {
			def = "—"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", s.Name, s.Env, def, strings.ReplaceAll(s.Usage, "|", "\\|"))
	}
	return b.String()
}
