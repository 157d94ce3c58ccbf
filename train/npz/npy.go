package npz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// magic starts every .npy file.
const magic = "\x93NUMPY"

// header returns the version 1.0 header dictionary for a, padded so that
// the data starts at a multiple of 64 bytes.
func header(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	// magic (6) + version (2) + length (2) + dict + padding + "\n".
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	return []byte(dict + strings.Repeat(" ", pad) + "\n")
}

// WriteNPY writes a in .npy format (version 1.0), as numpy.save does;
// a.Name is not written.
func WriteNPY(w io.Writer, a Array) error {
	descr, size, err := a.descr()
	if err != nil {
		return err
	}
	h := header(descr, a.Shape)
	if len(h) > math.MaxUint16 {
		return fmt.Errorf("npz: array %q: shape %v needs a header of %d bytes", a.Name, a.Shape, len(h))
	}
	buf := make([]byte, 0, 10+len(h)+size*a.Size())
	buf = append(buf, magic...)
	buf = append(buf, 1, 0)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(h)))
	buf = append(buf, h...)
	switch d := a.Data.(type) {
	case []float32:
		for _, v := range d {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	case []float64:
		for _, v := range d {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	}
	_, err = w.Write(buf)
	return err
}

// ErrTruncated means a file ended before its data did.
var ErrTruncated = errors.New("npz: file is truncated")

var (
	descrRE   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	fortranRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRE   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// ReadNPY reads one .npy array of dtype '<f4' or '<f8' in C order. The
// name of the returned array is empty; the read stops at the end of the
// array's data, so r may hold more.
func ReadNPY(r io.Reader) (Array, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		return Array{}, truncated(err, "magic")
	}
	if string(pre[:6]) != magic {
		return Array{}, fmt.Errorf("npz: not a .npy file (no \\x93NUMPY magic)")
	}
	var hlen int
	switch major := pre[6]; major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return Array{}, truncated(err, "header length")
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return Array{}, truncated(err, "header length")
		}
		hlen = int(binary.LittleEndian.Uint32(l[:]))
		if hlen > 1<<20 {
			return Array{}, fmt.Errorf("npz: header of %d bytes is implausible: the file is corrupt", hlen)
		}
	default:
		return Array{}, fmt.Errorf("npz: format version %d.%d is not supported (1.0 to 3.0 are)", major, pre[7])
	}
	h := make([]byte, hlen)
	if _, err := io.ReadFull(r, h); err != nil {
		return Array{}, truncated(err, "header")
	}
	var a Array
	m := descrRE.FindSubmatch(h)
	if m == nil {
		return Array{}, fmt.Errorf("npz: header %q has no descr", h)
	}
	descr := string(m[1])
	if m := fortranRE.FindSubmatch(h); m == nil || string(m[1]) != "False" {
		return Array{}, fmt.Errorf("npz: only C-order arrays are supported (header %q)", bytes.TrimSpace(h))
	}
	m = shapeRE.FindSubmatch(h)
	if m == nil {
		return Array{}, fmt.Errorf("npz: header %q has no shape", h)
	}
	for _, f := range strings.Split(string(m[1]), ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 {
			return Array{}, fmt.Errorf("npz: bad dimension %q in header", f)
		}
		a.Shape = append(a.Shape, d)
	}
	a.Shape = append([]int{}, a.Shape...) // () is an empty, non-nil shape
	n := 1
	for _, d := range a.Shape {
		if d > 0 && n > maxElements/d { // checked before multiplying: no overflow
			return Array{}, fmt.Errorf("npz: shape %v is implausibly large: the file is corrupt", a.Shape)
		}
		n *= d
	}
	var size int
	switch descr {
	case "<f4":
		size = 4
	case "<f8":
		size = 8
	default:
		return Array{}, fmt.Errorf("npz: dtype %q is not supported (only '<f4' and '<f8')", descr)
	}
	// Read what is there rather than allocating what the header claims:
	// a corrupt header must not cost gigabytes before the data runs out.
	buf, err := io.ReadAll(io.LimitReader(r, int64(size)*int64(n)))
	if err != nil {
		return Array{}, truncated(err, "data")
	}
	if len(buf) < size*n {
		return Array{}, truncated(io.ErrUnexpectedEOF, "data")
	}
	if size == 4 {
		d := make([]float32, n)
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
		a.Data = d
	} else {
		d := make([]float64, n)
		for i := range d {
			d[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
		}
		a.Data = d
	}
	return a, nil
}

// maxElements bounds an array's size: 2^31 elements (8 or 16 GiB) is far
// beyond any model here, and a header claiming more is corrupt.
const maxElements = 1 << 31

func truncated(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (in the %s)", ErrTruncated, what)
	}
	return fmt.Errorf("npz: reading the %s: %w", what, err)
}
