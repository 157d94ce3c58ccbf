package kernels

import (
	"os"
	"strconv"
)

func init() {
	if v, err := strconv.Atoi(os.Getenv("KC")); err == nil {
		kc = v
	}
}
