package aer

import (
	"errors"
	"io"
	"iter"
)

// iterBuf is the records an iterator reads at a time.
const iterBuf = 1 << 14

// Spikes returns the trace's remaining spikes in order, for a range loop:
//
//	for s, err := range r.Spikes() {
//		if err != nil { ... }
//	}
//
// A read error is yielded once, with a zero Spike, and ends the sequence;
// the end of the stream ends it without one. It reads a buffer at a time
// (one allocation per loop, none per spike) and advances the same stream
// as ReadSpikes.
func (r *Reader) Spikes() iter.Seq2[Spike, error] {
	return Records(r.ReadSpikes)
}

// Packets is Spikes for the packet stream.
func (r *Reader) Packets() iter.Seq2[Packet, error] {
	return Records(r.ReadPackets)
}

// Records is the sequence of the records a Read-style function returns
// (n records into buf, then io.EOF at the end): Spikes and Packets for any
// reader of that shape, such as anyformat's Source.
func Records[T any](read func([]T) (int, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		buf := make([]T, iterBuf)
		for {
			n, err := read(buf)
			for _, x := range buf[:n] {
				if !yield(x, nil) {
					return
				}
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
		}
	}
}
