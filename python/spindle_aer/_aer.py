"""Decoder of Spindle's .aer trace format (docs/formats/aer.md)."""

import json
import os
import struct

import numpy as np

from ._crc import crc32c
from ._trace import PACKET_DTYPE, SPIKE_DTYPE, Trace, TraceError, ZstdUnavailableError

MAGIC = b"\x89AER\r\n\x1a\n"
TRAILER_MAGIC = b"\x89AEREND\n"
CHUNK_MAGIC = b"ACHK"
INDEX_MAGIC = b"AIDX"
CHUNK_HEADER = 44
INDEX_ENTRY = 32
TRAILER = 16
MAX_META = 16 << 20
MAX_CHUNK_RECORDS = 1 << 22
MAX_BYTES = {1: 10 + 5, 2: 10 + 10 + 5 + 5 + 3 + 1}
STORED = 1 << 31
ESCAPE = 32
MAX_RICE = 56
KEY_LIMIT = 1 << 62
KIND_NAMES = {1: "spike", 2: "packet"}

_INDEX_DTYPE = np.dtype([("offset", "<u8"), ("first", "<i8"), ("last", "<i8"), ("count", "<u4"), ("kind", "u1"), ("_", "V3")])
_U64 = np.uint64


class _Bad(Exception):
    """A defect inside a chunk, placed in the file by the caller."""


def _zstd_decoder():
    """A function decompressing one zstd frame of known size, or None."""
    try:
        from compression import zstd  # Python 3.14 and later

        return lambda data, size: zstd.decompress(data)
    except ImportError:
        pass
    try:
        import zstandard

        d = zstandard.ZstdDecompressor()
        return lambda data, size: d.decompress(data, max_output_size=size)
    except ImportError:
        pass
    try:
        import pyzstd

        return lambda data, size: pyzstd.decompress(data)
    except ImportError:
        return None


_zstd = _zstd_decoder()


def zstd_available():
    """Report whether this Python can decompress the zstd sections of
    .aer chunks (Python 3.14's compression.zstd, zstandard or pyzstd)."""
    return _zstd is not None


def _uvarints(buf, n, what):
    """Decode the first n uvarints of the uint8 array buf; return them as
    uint64 and the bytes they took."""
    if n == 0:
        return np.zeros(0, dtype=_U64), 0
    ends = np.flatnonzero(buf < 0x80)
    if len(ends) < n:
        raise _Bad(f"{what}: truncated: {len(ends)} of {n} values")
    ends = ends[:n]
    used = int(ends[-1]) + 1
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lens = ends - starts + 1
    if lens.max() > 10 or np.any(buf[ends[lens == 10]] > 1):
        raise _Bad(f"{what}: a value overflows 64 bits")
    pos = np.arange(used, dtype=np.int64) - np.repeat(starts, lens)
    parts = (buf[:used].astype(_U64) & _U64(0x7F)) << (pos.astype(_U64) * _U64(7))
    return np.bitwise_or.reduceat(parts, starts), used


def _unpack(buf, n, w):
    """The n w-bit fields (w <= 56) packed least significant bit first in
    buf, as uint64."""
    if w == 0:
        return np.zeros(n, dtype=_U64)
    padded = np.zeros(len(buf) + 8, dtype=np.uint8)
    padded[: len(buf)] = buf
    words = np.lib.stride_tricks.as_strided(padded[:8].view("<u8"), shape=(len(buf) + 1,), strides=(1,))
    bits = np.arange(n, dtype=_U64) * _U64(w)
    return (words[(bits >> _U64(3)).astype(np.intp)] >> (bits & _U64(7))) & _U64((1 << w) - 1)


def _times(buf, n, first, last):
    """Decode n-1 uvarint time deltas from first; they must end at last.
    Returns the times and the bytes used."""
    d, used = _uvarints(buf, n - 1, "time section")
    span = _U64((last - first) & 0xFFFFFFFFFFFFFFFF)
    t = np.empty(n, dtype=_U64)
    t[0] = 0
    if n > 1:
        if np.any(d > span):
            raise _Bad(f"time section: bad delta at record {int(np.argmax(d > span)) + 1}")
        np.cumsum(d, out=t[1:])
        if np.any(t[1:] < t[:-1]):
            raise _Bad("time section: deltas overflow")
    if t[-1] != span:
        raise _Bad(f"time section: last time {first + int(t[-1])}, header says {last}")
    return (t + _U64(first & 0xFFFFFFFFFFFFFFFF)).view(np.int64), used


