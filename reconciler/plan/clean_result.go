package plan

import "github.com/writ-dev/writ/policies"

// CleanResult returns a copy of a policy result whose every string (names,
// descriptions, identities, reasons: a rejection's justification is a
// decider's own words) is Clean, for printing the explanation tree on a
// terminal. r is not modified.
func CleanResult(r policies.Result) policies.Result {
	out := r
	out.Name, out.Description = Clean(r.Name), Clean(r.Description)
	out.Counted, out.NotCounted = cleanVotes(r.Counted), cleanVotes(r.NotCounted)
	out.Blockers, out.Ignored = cleanVotes(r.Blockers), cleanVotes(r.Ignored)
	if r.Override != nil {
		v := cleanVote(*r.Override)
		out.Override = &v
	}
	if r.Children != nil {
		out.Children = make([]policies.Result, len(r.Children))
		for i, c := range r.Children {
			out.Children[i] = CleanResult(c)
		}
	}
	return out
}

func cleanVotes(vs []policies.Vote) []policies.Vote {
	if vs == nil {
		return nil
	}
	out := make([]policies.Vote, len(vs))
	for i, v := range vs {
		out[i] = cleanVote(v)
	}
	return out
}

func cleanVote(v policies.Vote) policies.Vote {
	v.Identity, v.Role, v.Reason = Clean(v.Identity), Clean(v.Role), Clean(v.Reason)
	v.Commit, v.Content, v.Ref = Clean(v.Commit), Clean(v.Content), Clean(v.Ref)
	return v
}
