package cli

import (
	"encoding/json"
	"errors"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/schemas"
)

// Every --json output follows the schema schemas/output/<command>.schema.json
// (writ schema output/<command>).

// printJSON writes v as indented JSON.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// validateJSON is `writ validate --json`.
type validateJSON struct {
	Valid    bool          `json:"valid"`
	Problems []problemJSON `json:"problems"`
}

type problemJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func toValidateJSON(problems schemas.Problems) validateJSON {
	out := validateJSON{Valid: len(problems) == 0, Problems: []problemJSON{}}
	for _, p := range problems {
		out.Problems = append(out.Problems, problemJSON{File: p.File, Line: p.Line, Column: p.Column, Field: p.Field, Message: p.Message})
	}
	return out
}

// replayJSON is `writ replay --json`.
type replayJSON struct {
	Verified   bool          `json:"verified"`
	Entries    int           `json:"entries"`
	Main       string        `json:"main"`
	State      string        `json:"state"`
	Checkpoint string        `json:"checkpoint,omitempty"`
	Foreign    []foreignJSON `json:"foreign,omitempty"`
}

type foreignJSON struct {
	Commit  string `json:"commit"`
	Author  string `json:"author"`
	Subject string `json:"subject"`
	Parents int    `json:"parents"`
	Reason  string `json:"reason,omitempty"`
}

func toReplayJSON(res *reconciler.ReplayResult, err error) replayJSON {
	out := replayJSON{Verified: err == nil, Entries: res.Replayed, Main: res.Head.String(), State: res.State.Hash()}
	if !res.CheckpointAt.IsZero() {
		out.Checkpoint = res.CheckpointAt.String()
	}
	var fe *replay.ForeignError
	if errors.As(err, &fe) {
		for _, f := range fe.Commits {
			out.Foreign = append(out.Foreign, foreignJSON{Commit: f.Commit.String(), Author: f.Author, Subject: f.Subject, Parents: f.Parents, Reason: f.Reason})
		}
	}
	return out
}

// verifyJSON is `writ verify --json`.
type verifyJSON struct {
	Verified bool              `json:"verified"`
	Entries  []verifyEntryJSON `json:"entries"`
	State    string            `json:"state,omitempty"`
	Error    string            `json:"error,omitempty"`
}

type verifyEntryJSON struct {
	Commit string `json:"commit"`
	Index  int    `json:"index"`
	Kind   string `json:"kind"`
	Signer struct {
		Identity    string `json:"identity"`
		Format      string `json:"format"`
		Signer      string `json:"signer,omitempty"`
		Fingerprint string `json:"fingerprint,omitempty"`
	} `json:"signer"`
	Proposer          string  `json:"proposer"`
	Reviews           []int64 `json:"reviews,omitempty"`
	AttestedRejection bool    `json:"attested_rejection,omitempty"`
	// Trigger is the source trigger the entry records on the reconciler's
	// word (Writ-Trigger); nil when it records none.
	Trigger *schemas.Trigger `json:"trigger,omitempty"`
}

// reconcileJSON is `writ reconcile --json` (local and --remote).
type reconcileJSON struct {
	Applied []reconcileAppliedJSON `json:"applied"`
	Skipped []reconcileSkippedJSON `json:"skipped"`
	// Waited are the wait entries written: proposals recorded as waiting
	// for a human.
	Waited []reconcileAppliedJSON `json:"waited,omitempty"`
	Merged int                    `json:"merged"`
	Pushes int                    `json:"pushes"`
	Races  int                    `json:"races"`
	More   bool                   `json:"more"`
	Notes  []string               `json:"notes"`
	Main   string                 `json:"main,omitempty"`
	State  string                 `json:"state,omitempty"`
	Error  string                 `json:"error,omitempty"`
}

// reconcileAppliedJSON extends the Action's appliedOutput.
type reconcileAppliedJSON struct {
	appliedOutput
	Proposal string `json:"proposal"`
	Reason   string `json:"reason"`
}

type reconcileSkippedJSON struct {
	Proposal string `json:"proposal"`
	Path     string `json:"path,omitempty"`
	Verdict  string `json:"verdict"`
	Reason   string `json:"reason"`
}

func toReconcileJSON(rep *outcome.Report) reconcileJSON {
	out := reconcileJSON{Applied: []reconcileAppliedJSON{}, Skipped: []reconcileSkippedJSON{}, Notes: append([]string{}, rep.Notes...),
		Merged: len(rep.Merged), Pushes: rep.Pushes, Races: rep.Races, More: rep.More}
	for _, ap := range rep.Applied {
		out.Applied = append(out.Applied, reconcileAppliedJSON{appliedOutput: appliedOutput{Entry: ap.Commit.String(), Path: ap.Gate.Pending.Path},
			Proposal: ap.Gate.Pending.Branch, Reason: ap.Gate.Outcome.Reason})
	}
	for _, ap := range rep.Waited {
		out.Waited = append(out.Waited, reconcileAppliedJSON{appliedOutput: appliedOutput{Entry: ap.Commit.String(), Path: ap.Gate.Pending.Path},
			Proposal: ap.Gate.Pending.Branch, Reason: ap.Gate.Outcome.Reason})
	}
	for _, g := range rep.Skipped {
		out.Skipped = append(out.Skipped, reconcileSkippedJSON{Proposal: g.Pending.Branch, Path: g.Pending.Path, Verdict: string(g.Verdict), Reason: g.Reason})
	}
	if rep.Err != nil {
		out.Error = rep.Err.Error()
	} else if !rep.Head.IsZero() {
		out.Main, out.State = rep.Head.String(), rep.State.Hash()
	}
	return out
}
