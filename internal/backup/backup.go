// Package backup writes a practice's data into one archive and puts it
// back. The archive is a gzipped tar file: a consistent copy of the SQLite
// database, taken while the server runs, the files of the data directory
// (secrets, stored files), and last a manifest of every file's size and
// SHA-256 sum, which a restore checks before it puts anything in place.
package backup

import (
	"context"
	"time"
)

// Format is the archive layout's version, in its manifest.
const Format = 1

// Names inside an archive.
const (
	// DatabaseName is the SQLite database, first in the archive; a
	// restore puts it where the server looks for it in the data directory.
	DatabaseName = "rapport.db"
	// ManifestName is the manifest, last in the archive.
	ManifestName = "manifest.json"
)

// Manifest lists what an archive holds.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Files are the database first, then the data directory's files, by
	// their slash-separated paths in it.
	Files []Entry `json:"files"`
}

// Entry is one file of an archive.
type Entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Bytes is the size of every file together.
func (m *Manifest) Bytes() int64 {
	var n int64
	for _, e := range m.Files {
		n += e.Size
	}
	return n
}

// Snapshotter writes a consistent copy of the live database to a new file
// (store.DB does).
type Snapshotter interface {
	Snapshot(ctx context.Context, path string) error
}

// Progress is told how many bytes of how many are done; nil: nothing is
// told.
type Progress func(done, total int64)

func (p Progress) report(done, total int64) {
	if p != nil {
		p(done, total)
	}
}
