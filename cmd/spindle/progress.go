package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a bar on stderr for long work. It stays silent unless
// stderr is a terminal and the work has taken more than a second, so
// scripted runs and quick commands print nothing extra.
type progress struct {
	w       io.Writer
	label   string
	total   int64
	start   time.Time
	last    time.Time
	enabled bool
	drawn   bool
}

func newProgress(w io.Writer, label string, total int64) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, total: total, start: time.Now(), enabled: ok && term.IsTerminal(int(f.Fd()))}
}

// update reports that done units of the total are finished.
func (p *progress) update(done int64) {
	if !p.enabled || p.total <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	filled := int(int64(width) * done / p.total)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d", p.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*done/p.total, done, p.total)
	p.drawn = true
}

// finish clears the bar.
func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 60+len(p.label)))
	}
}
