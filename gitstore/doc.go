// Package gitstore is writ's write-ahead log on git: it reads and writes the
// control repository with go-git (no git binary needed at run time).
//
// # The log
//
// The WAL is the first-parent history of MainRef. Each entry is a commit
// written by WriteCommit, typically a merge whose first parent is the
// previous main and whose second parent is the proposal's head, carrying
// its facts in git trailers (formatted and parsed by reconciler/wal, which
// also owns the checkpoint commit's message) and signed by
// the reconciler (CommitRequest.Signer; see the signing subpackage).
// FirstParentLog and WalkFirstParent replay it oldest first; a stop commit
// that is not on the chain is ErrNotOnChain, which is how a rewritten main
// is detected.
//
// # Writing
//
// WriteCommit builds trees bottom-up from a base tree plus file writes and
// deletions, reusing unchanged subtrees and splicing changed entries into
// the raw bytes of changed ones, and writes blob, tree and commit
// objects that `git fsck --strict` accepts. It never moves a ref:
// publishing is a separate CompareAndSwap, which follows git's lock-file
// protocol so that two reconcilers (or a reconciler and the git client)
// cannot both win. Checkpoints (WriteCheckpoint / ReadCheckpoint) are a
// separate chain under CheckpointRef; each holds a snapshot as a tree of
// files (CheckpointHead and whatever else the snapshot needs), written as a
// change to the previous checkpoint's tree.
//
// # Reading
//
// ReadFile, ListFiles and ChangedFiles read trees as raw bytes parsed by
// gitobj.ParseTree (bisected lookups, no per-entry decoding); BranchCommits lists a
// proposal branch's commits, and BranchCommitsUntil does so without reading
// main's history when the caller can recognise main's commits; IsAncestor
// answers reachability. Every object
// read, go-git's included, goes first through internal/gitobj, which
// bisects mapped pack indexes instead of decoding them (go-git's first
// read from a pack of a million objects costs tens of milliseconds).
// Replay's reads use it through FastReader (commits from raw bytes, first
// parents from git's commit-graph) and TreeCheck (an entry's tree against
// its first parent's, compared as raw tree objects, or for a goal action
// computed from its parent's and compared by object name); nothing outside
// gitstore touches gitobj or the go-git repository. Decoding a commit still costs microseconds, so hot paths read
// blobs by known path and keep what replay needs in the commit itself.
//
// Reads of what others push are bounded (limits.go): ReadFile refuses a
// file over MaxFileSize, and every read of a commit, tag or tree refuses
// one over MaxCommitSize or MaxTreeSize, from the object's header, before
// inflating it or the delta bases it is rebuilt from (a *TooLargeError,
// ErrTooLarge). ChangedFiles and ChangedEntriesWhere stop at the Max*
// diff limits (a *DiffLimitError, ErrDiffTooLarge), however many paths a
// tree's shared subtrees spell out; their Trusted variants, for main's
// own history, and ListFiles are not bounded.
//
// # Remotes
//
// Fetch, RemoteRefs, PushCAS and PushCheckpoint talk to a remote with
// go-git. Over http(s) they authenticate as git does in GitHub Actions
// (auth.go, one place for every remote operation): the
// http.<url>.extraheader of git config, matched to the remote's URL as git
// matches it (urlmatch.go) and read through include and includeIf
// "gitdir:" files (gitconfig.go), which is where actions/checkout leaves
// its token; or a token given as Credentials. A refusal is ErrAuth, which
// says where the credentials came from and how to give them, and no error
// holds a secret (redact.go). A shallow clone is deepened by the first
// fetch (shallow.go).
//
// # Concurrency
//
// A Store is safe for concurrent use. Object access is serialised by a
// mutex inside the Store; ref updates are atomic across processes. Every
// ref writ writes, go-git's fetch included, goes through git's
// "<ref>.lock" protocol under a per-repository writer lock, so a lock left
// by a killed writer is recognised and recovered and never wedges the
// repository (reflock.go); listing refs skips lock files. Objects are
// fsynced before any ref names them (durable.go).
//
// All errors are wrapped with context; the sentinels are in errors.go.
package gitstore
