package npz_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/unroll/unroll/train/npz"
)

func TestFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := []npz.Array{
		{Name: "W_xh", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-30, 7}},
		{Name: "l1.fwd.b_z", Shape: []int{3}, Data: []float64{0.1, 0.2, 0.3}},
		{Name: "scale", Shape: []int{}, Data: []float64{42}},
	}
	p := filepath.Join(dir, "w.npz")
	if err := npz.WriteFile(p, in); err != nil {
		t.Fatal(err)
	}
	out, err := npz.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("npz round trip: got %+v, want %+v", out, in)
	}
	one := filepath.Join(dir, "b_h.npy")
	if err := npz.WriteFile(one, in[1:2]); err != nil {
		t.Fatal(err)
	}
	out, err = npz.ReadFile(one)
	if err != nil {
		t.Fatal(err)
	}
	want := in[1]
	want.Name = "b_h" // an .npy file's array is named after the file
	if len(out) != 1 || !reflect.DeepEqual(out[0], want) {
		t.Errorf(".npy round trip: got %+v, want %+v", out, want)
	}
	if err := npz.WriteFile(one, in); err == nil || !strings.Contains(err.Error(), "one array, not 3") {
		t.Errorf("three arrays to an .npy file: error %v", err)
	}
	// No temporary file is left behind.
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("the directory holds %d files, want w.npz and b_h.npy", len(ents))
	}
}

func TestConversions(t *testing.T) {
	a := npz.Array{Shape: []int{2}, Data: []float64{0.1, -3}}
	if got := a.Float32s(); !reflect.DeepEqual(got, []float32{0.1, -3}) || a.Dtype() != "float64" {
		t.Errorf("Float32s of float64 %v: %v (%s)", a.Data, got, a.Dtype())
	}
	b := npz.Array{Shape: []int{2}, Data: []float32{0.1, -3}}
	// float32 0.1 widens exactly, to 0.100000001490116...
	if got := b.Float64s(); !reflect.DeepEqual(got, []float64{float64(float32(0.1)), -3}) || b.Dtype() != "float32" {
		t.Errorf("Float64s of float32 %v: %v (%s)", b.Data, got, b.Dtype())
	}
	if d := b.Float32s(); &d[0] != &b.Data.([]float32)[0] {
		t.Error("Float32s of float32 data copied it")
	}
}

// TestReadFileRefuses: devices, FIFOs, directories and files larger than
// MaxBytes are refused before they are read.
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A sparse file one byte over the cap: refused by its size, unread
	// (reading it would take 4 GiB of memory).
	big := filepath.Join(dir, "big.npz")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(npz.MaxBytes + 1); err != nil {
		f.Close()
		t.Skipf("SKIP: cannot make a sparse file of %d bytes here: %v", npz.MaxBytes+1, err)
	}
	f.Close()
	for _, c := range []struct{ path, want string }{
		{"/dev/zero", "is a character device, not a regular file"},
		{fifo, "is a FIFO (named pipe), not a regular file"},
		{dir, "is a directory, not a regular file"},
		{big, "holds more than 4294967296 bytes"},
		{filepath.Join(dir, "missing.npz"), "no such file"},
	} {
		_, err := npz.ReadFile(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadFile(%s): error %v, want one with %q", c.path, err, c.want)
		}
	}
}

// TestDecompressedCap: an archive whose entries claim more than MaxBytes
// once decompressed is refused before anything is decompressed.
func TestDecompressedCap(t *testing.T) {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.CreateRaw(&zip.FileHeader{Name: "W.npy", Method: zip.Deflate, CompressedSize64: 1, UncompressedSize64: npz.MaxBytes + 1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte{0})
	z.Close()
	_, err = npz.Read(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err == nil || !strings.Contains(err.Error(), "hold more than 4294967296 bytes") {
		t.Errorf("error %v, want the cap", err)
	}
}

func TestRepeatedName(t *testing.T) {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for range 2 {
		w, err := z.CreateHeader(&zip.FileHeader{Name: "W.npy", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if err := npz.WriteNPY(w, npz.Array{Shape: []int{1}, Data: []float32{1}}); err != nil {
			t.Fatal(err)
		}
	}
	z.Close()
	_, err := npz.Read(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err == nil || !strings.Contains(err.Error(), "holds W.npy twice") {
		t.Errorf("error %v, want the repeated name", err)
	}
}

// TestReadNumPyFiles reads what NumPy writes (numpy.save, numpy.savez,
// numpy.savez_compressed) and checks every value bit for bit against the
// same arithmetic in Go; and that what this reader does not support
// (integers, Fortran order, big-endian) is refused with a reason. It
// skips, saying so, without /usr/bin/python3 and NumPy.
func TestReadNumPyFiles(t *testing.T) {
	py := PythonWithNumPy(t)
	dir := t.TempDir()
	out, err := exec.Command(py, "-c", `import numpy as np, sys, os
d = sys.argv[1]
W = (np.arange(12, dtype=np.float32) / np.float32(7)).reshape(3, 4)   # float32 division
b = np.arange(4, dtype=np.float64) / 3.0 - 1.0
s = np.float64(2.5)
T = (np.arange(24, dtype=np.float32) - np.float32(12)).reshape(2, 3, 4)
np.savez(os.path.join(d, "plain.npz"), W_xh=W, b_h=b, s=s, T=T)
np.savez_compressed(os.path.join(d, "compressed.npz"), W_xh=W, b_h=b, s=s, T=T)
np.save(os.path.join(d, "W_xh.npy"), W)
np.save(os.path.join(d, "int.npy"), np.arange(3))
np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(W))
np.save(os.path.join(d, "big.npy"), W.astype(">f4"))
`, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, out)
	}
	W := make([]float32, 12)
	for i := range W {
		W[i] = float32(i) / 7
	}
	b := make([]float64, 4)
	for i := range b {
		b[i] = float64(i)/3 - 1
	}
	T := make([]float32, 24)
	for i := range T {
		T[i] = float32(i) - 12
	}
	want := []npz.Array{
		{Name: "W_xh", Shape: []int{3, 4}, Data: W},
		{Name: "b_h", Shape: []int{4}, Data: b},
		{Name: "s", Shape: []int{}, Data: []float64{2.5}},
		{Name: "T", Shape: []int{2, 3, 4}, Data: T},
	}
	for _, name := range []string{"plain.npz", "compressed.npz"} {
		got, err := npz.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	got, err := npz.ReadFile(filepath.Join(dir, "W_xh.npy"))
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want[0]) {
		t.Errorf("W_xh.npy: got %+v (%v), want %+v", got, err, want[0])
	}
	for name, msg := range map[string]string{
		"int.npy":     `dtype "<i8" is not supported`,
		"fortran.npy": "only C-order arrays",
		"big.npy":     `dtype ">f4" is not supported`,
	} {
		_, err := npz.ReadFile(filepath.Join(dir, name))
		if err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming the file and %q", name, err, msg)
		}
	}
}

func TestTrailingBytes(t *testing.T) {
	var b bytes.Buffer
	if err := npz.WriteNPY(&b, npz.Array{Shape: []int{2}, Data: []float32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x.npy")
	os.WriteFile(p, append(b.Bytes(), 0, 0, 0), 0o644)
	if _, err := npz.ReadFile(p); err == nil || !strings.Contains(err.Error(), "3 bytes after the array's data") {
		t.Errorf("error %v", err)
	}
	if _, err := npz.ReadFile(p); errors.Is(err, npz.ErrTruncated) {
		t.Error("trailing bytes reported as truncation")
	}
}
