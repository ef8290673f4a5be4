// Package wal holds every commit-message format writ writes or reads, and
// nothing else: it imports only core, policies and schemas, never gitstore
// or go-git, so a message can be encoded, decoded and fuzzed without a
// repository.
//
// # Messages and trailers
//
// FormatMessage and ParseMessage (trailers.go) are the one strict reader
// and writer of a message: subject, body and a trailer block that git
// itself parses (git interpret-trailers --parse, git log
// --format=%(trailers)). Every format below is built on them.
//
//   - WAL entries (Encode, Decode; codec.go): a human subject line, a short
//     description, the proposal's canonical JSON on one "Proposal:" line,
//     and the Writ- trailers. Decoding is strict: unknown Writ- trailers,
//     missing ones, repeated single-valued ones and malformed values are
//     errors that name the trailer.
//   - Decision commits (DecisionMessage, ParseDecisionMessage): the empty,
//     signed commit on a proposal branch that records one approval,
//     rejection, override or withdrawal, with Writ-Decision, Writ-Identity,
//     Writ-Subject and Writ-Content.
//   - Proposal commits (ProposalMessage): "propose: <transition>
//     <instance>" and the justification; no trailers.
//   - Checkpoint commits (CheckpointMessage, CheckpointAt): one
//     Writ-Checkpoint-At trailer naming the main commit the snapshot holds;
//     gitstore writes and reads checkpoints through them.
//   - Review references (ReviewRef, ParseReviewRef, OnReconcilersWord): the
//     Ref "github-review:<review id>:<login>:<user id>" a decision recorded
//     from a GitHub review carries in a WAL entry instead of a decision
//     commit.
package wal
