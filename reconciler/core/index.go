package core

import (
	"fmt"
	"sort"

	memdb "github.com/hashicorp/go-memdb"
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

// NewIndex builds an index of every instance in s.
func NewIndex(s State) (*Index, error) {
	db, err := memdb.NewMemDB(indexSchema)
	if err != nil {
		return nil, fmt.Errorf("instance index: %w", err)
	}
	if s, err = s.Load(); err != nil {
		return nil, fmt.Errorf("instance index: %w", err)
	}
	txn := db.Txn(true)
	for _, in := range s.Instances() {
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
func (x *Index) By(field, value string) ([]*Instance, error) {
	it, err := x.db.Txn(false).Get(instancesTable, field, value)
	if err != nil {
		return nil, fmt.Errorf("instance index: query %s=%q: %w", field, value, err)
	}
	var out []*Instance
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*Instance))
	}
	sortInstances(out)
	return out, nil
}

// All returns every indexed instance, sorted by id.
func (x *Index) All() ([]*Instance, error) {
	it, err := x.db.Txn(false).Get(instancesTable, "id")
	if err != nil {
		return nil, fmt.Errorf("instance index: %w", err)
	}
	var out []*Instance
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*Instance))
	}
	return out, nil
}

func sortInstances(list []*Instance) {
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
}
