package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePkg(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "types.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGenerateWritesEveryKindOfField(t *testing.T) {
	dir := writePkg(t, `package discord

type Snowflake uint64

func (s *Snowflake) decodeJSON(d *decoder) {}

type Level int

// Thing has one field of each kind the generator handles.
type Thing struct {
	ID     Snowflake           `+"`json:\"id\"`"+`
	Name   string              `+"`json:\"name\" discord:\"null\"`"+`
	Level  Level               `+"`json:\"level,omitzero\"`"+`
	Tags   []string            `+"`json:\"tags\"`"+`
	Parent *Thing              `+"`json:\"parent,omitzero\"`"+`
	Kids   []Thing             `+"`json:\"kids,omitzero\"`"+`
	Maybe  Optional[Snowflake] `+"`json:\"maybe,omitzero\"`"+`
	skip   int
}

type Wrapper struct{ Thing }

// Shadow's own name hides Thing's.
type Shadow struct {
	Thing
	Name string `+"`json:\"name\"`"+`
}
`)
	out, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	for _, want := range []string{
		"func (x *Thing) DecodeJSON(data []byte) error",
		"func (x *Wrapper) decodeJSON(d *decoder)",
		"x.Thing.ID.decodeJSON(d)",
		"var jsonKeysWrapper = [7]encoding.JSONKey{",
		`encoding.NewJSONKey("maybe"),`,
		"Wrapper [8]uint8",
		"ok := f != 0 && (d.r.FirstKeyIsQuick(&jsonKeysWrapper[f-1]) || d.r.NextKeyIs(&jsonKeysWrapper[f-1]))",
		"ok = f != 0 && (d.r.NextKeyIsQuick(&jsonKeysWrapper[f-1]) || d.r.NextKeyIs(&jsonKeysWrapper[f-1]))",
		"if f = jsonFieldWrapper(k); f == 0 {",
		`case "level":`, "x.Level = Level(d.int(64))",
		`case "maybe":`, "x.Maybe = Null[Snowflake]()",
		"x.Tags = d.strs()",
		"x.Kids = decodeArray(d, &d.arrays.Thing)",
		"Thing runs[Thing]",
		`if x.Name == "" {`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Shadow decodes "name" into its own field only: Thing's is hidden.
	shadow := src[strings.Index(src, "func (x *Shadow) decodeJSON"):]
	shadow = shadow[:strings.Index(shadow, "\n}\n")]
	if !strings.Contains(shadow, "x.Name = d.str()") || strings.Contains(shadow, "x.Thing.Name") {
		t.Errorf("Shadow's decodeJSON does not let its own name hide Thing's:\n%s", shadow)
	}
	if strings.Contains(src, `"skip"`) {
		t.Error("an untagged field was generated")
	}
}

func TestGenerateRejectsWhatItCannotWrite(t *testing.T) {
	for name, field := range map[string]string{
		"unknown json option":  "A int `json:\"a,string\"`",
		"unknown discord tag":  "A int `json:\"a\" discord:\"maybe\"`",
		"map":                  "A map[string]int `json:\"a\"`",
		"fixed array":          "A [4]int `json:\"a\"`",
		"pointer to a builtin": "A *int `json:\"a\"`",
	} {
		dir := writePkg(t, "package discord\n\ntype T struct {\n\t"+field+"\n}\n")
		if _, err := Generate(dir); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
