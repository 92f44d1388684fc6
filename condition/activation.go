package condition

import (
	"fmt"
	"reflect"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

// activation resolves the CEL variables straight from a *Vars, so that an
// evaluation builds no map. It holds a single pointer, which lets it travel
// as an interface value without an allocation.
type activation struct{ v *Vars }

var _ interpreter.Activation = activation{}

// ResolveName implements interpreter.Activation.
func (a activation) ResolveName(name string) (any, bool) {
	switch name {
	case "answer":
		return types.String(a.v.Answer), true
	case "available":
		return types.Bool(a.v.Available), true
	case "now":
		return types.Timestamp{Time: a.v.Now}, true
	}
	if l := a.v.lookupVar(name); l != nil {
		return lookupMap{l}, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (activation) Parent() interpreter.Activation { return nil }

// lookupMap presents a Lookup to CEL as a map(string, dyn) without copying
// it. It points at the Lookup field of a Vars (a single pointer, so boxing it
// does not allocate); a nil Lookup is an empty map.
type lookupMap struct{ l *Lookup }

var _ traits.Mapper = lookupMap{}

func (m lookupMap) lookup(name string) (any, bool) {
	l := *m.l
	if l == nil {
		return nil, false
	}
	v, ok := l.Lookup(name)
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

// FindStringKey is the fast path the interpreter takes for field selection
// (contact.name): it hands back the raw value, converted by the interpreter
// only when it is used, so has(contact.name) converts nothing.
func (m lookupMap) FindStringKey(key string) (any, bool) {
	return m.lookup(key)
}

// Find implements traits.Mapper.
func (m lookupMap) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		if types.IsUnknownOrError(key) {
			return key, false
		}
		// Only string keys can be present.
		return nil, false
	}
	v, found := m.lookup(string(k))
	if !found {
		return nil, false
	}
	return toVal(v), true
}

// Get implements traits.Indexer.
func (m lookupMap) Get(key ref.Val) ref.Val {
	v, found := m.Find(key)
	if !found {
		if v != nil {
			return v
		}
		return types.NewErr("no such key: %v", key)
	}
	return v
}

// Contains implements traits.Container (the in operator).
func (m lookupMap) Contains(key ref.Val) ref.Val {
	v, found := m.Find(key)
	if v != nil && types.IsUnknownOrError(v) {
		return v
	}
	return types.Bool(found)
}

func (m lookupMap) names() ([]string, ref.Val) {
	l := *m.l
	if l == nil {
		return nil, nil
	}
	ls, ok := l.(Lister)
	if !ok {
		return nil, types.NewErr("%T cannot list its names (it does not implement condition.Lister)", l)
	}
	return ls.Names(), nil
}

// Size implements traits.Sizer.
func (m lookupMap) Size() ref.Val {
	names, err := m.names()
	if err != nil {
		return err
	}
	return types.Int(len(names))
}

// Iterator implements traits.Iterable; it iterates over the keys.
func (m lookupMap) Iterator() traits.Iterator {
	names, err := m.names()
	if err != nil {
		return &nameIterator{err: err}
	}
	return &nameIterator{names: names}
}

// ConvertToNative implements ref.Val; it supports map[string]any (and any).
func (m lookupMap) ConvertToNative(typeDesc reflect.Type) (any, error) {
	mapType := reflect.TypeFor[map[string]any]()
	if typeDesc != mapType && !(typeDesc.Kind() == reflect.Interface && mapType.Implements(typeDesc)) {
		return nil, fmt.Errorf("type conversion error from map to %v", typeDesc)
	}
	names, errVal := m.names()
	if errVal != nil {
		return nil, errVal.(*types.Err)
	}
	out := make(map[string]any, len(names))
	for _, n := range names {
		if v, ok := m.lookup(n); ok {
			out[n] = v
		}
	}
	return out, nil
}

// ConvertToType implements ref.Val.
func (m lookupMap) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return m
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from map to %s", t.TypeName())
}

// Equal implements ref.Val: two maps are equal when they hold the same keys
// with equal values.
func (m lookupMap) Equal(other ref.Val) ref.Val {
	o, ok := other.(traits.Mapper)
	if !ok {
		return types.False
	}
	names, err := m.names()
	if err != nil {
		return err
	}
	if size := o.Size(); types.IsError(size) || size != types.Int(len(names)) {
		if types.IsError(size) {
			return size
		}
		return types.False
	}
	for _, n := range names {
		mine, _ := m.Find(types.String(n))
		theirs, found := o.Find(types.String(n))
		if !found || mine == nil {
			return types.False
		}
		if eq := mine.Equal(theirs); eq != types.True {
			return eq
		}
	}
	return types.True
}

// Type implements ref.Val.
func (lookupMap) Type() ref.Type { return types.MapType }

// Value implements ref.Val; it returns the Lookup.
func (m lookupMap) Value() any { return *m.l }

// nameIterator iterates over the names of a Lister. For a Lookup that cannot
// list its names it yields a single error: comprehensions stop only on a
// false HasNext, so reporting the error as an element is what makes it reach
// the result.
type nameIterator struct {
	names []string
	err   ref.Val
}

var _ traits.Iterator = (*nameIterator)(nil)

func (it *nameIterator) HasNext() ref.Val {
	return types.Bool(len(it.names) > 0 || it.err != nil)
}

func (it *nameIterator) Next() ref.Val {
	if it.err != nil {
		err := it.err
		it.err = nil
		return err
	}
	if len(it.names) == 0 {
		return types.NewErr("iterator exhausted")
	}
	n := it.names[0]
	it.names = it.names[1:]
	return types.String(n)
}

func (it *nameIterator) ConvertToNative(reflect.Type) (any, error) {
	return nil, fmt.Errorf("type conversion on iterators not supported")
}

func (it *nameIterator) ConvertToType(ref.Type) ref.Val {
	return types.NewErr("no such overload")
}

func (it *nameIterator) Equal(ref.Val) ref.Val { return types.NewErr("no such overload") }

func (it *nameIterator) Type() ref.Type { return types.IteratorType }

func (it *nameIterator) Value() any { return nil }

// toVal converts a Go value of a Lookup or of a host function into a CEL
// value.
func toVal(v any) ref.Val {
	switch x := v.(type) {
	case string:
		return types.String(x)
	case int64:
		return types.Int(x)
	case float64:
		return types.Double(x)
	case bool:
		return types.Bool(x)
	case time.Time:
		return types.Timestamp{Time: x}
	case time.Duration:
		return types.Duration{Duration: x}
	case []string:
		return types.NewStringList(types.DefaultTypeAdapter, x)
	case ref.Val:
		return x
	}
	// Other Go types (int, float32, …) get the standard conversions.
	return types.DefaultTypeAdapter.NativeToValue(v)
}
