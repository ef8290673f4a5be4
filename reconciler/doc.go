// Package reconciler drives the pure core (reconciler/core) against a
// control repository: it reads the WAL, gathers proposals and decisions,
// gates them and writes one signed entry on main per accepted transition,
// moving main only by compare-and-swap.
package reconciler
