// Package dat reads Prophesee DAT files of CD/TD events.
//
// A DAT file is '%' header lines ("% Data file containing CD events.",
// "% Version 2", "% Width 640", "% Height 480"), then one byte of event type
// (0x00 TD or 0x0C CD) and one byte of event size (8), then 8-byte
// little-endian events: a uint32 microsecond timestamp and a uint32 with x in
// bits 0-13, y in bits 14-27 and polarity in bits 28-31. A timestamp that
// drops by more than 2^31 µs is a wrap of the 32-bit counter and extends the
// time; any other decrease is an error. Version 1 files, which packed
// coordinates differently, are refused.
package dat
