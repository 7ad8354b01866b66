package testenv

import (
	"reflect"
	"strings"
)

// RawDump returns every string and byte a value holds, following pointers,
// interfaces, slices, maps and struct fields (exported or not) without
// calling any method: what a reflection-based printer that ignores methods
// (testify's dumper with DisableMethods, go-cmp's reporter, a debugger)
// could show at most.
func RawDump(v any) string {
	var b strings.Builder
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, depth int)
	walk = func(v reflect.Value, depth int) {
		if !v.IsValid() || depth > 30 {
			return
		}
		switch v.Kind() {
		case reflect.String:
			b.WriteString(v.String())
			b.WriteByte(' ')
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem(), depth+1)
		case reflect.Interface:
			walk(v.Elem(), depth+1)
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), depth+1)
			}
		case reflect.Slice, reflect.Array:
			if k := v.Type().Elem().Kind(); k == reflect.Uint8 {
				for i := range v.Len() {
					b.WriteByte(byte(v.Index(i).Uint()))
				}
				b.WriteByte(' ')
				return
			}
			for i := range v.Len() {
				walk(v.Index(i), depth+1)
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Key(), depth+1)
				walk(it.Value(), depth+1)
			}
		}
	}
	walk(reflect.ValueOf(v), 0)
	return b.String()
}
