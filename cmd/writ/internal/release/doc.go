// Package release holds the tests of writ's release scripts in
// .github/release (a folder the go command does not walk): build.sh, the
// reproducible release build, and install.sh, the Action's install step.
//
// The tests run the scripts as a user would, on a snapshot of this module
// committed to a fresh git repository (the go command stamps VCS
// information only in a clone, not a worktree), and serve the release from
// an HTTP server on 127.0.0.1 standing in for the release download. They
// build writ, so -short skips them; by default they build the host's
// target only; WRIT_RELEASE_TEST=1 builds all four targets twice, the
// second time with an empty build cache, and compares every byte.
package release
