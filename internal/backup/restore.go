package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrNotEmpty answers a restore into a data directory that holds anything:
// a restore never mixes an archive with other data, nor replaces it.
var ErrNotEmpty = errors.New("is not empty: restore only into a new or empty data directory")

// Checker checks a restored data directory before it is put in place (the
// command opens the database in it and runs SQLite's integrity check).
type Checker func(ctx context.Context, dir string) error

// Restore puts the archive src back into dataDir, which must not exist or
// be empty. Everything is unpacked into a staging directory first (inside
// dataDir when it exists, else beside it: on dataDir's own file system
// either way, so that moving it in is a rename, even when dataDir is a
// mount point), checked against the manifest (every file, its size and its
// sum, nothing more) and by check; only then does it move into dataDir. A
// failed restore leaves dataDir as it was: missing, or empty.
func Restore(ctx context.Context, src, dataDir string, check Checker, progress Progress) (*Manifest, error) {
	if err := mustBeEmpty(dataDir); err != nil {
		return nil, err
	}
	in, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return nil, err
	}
	stage, err := stageFor(dataDir)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	var done int64
	counted := &ctxReader{ctx: ctx, r: in, read: func(n int64) { done += n; progress.report(done, info.Size()) }}
	m, got, err := unpack(counted, stage)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	if err := m.verify(got); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	if check != nil {
		if err := check(ctx, stage); err != nil {
			return nil, fmt.Errorf("%s: the restored database: %w", src, err)
		}
	}
	return m, moveInto(stage, dataDir)
}

// stageFor makes the directory a restore into dataDir unpacks into: a
// hidden one inside dataDir when it exists, else beside it in its parent
// (made if need be). Either is on the file system dataDir is, or will be,
// on.
func stageFor(dataDir string) (string, error) {
	if info, err := os.Stat(dataDir); err == nil && info.IsDir() {
		return os.MkdirTemp(dataDir, ".rapport-restore-*")
	}
	parent := filepath.Dir(filepath.Clean(dataDir))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, ".rapport-restore-*")
}

// mustBeEmpty answers ErrNotEmpty when dir holds anything.
func mustBeEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s %w", dir, ErrNotEmpty)
	}
	return nil
}

// unpack writes the archive's files into dir and returns its manifest and
// what it found: each file's size and sum.
func unpack(r io.Reader, dir string) (*Manifest, map[string]Entry, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("not a Rapport backup (gzip: %w)", err)
	}
	tr := tar.NewReader(gz)
	got := map[string]Entry{}
	var m *Manifest
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("not a Rapport backup, or cut short (tar: %w)", err)
		}
		if err := checkEntry(h, got); err != nil {
			return nil, nil, err
		}
		if h.Name == ManifestName {
			if m != nil {
				return nil, nil, fmt.Errorf("%q is in the archive twice: refused", h.Name)
			}
			if m, err = readManifest(tr); err != nil {
				return nil, nil, err
			}
			continue
		}
		e, err := writeFile(tr, filepath.Join(dir, filepath.FromSlash(h.Name)), h.Name)
		if err != nil {
			return nil, nil, err
		}
		got[h.Name] = e
	}
	if m == nil {
		return nil, nil, errors.New("no manifest: not a Rapport backup, or cut short")
	}
	return m, got, nil
}

// checkEntry refuses what a Rapport archive never holds: anything but a
// regular file, a name that would land outside the directory, a name twice.
func checkEntry(h *tar.Header, seen map[string]Entry) error {
	if h.Typeflag != tar.TypeReg {
		return fmt.Errorf("%q is not a regular file: not a Rapport backup", h.Name)
	}
	if !filepath.IsLocal(filepath.FromSlash(h.Name)) {
		return fmt.Errorf("%q would be written outside the data directory: refused", h.Name)
	}
	if _, dup := seen[h.Name]; dup {
		return fmt.Errorf("%q is in the archive twice: refused", h.Name)
	}
	return nil
}

func readManifest(r io.Reader) (*Manifest, error) {
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("the manifest cannot be read: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("the archive's format is %d; this version of Rapport reads format %d", m.Format, Format)
	}
	return &m, nil
}

// writeFile writes one file of the archive to path, owner-only, and sums it.
func writeFile(r io.Reader, path, name string) (Entry, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Entry{}, err
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Entry{}, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, sum), r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Entry{}, fmt.Errorf("unpack %s: %w", name, err)
	}
	return Entry{Name: name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// verify checks that the archive held exactly the manifest's files, each
// with its size and sum, the database among them.
func (m *Manifest) verify(got map[string]Entry) error {
	listed := map[string]bool{}
	for _, want := range m.Files {
		listed[want.Name] = true
		e, ok := got[want.Name]
		switch {
		case !ok:
			return fmt.Errorf("%s is in the manifest but not in the archive", want.Name)
		case e.Size != want.Size || e.SHA256 != want.SHA256:
			return fmt.Errorf("%s is damaged: %d bytes with SHA-256 %.12s…, the manifest says %d bytes with %.12s…", want.Name, e.Size, e.SHA256, want.Size, want.SHA256)
		}
	}
	for name := range got {
		if !listed[name] {
			return fmt.Errorf("%s is in the archive but not in its manifest", name)
		}
	}
	if !listed[DatabaseName] {
		return fmt.Errorf("the archive holds no database (%s)", DatabaseName)
	}
	return nil
}

// moveInto moves the unpacked stage into dataDir: a rename of the whole
// directory when dataDir does not exist, else of each entry into the empty
// dataDir (the stage is inside it, see stageFor). When an entry cannot be
// moved, those moved already are removed again: dataDir is left empty, as
// it was.
func moveInto(stage, dataDir string) error {
	if _, err := os.Stat(dataDir); errors.Is(err, os.ErrNotExist) {
		return os.Rename(stage, dataDir)
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	var moved []string
	for _, e := range entries {
		to := filepath.Join(dataDir, e.Name())
		if err := os.Rename(filepath.Join(stage, e.Name()), to); err != nil {
			return errors.Join(fmt.Errorf("move the restored %s into %s: %w", e.Name(), dataDir, err), removeAll(moved))
		}
		moved = append(moved, to)
	}
	return nil
}

// removeAll removes each of paths, and says which it could not.
func removeAll(paths []string) error {
	var errs []error
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, fmt.Errorf("remove the half-restored %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}
