// Command opa-policy-bench measures Open Policy Agent's embedded, in-process cost per decision for the benchmark
// policy that bench/policy/run.ts generates. Protocol: one JSON request on stdin, one JSON reply on stdout.
//
// The query is prepared once (rego.PrepareForEval) and every input is converted to an AST value before timing
// (rego.EvalParsedInput), so the timed part is evaluation only, as for Cedar (pre-parsed policy set) and Arbiter
// (compiled bundle, pre-built proposals).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

type request struct {
	Module  string           `json:"module"`
	Query   string           `json:"query"`
	Inputs  []map[string]any `json:"inputs"`
	Warmup  int              `json:"warmup"`
	Samples int              `json:"samples"`
	// Batch is the number of decisions timed together for the batched mean (amortises the timer).
	Batch   int `json:"batch"`
	Batches int `json:"batches"`
	// CPUBatch decisions per process-CPU-time reading, CPUBatches readings (as timing.ts on the Node side).
	CPUBatch   int `json:"cpuBatch"`
	CPUBatches int `json:"cpuBatches"`
}

type reply struct {
	Decisions    []bool    `json:"decisions"`
	SamplesNs    []int64   `json:"samplesNs"`
	BatchMeansNs []float64 `json:"batchMeansNs"`
	TimerNs      []int64   `json:"timerNs"`
	CPUMeansNs   []float64 `json:"cpuMeansNs"`
	OpaVersion   string    `json:"opaVersion"`
	GoVersion    string    `json:"goVersion"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "opa-policy-bench: "+format+"\n", args...)
	os.Exit(1)
}

func decide(ctx context.Context, q rego.PreparedEvalQuery, in ast.Value) bool {
	rs, err := q.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil {
		fail("eval: %v", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		fail("expected one boolean result, got %v", rs)
	}
	allowed, ok := rs[0].Expressions[0].Value.(bool)
	if !ok {
		fail("result is not a boolean: %v", rs[0].Expressions[0].Value)
	}
	return allowed
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail("bad request on stdin: %v", err)
	}
	if len(req.Inputs) == 0 || req.Samples <= 0 || req.Batch <= 0 || req.Batches <= 0 || req.CPUBatch <= 0 || req.CPUBatches <= 0 {
		fail("request needs inputs, and samples, batch, batches, cpuBatch and cpuBatches > 0")
	}
	ctx := context.Background()
	q, err := rego.New(rego.Query(req.Query), rego.Module("bench.rego", req.Module)).PrepareForEval(ctx)
	if err != nil {
		fail("prepare: %v", err)
	}
	inputs := make([]ast.Value, len(req.Inputs))
	for i, raw := range req.Inputs {
		v, err := ast.InterfaceToValue(raw)
		if err != nil {
			fail("input %d: %v", i, err)
		}
		inputs[i] = v
	}
	out := reply{Decisions: make([]bool, len(inputs)), SamplesNs: make([]int64, req.Samples), GoVersion: runtimeVersion(), OpaVersion: opaVersion()}
	for i, in := range inputs {
		out.Decisions[i] = decide(ctx, q, in)
	}
	n := len(inputs)
	for i := 0; i < req.Warmup; i++ {
		decide(ctx, q, inputs[i%n])
	}
	// Per decision: each call timed on its own; includes the timer's own cost (reported as timerNs).
	for i := 0; i < req.Samples; i++ {
		start := time.Now()
		decide(ctx, q, inputs[i%n])
		out.SamplesNs[i] = time.Since(start).Nanoseconds()
	}
	// Batched: mean of Batch consecutive decisions (Batches times), timer cost amortised.
	out.BatchMeansNs = make([]float64, req.Batches)
	for b := 0; b < req.Batches; b++ {
		start := time.Now()
		for j := 0; j < req.Batch; j++ {
			decide(ctx, q, inputs[(b*req.Batch+j)%n])
		}
		out.BatchMeansNs[b] = float64(time.Since(start).Nanoseconds()) / float64(req.Batch)
	}
	// CPU: process user + system time per decision; time spent preempted does not count.
	out.CPUMeansNs = make([]float64, req.CPUBatches)
	for b := 0; b < req.CPUBatches; b++ {
		start := processCPUNs()
		for j := 0; j < req.CPUBatch; j++ {
			decide(ctx, q, inputs[(b*req.CPUBatch+j)%n])
		}
		out.CPUMeansNs[b] = float64(processCPUNs()-start) / float64(req.CPUBatch)
	}
	out.TimerNs = make([]int64, 1000)
	for i := range out.TimerNs {
		start := time.Now()
		out.TimerNs[i] = time.Since(start).Nanoseconds()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("write reply: %v", err)
	}
}