def _spikes_columns(sec, n, first, last):
    t, used = _times(sec[0], n, first, last)
    if used != len(sec[0]):
        raise _Bad(f"time section: {len(sec[0]) - used} trailing bytes")
    b = sec[1]
    if len(b) < 5:
        raise _Bad(f"address section: {len(b)} bytes, want at least 5")
    base, w = struct.unpack_from("<IB", b.tobytes()[:5])
    if w > 32:
        raise _Bad(f"address section: bit width {w} > 32")
    need = (n * w + 7) // 8
    if len(b) - 5 != need:
        raise _Bad(f"address section: {len(b) - 5} packed bytes, want {need}")
    a = _unpack(b[5:], n, w) + _U64(base)
    if np.any(a > _U64(0xFFFFFFFF)):
        raise _Bad(f"address section: record {int(np.argmax(a > _U64(0xFFFFFFFF)))}: address exceeds 32 bits")
    return t, a.astype(np.uint32)


def _spikes_gaps(sec, n, first, last):
    esc, b = sec
    if len(b) < 9:
        raise _Bad(f"gap section: {len(b)} bytes, want at least 9")
    lo, span1, k = struct.unpack_from("<IIB", b.tobytes()[:9])
    span = span1 + 1
    if lo + span > 1 << 32:
        raise _Bad(f"gap section: addresses {lo} + {span1} exceed 32 bits")
    if k > MAX_RICE:
        raise _Bad(f"gap section: Rice parameter {k} > {MAX_RICE}")
    codes = b[9:]
    low_bytes = (n * k + 7) // 8
    if low_bytes > len(codes):
        raise _Bad(f"gap section: {len(codes)} bytes of codes, want at least {low_bytes} for the low bits")
    low = _unpack(codes[:low_bytes], n, k)
    unary = codes[low_bytes:]
    ones = np.flatnonzero(np.unpackbits(unary, bitorder="little"))
    if len(ones) < n:
        raise _Bad(f"unary codes: {len(ones)} codes for {n} records")
    ones = ones[:n]
    q = np.diff(ones, prepend=-1) - 1
    if np.any(q > ESCAPE):
        raise _Bad(f"unary codes: record {int(np.argmax(q > ESCAPE))}: code of more than {ESCAPE} zero bits")
    if (int(ones[-1]) + 1 + 7) // 8 != len(unary):
        raise _Bad(f"unary codes: {int(ones[-1]) + 1} bits in {len(unary)} bytes")
    q = q.astype(_U64)
    escaped = q == _U64(ESCAPE)
    v, used = _uvarints(esc, int(escaped.sum()), "escape section")
    if used != len(esc):
        raise _Bad(f"escape section: {len(esc) - used} trailing bytes")
    if np.any(v < _U64(ESCAPE)) or np.any(v >= _U64(KEY_LIMIT >> k)):
        raise _Bad("unary codes: an escape to a bad quotient")
    q[escaped] = v
    keys = np.cumsum((q << _U64(k)) | low, dtype=_U64)
    if np.any(keys >= _U64(KEY_LIMIT)):
        raise _Bad("gap section: keys reach 2^62, want them below")
    t = ((keys // _U64(span)) + _U64(first & 0xFFFFFFFFFFFFFFFF)).view(np.int64)
    if t[0] != first:
        raise _Bad(f"gap section: first time {int(t[0])}, header says {first}")
    if t[-1] != last:
        raise _Bad(f"gap section: last time {int(t[-1])}, header says {last}")
    return t, (keys % _U64(span) + _U64(lo)).astype(np.uint32)


def _packets(sec, n, first, last):
    a, b = sec
    out = np.empty(n, dtype=PACKET_DTYPE)
    out["emit"], used = _times(a, n, first, last)
    lat, more = _uvarints(a[used:], n, "latency column")
    if used + more != len(a):
        raise _Bad(f"time section: {len(a) - used - more} trailing bytes")
    lat = (lat >> _U64(1)) ^ (_U64(0) - (lat & _U64(1)))
    out["deliver"] = (out["emit"].view(_U64) + lat).view(np.int64)
    cols, used = _uvarints(b, 3 * n, "source, destination and hops columns")
    for name, col, lim in (("src", cols[:n], 0xFFFFFFFF), ("dst", cols[n : 2 * n], 0xFFFFFFFF), ("hops", cols[2 * n :], 0xFFFF)):
        if np.any(col > _U64(lim)):
            raise _Bad(f"{name} column: bad value at record {int(np.argmax(col > _U64(lim)))}")
        out[name] = col
    if len(b) - used != n:
        raise _Bad(f"flags column: {len(b) - used} bytes, want {n}")
    out["flags"] = b[used:]
    return out


def _sections(body, raw_len):
    """Split a chunk body into its two sections, decompressed."""
    secs, total, p = [], 0, 0
    for s in range(2):
        if len(body) - p < 8:
            raise _Bad(f"section {s}: body truncated")
        u, stored = struct.unpack_from("<II", body, p)
        p += 8
        size = stored & ~STORED
        if size > len(body) - p:
            raise _Bad(f"section {s}: stored length {size} exceeds the {len(body) - p} bytes left in the chunk")
        total += u
        if total > raw_len:
            raise _Bad(f"section {s}: uncompressed lengths exceed the header's {raw_len}")
        data = body[p : p + size]
        p += size
        if stored & STORED:
            if size != u:
                raise _Bad(f"section {s}: stored section of {size} bytes, header says {u}")
        else:
            if _zstd is None:
                raise ZstdUnavailableError(
                    f"section {s} is zstd-compressed and this Python has no zstd decoder: install one "
                    "(Debian: apt-get install python3-zstandard; pip install zstandard) or use Python 3.14+, "
                    "or convert the trace with `spindle trace convert IN OUT.npz` and read the .npz, which needs NumPy only"
                )
            try:
                data = _zstd(bytes(data), u)
            except Exception as e:  # the decoders raise their own error types
                raise _Bad(f"section {s}: zstd: {e}") from None
            if len(data) != u:
                raise _Bad(f"section {s}: decompressed to {len(data)} bytes, header says {u}")
        secs.append(np.frombuffer(data, dtype=np.uint8))
    if p != len(body):
        raise _Bad(f"{len(body) - p} unexpected bytes after the last section")
    if total != raw_len:
        raise _Bad(f"uncompressed length {total}, header says {raw_len}")
    return secs


def _check_chunk_header(h, version):
    if h[:4] != CHUNK_MAGIC:
        return 'bad chunk magic (want "ACHK")'
    if crc32c(h[:40]) != struct.unpack_from("<I", h, 40)[0]:
        return "chunk header checksum mismatch"
    kind, codec = h[4], h[5]
    count, first, last, raw_len = struct.unpack_from("<IqqI", h, 8)
    if kind not in KIND_NAMES:
        return "unknown record kind"
    if codec not in (1, 2) or (codec == 2 and (kind != 1 or version < 2)):
        return f"unknown chunk codec {codec} for {KIND_NAMES[kind]} records in a version {version} file"
    if count == 0 or count > MAX_CHUNK_RECORDS:
        return "record count out of range"
    if first > last:
        return "first time after last time"
    if raw_len > count * MAX_BYTES[kind] + 64:
        return "uncompressed length too large for record count"
    return ""


def read_aer(path, verify=True):
    """Read the .aer trace at path into a Trace.

    verify=False skips the CRC-32C checks of the chunk payloads, which
    take much of the reading time of a large trace; the header, index,
    chunk headers, lengths and times are always checked. Raises TraceError (ZstdUnavailableError when a chunk needs
    a zstd decoder that this Python lacks) naming the file, the chunk and
    its byte offset, and what was expected.
    """
    name = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    size = len(data)

    def fail(msg):
        raise TraceError(f"{name}: {msg}")

    if size < 16 or data[:8] != MAGIC:
        fail("not a Spindle .aer trace: expected the magic \\x89AER\\r\\n\\x1a\\n at byte 0")
    version, _flags, mlen = struct.unpack_from("<HHI", data, 8)
    if version not in (1, 2):
        fail(f"format version {version}, expected 1 or 2")
    if mlen > MAX_META or 20 + mlen > size:
        fail(f"metadata length {mlen} does not fit the {size}-byte file (limit {MAX_META})")
    if crc32c(data[: 16 + mlen]) != struct.unpack_from("<I", data, 16 + mlen)[0]:
        fail("header checksum mismatch at byte 0")
    try:
        meta = json.loads(data[16 : 16 + mlen].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        fail(f"metadata at byte 16: expected a JSON object: {e}")
    if not isinstance(meta, dict):
        fail("metadata at byte 16: expected a JSON object")
    hlen = 20 + mlen
    if size < hlen + 12 + TRAILER or data[-8:] != TRAILER_MAGIC:
        fail(f"unfinished trace: no index and trailer at the end (its writer stopped early); "
             f"run `spindle trace recover {name} OUT` to rebuild them")
    (x,) = struct.unpack_from("<Q", data, size - TRAILER)
    if x < hlen or x + 12 + TRAILER > size or data[x : x + 4] != INDEX_MAGIC:
        fail(f"index offset {x} in the trailer does not point at an index (\"AIDX\") between bytes {hlen} and {size - TRAILER - 12}")
    (e,) = struct.unpack_from("<I", data, x + 4)
    if x + 8 + INDEX_ENTRY * e + 4 + TRAILER != size:
        fail(f"index at byte {x}: {e} entries do not fill the file up to its trailer")
    if crc32c(data[x : x + 8 + INDEX_ENTRY * e]) != struct.unpack_from("<I", data, x + 8 + INDEX_ENTRY * e)[0]:
        fail(f"index at byte {x}: checksum mismatch")
    index = np.frombuffer(data, dtype=_INDEX_DTYPE, count=e, offset=x + 8)
    offsets = index["offset"].astype(np.int64).tolist() + [x]
    if e and offsets[0] != hlen:
        fail(f"index at byte {x}: first chunk at byte {offsets[0]}, expected {hlen}, right after the header")

    parts = {1: [], 2: []}
    prev_last = {}
    buf = memoryview(data)
    for i in range(e):
        off, end = offsets[i], offsets[i + 1]
        where = f"chunk {i} at byte {off}"
        if end < off + CHUNK_HEADER or end > x:
            fail(f"{where}: ends at byte {end}, expected after its {CHUNK_HEADER}-byte header and before the index at {x}")
        h = data[off : off + CHUNK_HEADER]
        msg = _check_chunk_header(h, version)
        if msg:
            fail(f"{where}: {msg}")
        kind, codec = h[4], h[5]
        count, first, last, raw_len, body_len, payload_crc = struct.unpack_from("<IqqIII", h, 8)
        ent = index[i]
        if (int(ent["offset"]), int(ent["first"]), int(ent["last"]), int(ent["count"]), int(ent["kind"])) != (off, first, last, count, kind):
            fail(f"{where}: chunk header disagrees with its index entry")
        if kind in prev_last and first < prev_last[kind]:
            fail(f"{where}: first time {first} before the previous {KIND_NAMES[kind]} chunk's last time {prev_last[kind]}")
        prev_last[kind] = last
        if off + CHUNK_HEADER + body_len != end:
            fail(f"{where}: body of {body_len} bytes, expected {end - off - CHUNK_HEADER} (up to the next chunk)")
        try:
            secs = _sections(buf[off + CHUNK_HEADER : end], raw_len)
            if verify:
                crc = crc32c(np.concatenate(secs))
                if crc != payload_crc:
                    raise _Bad(f"payload checksum mismatch (CRC-32C {crc:08x}, header says {payload_crc:08x})")
            if kind == 2:
                parts[2].append(_packets(secs, count, first, last))
            else:
                t, a = (_spikes_gaps if codec == 2 else _spikes_columns)(secs, count, first, last)
                s = np.empty(count, dtype=SPIKE_DTYPE)
                s["t"], s["addr"] = t, a
                parts[1].append(s)
        except ZstdUnavailableError as err:
            raise ZstdUnavailableError(f"{name}: {where}: {err}") from None
        except _Bad as err:
            fail(f"{where}: {err}")

    kinds = meta.get("record_kinds") or ["spike"]
    spikes = np.concatenate(parts[1]) if parts[1] else np.zeros(0, dtype=SPIKE_DTYPE)
    packets = None
    if parts[2] or "packet" in kinds:
        packets = np.concatenate(parts[2]) if parts[2] else np.zeros(0, dtype=PACKET_DTYPE)
    try:
        return Trace(spikes=spikes, packets=packets, meta=meta, path=name, version=version)
    except (TypeError, ValueError) as err:
        fail(f"metadata at byte 16: {err}")
