package discord_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExportedNameHasADocComment fails for each exported type,
// function, method, constant, variable, struct field and interface method
// of the package (generated files left out) that has no doc comment. A
// field may carry its comment on the line above or at the end of its line;
// a constant or variable may share the comment of its group. Embedded
// fields are documented by their type.
func TestEveryExportedNameHasADocComment(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked, missing := 0, 0
	report := func(pos token.Pos, what string) {
		missing++
		t.Errorf("%s: %s has no doc comment", fset.Position(pos), what)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if ast.IsGenerated(f) {
			continue
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && !exportedReceiver(d.Recv)) {
					continue
				}
				checked++
				if d.Doc == nil {
					report(d.Pos(), "func "+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						checked++
						if s.Doc == nil && d.Doc == nil {
							report(s.Pos(), "type "+s.Name.Name)
						}
						checked += checkMembers(s, report)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							checked++
							if s.Doc == nil && s.Comment == nil && d.Doc == nil {
								report(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
	}
	// The package has hundreds of exported names; finding few means the
	// walk above is broken, not that the package is small.
	if checked < 500 {
		t.Fatalf("checked only %d exported names (%d without a doc comment)", checked, missing)
	}
}

// checkMembers checks the exported fields of a struct type, or the methods
// of an interface type, and returns how many it checked.
func checkMembers(s *ast.TypeSpec, report func(token.Pos, string)) int {
	var list *ast.FieldList
	switch tt := s.Type.(type) {
	case *ast.StructType:
		list = tt.Fields
	case *ast.InterfaceType:
		list = tt.Methods
	default:
		return 0
	}
	checked := 0
	for _, fld := range list.List {
		for _, n := range fld.Names {
			if !n.IsExported() {
				continue
			}
			checked++
			if fld.Doc == nil && fld.Comment == nil {
				report(n.Pos(), s.Name.Name+"."+n.Name)
			}
		}
	}
	return checked
}

// exportedReceiver reports whether a method's receiver type is exported
// (methods of unexported types are not part of the API).
func exportedReceiver(recv *ast.FieldList) bool {
	if len(recv.List) == 0 {
		return false
	}
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	switch tt := typ.(type) {
	case *ast.IndexExpr:
		typ = tt.X
	case *ast.IndexListExpr:
		typ = tt.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}
