package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/chatflow/chatflow/condition"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// decodeStrict decodes data into v, rejecting unknown fields and trailing
// data, and turns decoding errors into a *LoadError whose path points at the
// culprit. base is the JSON path of data within the flow ("" for the root).
func decodeStrict(data []byte, v any, base string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return &condition.Error{Path: base, Msg: "unexpected data after the JSON value"}
		}
		var extra json.RawMessage
		if dec.Decode(&extra) == nil {
			return &condition.Error{Path: base, Msg: "unexpected data after the JSON value"}
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset-1)
		return &condition.Error{Path: base, Msg: fmt.Sprintf("malformed JSON at line %d, column %d: %v", line, col, syn), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &condition.Error{Path: base, Msg: "truncated JSON: unexpected end of input", Err: err}
	case errors.As(err, &typ):
		p := joinPath(base, typ.Field)
		return &condition.Error{Path: p, Msg: fmt.Sprintf("cannot use a JSON %s here (want %s)", typ.Value, typ.Type), Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p := findPath(data, reflect.TypeOf(v), base, err.Error())
		return &condition.Error{Path: p, Msg: fmt.Sprintf("unknown field %q", field), Err: err}
	}
	return &condition.Error{Path: findPath(data, reflect.TypeOf(v), base, err.Error()), Msg: err.Error(), Err: err}
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func joinPath(base, field string) string {
	switch {
	case field == "":
		return base
	case base == "":
		return field
	}
	return base + "." + field
}

// findPath walks data alongside the Go type it is decoded into and returns
// the path of the innermost value whose strict decoding fails with msg.
// encoding/json names an unknown field, or an error from a custom decoder,
// but not where it is.
func findPath(data []byte, t reflect.Type, path, msg string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Slice && reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return path // a custom decoder: its error is about this value
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return path
		}
		fields := jsonFields(t)
		for k, raw := range obj {
			ft, ok := fields[strings.ToLower(k)]
			if !ok {
				if msg == `json: unknown field "`+k+`"` {
					return joinPath(path, k)
				}
				continue
			}
			if decodeFails(raw, ft, msg) {
				return findPath(raw, ft, joinPath(path, k), msg)
			}
		}
	case reflect.Slice, reflect.Array:
		var arr []json.RawMessage
		if json.Unmarshal(data, &arr) != nil {
			return path
		}
		for i, raw := range arr {
			if decodeFails(raw, t.Elem(), msg) {
				return findPath(raw, t.Elem(), path+"["+strconv.Itoa(i)+"]", msg)
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return path
		}
		for k, raw := range obj {
			if decodeFails(raw, t.Elem(), msg) {
				return findPath(raw, t.Elem(), joinPath(path, k), msg)
			}
		}
	}
	return path
}

// decodeFails reports whether strictly decoding data into a value of type t
// fails with msg.
func decodeFails(data []byte, t reflect.Type, msg string) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(reflect.New(t).Interface())
	return err != nil && err.Error() == msg
}

// jsonFields maps the lower-cased JSON names of a struct's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				m[k] = v
			}
			continue
		}
		m[strings.ToLower(name)] = f.Type
	}
	return m
}
