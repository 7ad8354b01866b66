package gateway_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exportedNames returns the exported names a package declares, as
// "pkg.Name", "pkg.Type.Method" and "pkg.Type.Field".
func exportedNames(t *testing.T, dir, pkg string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[pkg+"."+d.Name.Name] = true
					continue
				}
				recv := d.Recv.List[0].Type
				if s, ok := recv.(*ast.StarExpr); ok {
					recv = s.X
				}
				if id, ok := recv.(*ast.Ident); ok {
					names[pkg+"."+id.Name+"."+d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[pkg+"."+n.Name] = true
						}
					case *ast.TypeSpec:
						names[pkg+"."+s.Name.Name] = true
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, fld := range st.Fields.List {
								for _, n := range fld.Names {
									names[pkg+"."+s.Name.Name+"."+n.Name] = true
								}
							}
						}
						if it, ok := s.Type.(*ast.InterfaceType); ok {
							for _, m := range it.Methods.List {
								for _, n := range m.Names {
									names[pkg+"."+s.Name.Name+"."+n.Name] = true
								}
							}
						}
					}
				}
			}
		}
	}
	return names
}

// Every Go name docs/protocol.md cites (`gatewayutil.Manager`,
// `gateway.Client.Send`) exists, so the reference does not drift from the
// code.
func TestProtocolDocNamesExist(t *testing.T) {
	known := map[string]bool{}
	for pkg, dir := range map[string]string{
		"gateway": ".", "gatewayutil": "gatewayutil", "gatewaytest": "gatewaytest", "closecode": "closecode",
		"encoding": "encoding", "etf": "encoding/etf", "event": "event", "intents": "intents",
		"opcode": "opcode", "ratelimit": "ratelimit",
	} {
		for n := range exportedNames(t, dir, pkg) {
			known[n] = true
		}
	}
	b, err := os.ReadFile("docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	cited := regexp.MustCompile("`((?:gateway|gatewayutil|gatewaytest|closecode|encoding|etf|event|intents|opcode|ratelimit)(?:\\.[A-Z]\\w*)+)`")
	checked := 0
	for _, m := range cited.FindAllStringSubmatch(string(b), -1) {
		checked++
		if !known[m[1]] {
			t.Errorf("docs/protocol.md cites %s, which the code does not declare", m[1])
		}
	}
	// Names written without their package, in a paragraph about it.
	bare := map[*regexp.Regexp]string{
		regexp.MustCompile("`((?:Client\\.|State|With)\\w+)`"): "gateway.",
		regexp.MustCompile("`(Code\\.\\w+)`"):                  "closecode.",
		regexp.MustCompile("`(Compress\\w+)`"):                 "gatewayutil.",
	}
	for re, pkg := range bare {
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			checked++
			if !known[pkg+m[1]] {
				t.Errorf("docs/protocol.md cites %s (%s%s), which the code does not declare", m[1], pkg, m[1])
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d Go names found in docs/protocol.md: the pattern is wrong", checked)
	}
}
