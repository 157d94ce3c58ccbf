package kernels

import "golang.org/x/sys/cpu"

// archPaths returns the amd64 kernel paths the CPU supports (and the OS
// saves the registers of: x/sys/cpu checks XCR0), best last.
func archPaths() []kernelSet {
	var r []kernelSet
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		r = append(r, kernelSet{AVX2,
			micro[float32]{6, 16, sgemmAVX2, false},
			micro[float64]{6, 8, dgemmAVX2, false},
			micro[float32]{6, 8, sgemmAVX2n8, false},
			micro[float64]{6, 4, dgemmAVX2n4, false},
			&vecAVX2})
		if cpu.X86.HasAVX512F {
			r = append(r, kernelSet{AVX512,
				micro[float32]{8, 32, sgemmAVX512, true},
				micro[float64]{8, 16, dgemmAVX512, true},
				micro[float32]{8, 16, sgemmAVX512n16, true},
				micro[float64]{8, 8, dgemmAVX512n8, true},
				&vecAVX512})
		}
	}
	return r
}
