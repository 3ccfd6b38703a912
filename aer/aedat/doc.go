// Package aedat reads iniVation/jAER AEDAT event files, versions 2.0, 3.1 and
// 4.0, as streams of polarity (DVS) events; frames, IMU samples, triggers and
// other event types are skipped.
//
//   - AEDAT 2.0: '#' header lines, then big-endian (int32 address, int32 µs
//     timestamp) pairs. The address layout depends on the "# AEChip:" line:
//     DVS128 (x bits 1-7, y bits 8-14, polarity bit 0, bit 15 set for external
//     events, which are skipped) or DAVIS (x bits 12-21,
//     y bits 22-30, polarity bit 11, bit 31 set for APS/IMU samples, which are
//     skipped). Coordinates are taken as stored, without jAER's display flips.
//   - AEDAT 3.1: '#' header lines up to "#!END-HEADER", then packets with a
//     28-byte little-endian header; polarity packets (type 1) hold 8-byte
//     events: a data word (bit 0 valid, bit 1 polarity, y bits 2-16, x bits
//     17-31) and a 31-bit timestamp extended by the packet's overflow counter.
//   - AEDAT 4.0: "#!AER-DAT4.0\r\n", a size-prefixed flatbuffers IOHeader
//     (compression, data-table position, XML stream description), then
//     packets (int32 stream id, int32 size, payload) whose payloads are
//     flatbuffers EventPacket tables, optionally LZ4- or zstd-compressed. Only
//     the first stream of type "EVTS" is read; its sensor size comes from the
//     XML description.
package aedat
