package certs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/honoctl/honoctl/internal/atomicfile"
)

// Modes: private keys and key stores are for their owner only.
const (
	secretMode fs.FileMode = 0o600
	publicMode fs.FileMode = 0o644
)

// batch stages files next to their destination and renames them into place
// only when all are staged: a failure leaves the previous PKI whole, and a
// reader never sees a half-written file.
type batch struct {
	dir    string
	staged []staged
}

type staged struct{ tmp, dst string }

// add stages data as dir/name with the given mode.
func (b *batch) add(name string, data []byte, mode fs.FileMode) error {
	dst := filepath.Join(b.dir, name)
	// What can make a rename fail is found now, before anything moves.
	if fi, err := os.Lstat(dst); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("write %s: not a regular file (%s) in the way", dst, fi.Mode().Type())
	}
	tmp, err := atomicfile.Stage(dst, data, mode)
	if err != nil {
		return err
	}
	b.staged = append(b.staged, staged{tmp, dst})
	return nil
}

// commit renames every staged file into place. Keys come before the
// certificates that use them (the order of add), so an interrupted commit
// leaves at worst a new key beside an old certificate, which the next run
// finds and re-issues.
func (b *batch) commit() error {
	for i, s := range b.staged {
		if err := os.Rename(s.tmp, s.dst); err != nil {
			b.staged = b.staged[i:]
			b.discard()
			return fmt.Errorf("write %s: %w", s.dst, err)
		}
	}
	b.staged = nil
	return nil
}

// discard removes what was staged and not committed.
func (b *batch) discard() {
	for _, s := range b.staged {
		os.Remove(s.tmp)
	}
	b.staged = nil
}
