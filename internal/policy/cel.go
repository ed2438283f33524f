package policy

import (
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
)

// maxInputSize bounds the size of any string, list or map a condition can
// reach through its variables: nothing in an Input comes from more than a
// token request body (≤ 64 KiB, SPEC B.2 step 1), which contains the
// assertion (≤ 16 KiB). The cost estimate assumes it for every input value.
const maxInputSize = 64 << 10

// MaxConditionLength bounds a condition's source, in bytes, which keeps
// compiling a rule cheap whatever an admin submits.
const MaxConditionLength = 4096

// compileCondition compiles a rule's CEL condition; "" means no condition
// and yields a nil program.
func compileCondition(env *cel.Env, expr string, costLimit uint64) (cel.Program, []FieldError) {
	if expr == "" {
		return nil, nil
	}
	if len(expr) > MaxConditionLength {
		return nil, []FieldError{{Field: "condition", Reason: fmt.Sprintf("%d bytes long, more than %d", len(expr), MaxConditionLength)}}
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		fes := make([]FieldError, 0, len(iss.Errors()))
		for _, e := range iss.Errors() {
			fes = append(fes, FieldError{Field: "condition", Reason: celErrorReason(e)})
		}
		return nil, fes
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) {
		return nil, []FieldError{{Field: "condition", Reason: fmt.Sprintf("has type %s, want bool", t)}}
	}
	est, err := env.EstimateCost(ast, inputSizeEstimator{})
	if err != nil {
		return nil, []FieldError{{Field: "condition", Reason: "cost estimate: " + err.Error()}}
	}
	if est.Max > costLimit {
		return nil, []FieldError{{Field: "condition", Reason: fmt.Sprintf("estimated worst-case cost %d exceeds the limit %d", est.Max, costLimit)}}
	}
	prg, err := env.Program(ast, cel.CostLimit(costLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, []FieldError{{Field: "condition", Reason: err.Error()}}
	}
	return prg, nil
}

// celErrorReason renders a CEL compile error with its 1-based line and
// column when it has one (parser limits report no position).
func celErrorReason(e *cel.Error) string {
	if e.Location == nil || e.Location.Line() < 1 {
		return e.Message
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Location.Line(), e.Location.Column()+1, e.Message)
}

// inputSizeEstimator bounds every value reachable from a variable by
// maxInputSize, so that the worst case of an expression over unbounded
// dyn maps and lists is finite and meaningful.
type inputSizeEstimator struct{}

// EstimateSize implements cost.Estimator.
func (inputSizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if n.ComputedSize() != nil || len(n.Path()) == 0 {
		return nil
	}
	est := cost.SizeEstimate{Min: 0, Max: maxInputSize}
	return &est
}

// EstimateCallCost implements cost.Estimator; the standard costs apply.
func (inputSizeEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// activation resolves the CEL variables from an Input without copying it.
type activation struct{ in *Input }

// ResolveName implements cel.Activation.
func (a activation) ResolveName(name string) (any, bool) {
	switch name {
	case "claims":
		return a.in.Claims, true
	case "request":
		return a.in.Request, true
	case "subject":
		return a.in.Subject, true
	case "groups":
		return a.in.Groups, true
	case "client_id":
		return a.in.ClientID, true
	case "idp_id":
		return a.in.IdPID, true
	case "resource":
		return a.in.ResourceID, true
	}
	return nil, false
}

// Parent implements cel.Activation.
func (activation) Parent() cel.Activation { return nil }

// evalCondition runs a compiled condition; any error, including the cost
// limit, is returned for the caller to fail closed.
func evalCondition(prg cel.Program, act activation) (bool, error) {
	out, _, err := prg.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition evaluated to %s, not bool", out.Type())
	}
	return b, nil
}
