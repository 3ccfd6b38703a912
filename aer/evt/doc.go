// Package evt reads Prophesee RAW files in the EVT 2.0 and EVT 3.0 encodings
// as streams of CD (contrast detection) events.
//
// A RAW file starts with '%' header lines ("% evt 3.0", "% format
// EVT3;height=720;width=1280", "% geometry 1280x720", "% end"), then
// little-endian words:
//
//   - EVT 2.0, 32-bit words, type in bits 31-28: CD_OFF (0x0) and CD_ON (0x1)
//     carry timestamp bits 5-0 (bits 27-22), x (21-11) and y (10-0);
//     EVT_TIME_HIGH (0x8) carries timestamp bits 33-6 (27-0).
//   - EVT 3.0, 16-bit words, type in bits 15-12: EVT_ADDR_Y (0x0) sets y;
//     EVT_ADDR_X (0x2) is one event at x with polarity bit 11; VECT_BASE_X
//     (0x3) sets the base x and polarity of the vectors that follow, VECT_12
//     (0x4) and VECT_8 (0x5) are bit masks of events at base x + i, after
//     which base x advances by 12 or 8; EVT_TIME_LOW (0x6) and EVT_TIME_HIGH
//     (0x8) set timestamp bits 11-0 and 23-12.
//
// Triggers, "others" and continuation words are skipped, as are events before
// the first time-high word (their time is unknown). A time-high value smaller
// than the previous one is a counter wrap (2^34 µs for EVT 2.0, 2^24 µs for
// EVT 3.0) and extends the timestamp.
package evt
