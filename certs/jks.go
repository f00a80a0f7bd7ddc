package certs

import (
	"encoding/binary"
	"fmt"
)

// checkJKSBounds walks the structure of a JKS file and checks that every
// length field fits in the bytes that follow. keystore-go allocates what a
// length field says before reading, so a few hostile bytes could make it
// ask for 4 GiB; the lint must turn such a file into a finding, not an
// out-of-memory crash. Layout: magic, version, count, then per entry a tag,
// an alias, a timestamp and either a protected key with a certificate chain
// (tag 1) or one certificate (tag 2); a SHA-1 digest ends the file.
func checkJKSBounds(data []byte) error {
	w := &jksWalker{data: data}
	if w.u32() != 0xfeedfeed {
		return fmt.Errorf("not a JKS file (magic %x)", data[:min(4, len(data))])
	}
	version := w.u32()
	if version != 1 && version != 2 {
		return fmt.Errorf("JKS version %d: want 1 or 2", version)
	}
	count := w.u32()
	// An entry takes at least a tag, an alias length and a timestamp.
	if uint64(count)*14 > uint64(w.left()) {
		return fmt.Errorf("JKS file claims %d entries in %d bytes", count, w.left())
	}
	for i := uint32(0); i < count && w.err == nil; i++ {
		tag := w.u32()
		w.skip(uint64(w.u16())) // alias
		w.skip(8)               // timestamp
		switch tag {
		case 1:
			w.skip(uint64(w.u32())) // protected key
			n := w.u32()
			if uint64(n)*4 > uint64(w.left()) {
				return fmt.Errorf("JKS entry %d claims %d certificates in %d bytes", i+1, n, w.left())
			}
			for j := uint32(0); j < n && w.err == nil; j++ {
				w.cert(version)
			}
		case 2:
			w.cert(version)
		default:
			return fmt.Errorf("JKS entry %d: unknown tag %d", i+1, tag)
		}
	}
	w.skip(20) // digest
	return w.err
}

type jksWalker struct {
	data []byte
	off  uint64
	err  error
}

func (w *jksWalker) left() uint64 { return uint64(len(w.data)) - w.off }

func (w *jksWalker) skip(n uint64) {
	if w.err == nil && n > w.left() {
		w.err = fmt.Errorf("JKS file truncated: %d bytes wanted at offset %d, %d left", n, w.off, w.left())
	}
	if w.err == nil {
		w.off += n
	}
}

func (w *jksWalker) u16() uint16 {
	at := w.off
	if w.skip(2); w.err != nil {
		return 0
	}
	return binary.BigEndian.Uint16(w.data[at:])
}

func (w *jksWalker) u32() uint32 {
	at := w.off
	if w.skip(4); w.err != nil {
		return 0
	}
	return binary.BigEndian.Uint32(w.data[at:])
}

func (w *jksWalker) cert(version uint32) {
	if version == 2 {
		w.skip(uint64(w.u16())) // certificate type
	}
	w.skip(uint64(w.u32()))
}
