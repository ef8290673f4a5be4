// Package index is the in-memory instance index behind `writ state
// --workflow/--state`: a go-memdb database built from a core.State. It is
// a cache of one state for one query command, never an input to
// core.Apply, so it lives next to its user, not in the core.
package index

import (
	"fmt"
	"sort"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/writ-dev/writ/reconciler/core"
)

// instancesTable is the go-memdb table of instances.
const instancesTable = "instances"

// indexSchema indexes instances by id, workflow, state and owner.
var indexSchema = &memdb.DBSchema{
	Tables: map[string]*memdb.TableSchema{
		instancesTable: {
			Name: instancesTable,
			Indexes: map[string]*memdb.IndexSchema{
				"id":       {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
				"workflow": {Name: "workflow", Indexer: &memdb.StringFieldIndex{Field: "Workflow"}},
				"state":    {Name: "state", Indexer: &memdb.StringFieldIndex{Field: "State"}},
				"owner":    {Name: "owner", AllowMissing: true, Indexer: &memdb.StringFieldIndex{Field: "Owner"}},
			},
		},
	},
}

// Index answers queries over instances (by workflow, state, owner). It is a
// cache of a State, rebuilt from it; it never feeds back into Apply. Reads
// are safe from many goroutines.
type Index struct {
	db *memdb.MemDB
}

// New builds an index of every instance in s. Every bucket of s must be
// restored (s.Unrestored() empty); otherwise the error is the
// *core.MissingBucketError of the first one.
func New(s core.State) (*Index, error) {
	db, err := memdb.NewMemDB(indexSchema)
	if err != nil {
		return nil, fmt.Errorf("instance index: %w", err)
	}
	all, err := s.Instances()
	if err != nil {
		return nil, fmt.Errorf("instance index: %w", err)
	}
	txn := db.Txn(true)
	for _, in := range all {
		if err := txn.Insert(instancesTable, in); err != nil {
			txn.Abort()
			return nil, fmt.Errorf("instance index: insert %s: %w", in.ID, err)
		}
	}
	txn.Commit()
	return &Index{db: db}, nil
}

// By returns the instances whose field (one of "workflow", "state",
// "owner", "id") equals value, sorted by id.
func (x *Index) By(field, value string) ([]*core.Instance, error) {
	it, err := x.db.Txn(false).Get(instancesTable, field, value)
	if err != nil {
		return nil, fmt.Errorf("instance index: query %s=%q: %w", field, value, err)
	}
	var out []*core.Instance
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*core.Instance))
	}
	sortInstances(out)
	return out, nil
}

// All returns every indexed instance, sorted by id.
func (x *Index) All() ([]*core.Instance, error) {
	it, err := x.db.Txn(false).Get(instancesTable, "id")
	if err != nil {
		return nil, fmt.Errorf("instance index: %w", err)
	}
	var out []*core.Instance
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*core.Instance))
	}
	return out, nil
}

func sortInstances(list []*core.Instance) {
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
}
