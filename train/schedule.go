package train

import (
	"fmt"
	"math"
)

// Schedule sets the learning rate of each epoch from the base rate
// Config.LR. The zero value keeps it constant, as the book does.
//
//   - "constant": LR every epoch.
//   - "step": LR * Gamma^floor((epoch-1)/Step): multiplied by Gamma every
//     Step epochs (PyTorch's StepLR).
//   - "cosine": MinLR + (LR-MinLR) * (1 + cos(pi*(epoch-1)/epochs)) / 2:
//     from LR at the first epoch down towards MinLR at the last (PyTorch's
//     CosineAnnealingLR with T_max = epochs). It depends on Config.Epochs,
//     so a resumed run with a larger -epochs follows the longer curve from
//     the epoch it resumes at.
//
// The rate is fixed for a whole epoch, so a run resumed at an epoch
// boundary gets the same rates as one that never stopped.
type Schedule struct {
	Kind  string  // "constant" (also when empty), "step" or "cosine"
	Step  int     // step: epochs between decays
	Gamma float64 // step: factor applied at each decay
	MinLR float64 // cosine: the rate the curve approaches at the last epoch
}

// ScheduleKinds are the schedule names Schedule.Kind accepts.
var ScheduleKinds = []string{"constant", "step", "cosine"}

// Validate reports a schedule that cannot work, as a *ConfigError on
// Schedule.Kind, Schedule.Step, Schedule.Gamma or Schedule.MinLR.
func (s Schedule) Validate() error {
	switch s.Kind {
	case "", "constant":
	case "step":
		if s.Step < 1 {
			return &ConfigError{"Schedule.Step", fmt.Sprint(s.Step), ">= 1 (epochs between decays)"}
		}
		if !(s.Gamma > 0) || math.IsInf(s.Gamma, 0) {
			return &ConfigError{"Schedule.Gamma", fmt.Sprint(s.Gamma), "a positive number"}
		}
	case "cosine":
		if !(s.MinLR >= 0) || math.IsInf(s.MinLR, 0) {
			return &ConfigError{"Schedule.MinLR", fmt.Sprint(s.MinLR), "a finite number >= 0"}
		}
	default:
		return &ConfigError{"Schedule.Kind", fmt.Sprintf("%q", s.Kind), "constant, step or cosine"}
	}
	return nil
}

// LR returns the learning rate of epoch (1-based) of a run of epochs
// epochs with base rate lr.
func (s Schedule) LR(lr float64, epoch, epochs int) float64 {
	switch s.Kind {
	case "step":
		return lr * math.Pow(s.Gamma, float64((epoch-1)/s.Step))
	case "cosine":
		return s.MinLR + (lr-s.MinLR)*(1+math.Cos(math.Pi*float64(epoch-1)/float64(max(epochs, 1))))/2
	}
	return lr
}

// String describes the schedule in a few words.
func (s Schedule) String() string {
	switch s.Kind {
	case "step":
		return fmt.Sprintf("step (x%g every %d epochs)", s.Gamma, s.Step)
	case "cosine":
		return fmt.Sprintf("cosine (down to %g)", s.MinLR)
	}
	return "constant"
}
