package testnet

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the CPU time this process has used so far: every thread, the
// benchmark's, the garbage collector's and the library's.
func CPUTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// ReportCPU adds "cpu-ns/op" to b's figures: the CPU time used per iteration
// since start (a CPUTime taken when the timed loop began). On a machine
// shared with other work, ns/op also counts the time spent waiting for a
// core; this does not.
func ReportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(CPUTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
