package main

import (
	"runtime"
	"runtime/debug"
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
