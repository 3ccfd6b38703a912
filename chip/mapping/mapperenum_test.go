package mapping

import (
	"strings"
	"testing"
)

func TestMapperNames(t *testing.T) {
	want := []string{"sequential", "balanced", "random", "locality"}
	all := Mappers()
	if len(all) != len(want) {
		t.Fatalf("Mappers() = %v, want %v", all, want)
	}
	for i, m := range all {
		if m.String() != want[i] {
			t.Errorf("Mappers()[%d] = %q, want %q", i, m, want[i])
		}
		back, err := ParseMapper(want[i])
		if err != nil || back != m {
			t.Errorf("ParseMapper(%q) = %v, %v", want[i], back, err)
		}
	}
	if Mapper(0) != Sequential {
		t.Error("the zero Mapper is not Sequential")
	}
	for _, bad := range []string{"", "Sequential", "greedy"} {
		if _, err := ParseMapper(bad); err == nil || !strings.Contains(err.Error(), "expected one of sequential, balanced, random, locality") {
			t.Errorf("ParseMapper(%q): error %v", bad, err)
		}
	}
	if s := Mapper(7).String(); s != "mapper(7)" {
		t.Errorf("Mapper(7).String() = %q", s)
	}
}

// FuzzParseMapper: ParseMapper accepts exactly the names String writes.
func FuzzParseMapper(f *testing.F) {
	for _, m := range Mappers() {
		f.Add(m.String())
	}
	f.Add("")
	f.Add("mapper(7)")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMapper(s)
		if err != nil {
			if !strings.Contains(err.Error(), "expected one of") {
				t.Fatalf("ParseMapper(%q): error without the names: %v", s, err)
			}
			return
		}
		if m.String() != s || m.valid() != nil {
			t.Fatalf("ParseMapper(%q) = %v", s, m)
		}
	})
}
