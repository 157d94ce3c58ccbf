// Package npz reads and writes NumPy's .npy and .npz formats for float32
// and float64 arrays: unroll's checkpoints (params.npz), weights to start a
// run from (cmd/train -init-from), and any arrays a program wants to
// exchange with NumPy or PyTorch. numpy.load reads what it writes as it is:
//
//	import numpy
//	p = numpy.load("ckpt/epoch-000004/params.npz")
//	p["W_xh"].shape, p["W_xh"].dtype   # (28, 512) float32
//
// and it reads what numpy.save, numpy.savez and numpy.savez_compressed
// write, when the arrays are float32 or float64:
//
//	numpy.savez("w.npz", W_xh=W_xh, b_h=b_h)      # in Python
//	arrays, err := npz.ReadFile("w.npz")          // in Go
//
// An [Array] is a name, a shape and its values in C (row-major) order.
// [Read] and [Write] handle an .npz archive of named arrays, [ReadNPY] and
// [WriteNPY] one .npy array, [ReadFile] and [WriteFile] files of either
// kind. [Array.Float32s] and [Array.Float64s] convert between the two
// dtypes.
//
// # Format
//
// Arrays are written little-endian ('<f4', '<f8') in C order, with a
// version 1.0 header padded to 64 bytes, as numpy.save does; an .npz is a
// zip archive of NAME.npy files stored without compression, as
// numpy.savez does. The reader accepts .npy versions 1.0 to 3.0 with those
// dtypes, in stored or deflated archives; anything else (another dtype,
// Fortran order, a truncated or corrupt file, a repeated name) is an error
// that says what is wrong, never a panic (see the fuzz tests).
//
// # Untrusted files
//
// Reads are bounded: [ReadFile] reads only regular files (a device, a FIFO
// or a socket is refused before any read, also through a symlink) of at
// most [MaxBytes], and an archive whose arrays would hold more than
// [MaxBytes] once decompressed is refused before it is decompressed. A
// header that claims a shape larger than the data that follows is an
// error after reading that data, not an allocation of what it claims.
//
// Gorgonia's tensor.Dense.WriteNpy and tensor.Dense.ReadNpy read and write .npy too; this package
// exists for the .npz container, for errors instead of panics on corrupt
// files, and to fix the byte order and layout whatever the tensor's own.
package npz
