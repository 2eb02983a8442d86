package target

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"repertoire/internal/store"
)

// The datenanfragen directory (CC0, see data/LICENSE and data/SOURCE.md),
// kept as one deterministic tar.gz: 13 MB of JSON files weigh 460 KB so.
//
//go:embed data/datenanfragen.tar.gz data/LICENSE data/SOURCE.md
var embedded embed.FS

// entry is one record of the datenanfragen format: a company
// (companies/*.json) or a supervisory authority
// (supervisory-authorities/*.json). Only what the directory keeps is read.
type entry struct {
	Slug              string   `json:"slug"`
	RelevantCountries []string `json:"relevant-countries"`
	Name              string   `json:"name"`
	Runs              []string `json:"runs"`
	Address           string   `json:"address"`
	Phone             string   `json:"phone"`
	Email             string   `json:"email"`
	Webform           string   `json:"webform"`
	Web               string   `json:"web"`
	RequestLanguage   string   `json:"request-language"`
	ComplaintLanguage string   `json:"complaint-language"`
}

// files is a directory's JSON files by path (companies/x.json, …).
type files map[string][]byte

// Hash is the content hash of the files: equal hashes, equal directory.
func (fs files) Hash() string {
	names := make([]string, 0, len(fs))
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(fs[n]))
		h.Write(fs[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// relevant keeps the record files of the datenanfragen layout: JSON
// files of companies/ and supervisory-authorities/, whose names end in
// .json but one (companies/mdm-de), so any name without another
// extension counts.
func relevant(name string) bool {
	dir := path.Dir(name)
	ext := path.Ext(name)
	return (dir == "companies" || dir == "supervisory-authorities") && (ext == ".json" || ext == "") && !strings.HasPrefix(path.Base(name), ".")
}

// readArchive reads the record files of a tar.gz.
func readArchive(r io.Reader) (files, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	out := files{}
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		name := path.Clean(strings.TrimPrefix(hd.Name, "./"))
		if hd.Typeflag != tar.TypeReg || !relevant(name) {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
}

// readDir reads the record files of a directory in the datenanfragen
// layout (companies/, supervisory-authorities/).
func readDir(fsys fs.FS) (files, error) {
	out := files{}
	for _, dir := range []string{"companies", "supervisory-authorities"} {
		names, err := fs.Glob(fsys, dir+"/*")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if st, err := fs.Stat(fsys, n); err != nil || !st.Mode().IsRegular() || !relevant(n) {
				continue
			}
			b, err := fs.ReadFile(fsys, n)
			if err != nil {
				return nil, err
			}
			out[n] = b
		}
	}
	if len(out) == 0 {
		return nil, errors.New("target: no companies/*.json nor supervisory-authorities/*.json in the directory")
	}
	return out, nil
}

// targets turns the files into directory targets, in path order; a file
// that is not a record is an error naming it.
func (fs files) targets() ([]Target, error) {
	names := make([]string, 0, len(fs))
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Target, 0, len(names))
	for _, n := range names {
		var e entry
		if err := json.Unmarshal(fs[n], &e); err != nil {
			return nil, fmt.Errorf("target: %s: %w", n, err)
		}
		if e.Slug == "" || e.Name == "" {
			return nil, fmt.Errorf("target: %s: no slug or name", n)
		}
		t := Target{Source: SourceDatenanfragen, Slug: e.Slug, Name: strings.TrimSpace(e.Name), OtherNames: cleanList(e.Runs, nil),
			PostalAddress: strings.TrimSpace(e.Address), Phone: e.Phone, Email: e.Email, WebForm: e.Webform, Website: e.Web}
		if path.Dir(n) == "supervisory-authorities" {
			t.Kind, t.Role, t.Organization = KindRegulator, RoleDataProtection, t.Name
			t.Languages = cleanList([]string{e.ComplaintLanguage}, strings.ToLower)
		} else {
			t.Kind, t.Role, t.Organization = KindCompany, RolePrivacy, t.Name
			t.Languages = cleanList([]string{e.RequestLanguage}, strings.ToLower)
		}
		for _, c := range e.RelevantCountries {
			if c = strings.ToUpper(strings.TrimSpace(c)); countryPattern.MatchString(c) {
				t.Countries = append(t.Countries, c)
			} // "all": every country, kept as none
		}
		out = append(out, t)
	}
	return out, nil
}

// Import is what an import did.
type Import struct {
	Rows      int           // targets written; 0 when the directory was unchanged
	Unchanged bool          // the same content was loaded before
	Took      time.Duration // reading, parsing and writing
}

// LoadEmbedded loads the embedded datenanfragen directory unless its
// content was loaded already: at every start, it costs one read.
func LoadEmbedded(ctx context.Context, db *store.DB) (Import, error) {
	start := time.Now()
	b, err := embedded.ReadFile("data/datenanfragen.tar.gz")
	if err != nil {
		return Import{}, err
	}
	fs, err := readArchive(bytes.NewReader(b))
	if err != nil {
		return Import{}, err
	}
	return load(ctx, db, fs, start)
}

// ImportDir updates the directory from dir, a copy of the datenanfragen
// data (companies/*.json, supervisory-authorities/*.json): new targets are
// added and known ones (by slug) rewritten. A target the data no longer
// has stays, for the letters that name it.
func ImportDir(ctx context.Context, db *store.DB, dir string) (Import, error) {
	start := time.Now()
	fs, err := readDir(os.DirFS(dir))
	if err != nil {
		return Import{}, err
	}
	return load(ctx, db, fs, start)
}

func load(ctx context.Context, db *store.DB, fs files, start time.Time) (Import, error) {
	hash := fs.Hash()
	last, err := importedHash(ctx, db.Reader(), SourceDatenanfragen)
	if err != nil {
		return Import{}, err
	}
	if last == hash {
		return Import{Unchanged: true, Took: time.Since(start)}, nil
	}
	ts, err := fs.targets()
	if err != nil {
		return Import{}, err
	}
	err = db.Write(ctx, func(tx *store.Tx) error { return upsertDirectory(ctx, tx, SourceDatenanfragen, hash, ts) })
	if err != nil {
		return Import{}, err
	}
	return Import{Rows: len(ts), Took: time.Since(start)}, nil
}
