package npz

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxBytes bounds what a read may hold: a file [ReadFile] reads, and the
// arrays of an archive [Read] reads, counted once decompressed. 4 GiB is
// far beyond any model here (the book's RNN holds 0.3 million values, 1.2
// MB) and keeps a corrupt or hostile file from exhausting memory.
const MaxBytes = 4 << 30

// Write writes arrays as an .npz archive, each as NAME.npy, stored
// uncompressed like numpy.savez. Names must be unique and non-empty.
func Write(w io.Writer, arrays []Array) error {
	seen := map[string]bool{}
	z := zip.NewWriter(w)
	for _, a := range arrays {
		if a.Name == "" || seen[a.Name] {
			return fmt.Errorf("npz: array name %q is empty or repeated", a.Name)
		}
		seen[a.Name] = true
		f, err := z.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
		if err != nil {
			return fmt.Errorf("npz: %w", err)
		}
		if err := WriteNPY(f, a); err != nil {
			return err
		}
	}
	return z.Close()
}

// Read reads every array of the .npz archive of size bytes in r, in
// archive order, named without the ".npy" suffix; entries that are not
// .npy files are skipped. Stored (numpy.savez) and deflated
// (numpy.savez_compressed) entries are read; a repeated name, an entry
// that fails its CRC-32, or arrays that would hold more than [MaxBytes]
// once decompressed are errors.
func Read(r io.ReaderAt, size int64) ([]Array, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return nil, fmt.Errorf("%w or not an .npz archive (%v)", ErrTruncated, err)
		}
		return nil, fmt.Errorf("npz: %w", err)
	}
	// The zip reader refuses an entry that decompresses to more than its
	// recorded size, so the recorded sizes bound the reads.
	var total uint64
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, ".npy") {
			total += f.UncompressedSize64
			if total > MaxBytes || f.UncompressedSize64 > MaxBytes {
				return nil, fmt.Errorf("npz: the archive's arrays hold more than %d bytes: it is corrupt, or not weights for these models", MaxBytes)
			}
		}
	}
	var out []Array
	seen := map[string]bool{}
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, ".npy") {
			continue
		}
		name := strings.TrimSuffix(f.Name, ".npy")
		if seen[name] {
			return nil, fmt.Errorf("npz: the archive holds %s twice: it is corrupt", f.Name)
		}
		seen[name] = true
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("npz: %s: %w", f.Name, err)
		}
		a, err := ReadNPY(rc)
		if err == nil {
			// Reading to the end makes zip check the CRC-32.
			if _, cerr := io.Copy(io.Discard, rc); cerr != nil {
				err = fmt.Errorf("npz: %w", cerr)
			}
		}
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		a.Name = name
		out = append(out, a)
	}
	return out, nil
}
