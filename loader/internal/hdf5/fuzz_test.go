package hdf5

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzOpen(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(fixtureDir, "*.nir"))
	for _, name := range names {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add(append(append([]byte(nil), magic...), make([]byte, 96)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		walk(data)
	})
}
