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
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// leftOut are the data directory's names a backup does not carry: the live
// database and its logs (the snapshot replaces them), the server's own log
// files, and the Skool scraper's browser profile (a cache: it signs in
// again).
var leftOut = map[string]bool{
	DatabaseName: true, DatabaseName + "-wal": true, DatabaseName + "-shm": true, DatabaseName + "-journal": true,
	"logs": true, "skool-browser": true,
}

// file is one file to archive: its name in the archive and on disk.
type file struct {
	name, path string
	size       int64
}

// Write archives the database (through db) and the files of dataDir into
// dst, which must not exist. The archive appears at dst only once it is
// whole: it is written beside it under a temporary name and renamed.
func Write(ctx context.Context, dst, dataDir string, db Snapshotter, progress Progress) (*Manifest, error) {
	if _, err := os.Lstat(dst); err == nil {
		return nil, fmt.Errorf("%s exists already: give a new file name (a backup never overwrites one)", dst)
	}
	dir := filepath.Dir(dst)
	work, err := os.MkdirTemp(dir, ".rapport-backup-*")
	if err != nil {
		return nil, fmt.Errorf("a working directory beside %s: %w", dst, err)
	}
	defer os.RemoveAll(work)
	snapshot := filepath.Join(work, DatabaseName)
	if err := db.Snapshot(ctx, snapshot); err != nil {
		return nil, err
	}
	files, err := dataFiles(dataDir, dst, work)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(snapshot)
	if err != nil {
		return nil, err
	}
	files = append([]file{{name: DatabaseName, path: snapshot, size: info.Size()}}, files...)
	out, err := os.CreateTemp(dir, ".rapport-backup-*.tmp")
	if err != nil {
		return nil, err
	}
	defer os.Remove(out.Name()) // after the rename, there is nothing left to remove
	m, err := archive(ctx, out, files, progress)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Rename(out.Name(), dst); err != nil {
		return nil, err
	}
	return m, nil
}

// dataFiles lists the regular files of dataDir a backup carries, leaving
// out leftOut and the backup's own files (dst and its working directory,
// should they be inside).
func dataFiles(dataDir, dst, work string) ([]file, error) {
	var files []file
	skip := map[string]bool{abs(dst): true, abs(work): true}
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dataDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // no data directory: the database is all there is
			}
			return err
		}
		if path == dataDir {
			return nil
		}
		rel, err := filepath.Rel(dataDir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if leftOut[name] || skip[abs(path)] || strings.HasPrefix(d.Name(), ".rapport-") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked; links and sockets are not data
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, file{name: name, path: path, size: info.Size()})
		return nil
	})
	return files, err
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// archive writes files and then their manifest as a gzipped tar to w.
func archive(ctx context.Context, w io.Writer, files []file, progress Progress) (*Manifest, error) {
	var total, done int64
	for _, f := range files {
		total += f.size
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	m := &Manifest{Format: Format, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	for _, f := range files {
		e, err := addFile(ctx, tw, f, func(n int64) { done += n; progress.report(done, total) })
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, e)
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(body)), ModTime: m.CreatedAt}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(body); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return m, gz.Close()
}

// addFile copies one file into the archive and sums it. A file whose size
// changed since it was listed is an error: the archive's header promised
// the old size.
func addFile(ctx context.Context, tw *tar.Writer, f file, copied func(int64)) (Entry, error) {
	in, err := os.Open(f.path)
	if err != nil {
		return Entry{}, err
	}
	defer in.Close()
	if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o600, Size: f.size, ModTime: time.Now().UTC().Truncate(time.Second)}); err != nil {
		return Entry{}, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, sum), &ctxReader{ctx: ctx, r: io.LimitReader(in, f.size), read: copied})
	if err != nil {
		return Entry{}, fmt.Errorf("archive %s: %w", f.name, err)
	}
	if n != f.size {
		return Entry{}, fmt.Errorf("archive %s: it shrank from %d to %d bytes while it was copied", f.name, f.size, n)
	}
	return Entry{Name: f.name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// ctxReader reads until its context ends, and tells how much it read.
type ctxReader struct {
	ctx  context.Context
	r    io.Reader
	read func(int64)
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if n > 0 && c.read != nil {
		c.read(int64(n))
	}
	return n, err
}
