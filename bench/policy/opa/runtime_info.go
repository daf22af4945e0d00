// Facts about the running process: versions for the record, CPU time for the CPU-per-decision figure.
package main

import (
	"runtime"
	"runtime/debug"
	"syscall"
)

func runtimeVersion() string { return runtime.Version() }

// opaVersion reads the OPA module version this binary was built with.
func opaVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/open-policy-agent/opa" {
			return dep.Version
		}
	}
	return "unknown"
}

// processCPUNs is the CPU time (user + system) the whole process has used, in nanoseconds.
func processCPUNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
