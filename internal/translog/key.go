package translog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Key is the instance's signing key and the verifier key others check its
// checkpoints with. Its name is the log's origin.
type Key struct {
	Signer   note.Signer
	Verifier string // the verifier key, served at /log/key
}

// Origin is the log's name: the first line of its checkpoints.
func (k Key) Origin() string { return k.Signer.Name() }

// LoadKey reads the signing key at path, or makes one named origin there
// (mode 0600) when there is none: the first start. A key keeps its name,
// so a later change of the base URL does not change the log's origin.
func LoadKey(path, origin string) (Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skey, _, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return Key{}, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return Key{}, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return Key{}, fmt.Errorf("translog: writing the log key: %w", err)
		}
		if _, err := f.WriteString(skey + "\n"); err != nil {
			f.Close()
			return Key{}, err
		}
		if err := f.Close(); err != nil {
			return Key{}, err
		}
		b = []byte(skey)
	} else if err != nil {
		return Key{}, fmt.Errorf("translog: reading the log key: %w", err)
	}
	return ParseKey(strings.TrimSpace(string(b)))
}

// ParseKey reads a note signer key (PRIVATE+KEY+<name>+<hash>+<key>) and
// derives its verifier key.
func ParseKey(skey string) (Key, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return Key{}, fmt.Errorf("translog: the log key: %w", err)
	}
	// PRIVATE+KEY+<name>+<hash>+<base64 key>: the key's own base64 may
	// hold "+" too.
	f := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(f[len(f)-1])
	if len(f) != 5 || err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return Key{}, errors.New("translog: the log key is not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return Key{}, err
	}
	return Key{Signer: signer, Verifier: vkey}, nil
}
