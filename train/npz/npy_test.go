package npz_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/unroll/unroll/train/npz"
)

func TestRoundTrip(t *testing.T) {
	for _, a := range []npz.Array{
		{Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-30, -0}},
		{Shape: []int{4}, Data: []float64{1, 2, 3, 4}},
		{Shape: []int{}, Data: []float64{42}},
		{Shape: []int{0, 5}, Data: []float32{}},
	} {
		var b bytes.Buffer
		if err := npz.WriteNPY(&b, a); err != nil {
			t.Fatal(err)
		}
		// numpy.save aligns the data to 64 bytes: the header length is the
		// uint16 at bytes 8-9 after the 10-byte preamble.
		hlen := int(b.Bytes()[8]) | int(b.Bytes()[9])<<8
		if (10+hlen)%64 != 0 || b.Bytes()[10+hlen-1] != '\n' {
			t.Errorf("shape %v: header of %d bytes is not padded to 64 with a final newline", a.Shape, hlen)
		}
		got, err := npz.ReadNPY(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Shape, a.Shape) || !reflect.DeepEqual(got.Data, a.Data) {
			t.Errorf("round trip: got %v %v, want %v %v", got.Shape, got.Data, a.Shape, a.Data)
		}
	}
}

func TestHeaderLikeNumPy(t *testing.T) {
	var b bytes.Buffer
	if err := npz.WriteNPY(&b, npz.Array{Shape: []int{3}, Data: []float32{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	// numpy.save(f, numpy.zeros(3, numpy.float32)) writes this dictionary.
	if want := "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"; !strings.Contains(b.String(), want) {
		t.Errorf("header %q lacks %q", b.String()[10:], want)
	}
}

func TestTruncatedAndCorrupt(t *testing.T) {
	var b bytes.Buffer
	a := npz.Array{Shape: []int{8, 8}, Data: make([]float32, 64)}
	if err := npz.WriteNPY(&b, a); err != nil {
		t.Fatal(err)
	}
	full := b.Bytes()
	for _, n := range []int{0, 5, 9, 40, len(full) - 1} {
		if _, err := npz.ReadNPY(bytes.NewReader(full[:n])); !errors.Is(err, npz.ErrTruncated) {
			t.Errorf("cut at %d of %d bytes: error %v, want ErrTruncated", n, len(full), err)
		}
	}
	bad := append([]byte("\x93NUMPX"), full[6:]...)
	if _, err := npz.ReadNPY(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("bad magic: error %v", err)
	}

	var z bytes.Buffer
	if err := npz.Write(&z, []npz.Array{{Name: "W_xh", Shape: []int{8, 8}, Data: make([]float32, 64)}}); err != nil {
		t.Fatal(err)
	}
	zb := z.Bytes()
	if _, err := npz.Read(bytes.NewReader(zb[:len(zb)/2]), int64(len(zb)/2)); !errors.Is(err, npz.ErrTruncated) {
		t.Errorf("half an npz: error %v, want ErrTruncated", err)
	}
	// One flipped data byte: the zip CRC-32 catches it.
	flipped := bytes.Clone(zb)
	flipped[200] ^= 0xff
	if _, err := npz.Read(bytes.NewReader(flipped), int64(len(flipped))); err == nil {
		t.Errorf("flipped byte in an npz: no error")
	}
}

func TestNPZRoundTrip(t *testing.T) {
	in := []npz.Array{
		{Name: "W_xh", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}},
		{Name: "b_h", Shape: []int{2}, Data: []float32{5, 6}},
	}
	var b bytes.Buffer
	if err := npz.Write(&b, in); err != nil {
		t.Fatal(err)
	}
	out, err := npz.Read(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v, want %+v", out, in)
	}
	if err := npz.Write(&b, append(in, in[0])); err == nil {
		t.Error("repeated name: no error")
	}
}

// TestNumPyReads checks with Debian's NumPy (/usr/bin/python3,
// python3-numpy) that numpy.load reads the arrays as written. It skips,
// saying so, when that Python or NumPy is missing.
func TestNumPyReads(t *testing.T) {
	py := PythonWithNumPy(t)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "a.npz"))
	if err != nil {
		t.Fatal(err)
	}
	err = npz.Write(f, []npz.Array{
		{Name: "W", Shape: []int{2, 3}, Data: []float32{0.5, -1, 2, 3e-8, 4, 5}},
		{Name: "b", Shape: []int{3}, Data: []float64{1, 2, 3}},
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", `import numpy, sys
z = numpy.load(sys.argv[1])
for k in sorted(z.files):
    a = z[k]
    print(k, a.dtype, a.shape, a.flags['C_CONTIGUOUS'], a.astype('<f8').tobytes().hex())
`, filepath.Join(dir, "a.npz")).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, out)
	}
	// The values as little-endian float64 bits: exact, whatever the
	// printing. float32 3e-8 widens to the float64 of its nearest float32.
	want := "W float32 (2, 3) True " + hexF64(0.5, -1, 2, float64(float32(3e-8)), 4, 5) + "\n" +
		"b float64 (3,) True " + hexF64(1, 2, 3) + "\n"
	if string(out) != want {
		t.Errorf("numpy read\n%s\nwant\n%s", out, want)
	}
}

func hexF64(vs ...float64) string {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return hex.EncodeToString(b)
}

// PythonWithNumPy returns /usr/bin/python3 if it imports numpy, else skips.
func PythonWithNumPy(t *testing.T) string {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		t.Skipf("SKIP: %s with numpy is not available (%v): apt-get install -y python3-numpy to run this check", py, err)
	}
	return py
}
