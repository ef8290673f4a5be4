package core

import "github.com/writ-dev/writ/schemas"

// rejectMove returns the instance after a rejection of ctx.tr when the
// transition routes rejections (on_reject): in the on_reject state, with
// that state's regions at their initial states, as a transition to it
// would leave it. ctx.inst must exist. It is pure.
func rejectMove(ctx transitionContext, p *schemas.Proposal) *Instance {
	tr := *ctx.tr
	tr.To, tr.Region = tr.OnReject, ""
	ctx.tr = &tr
	return move(ctx, p)
}
