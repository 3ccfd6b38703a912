"""CRC-32C (Castagnoli), the checksum of the .aer format, with NumPy.

The standard library has only zlib's CRC-32 (another polynomial). A CRC
is linear: the data is cut into blocks whose registers are computed side
by side, one NumPy step per byte position, and then folded together, one
Python step per block.
"""

import numpy as np

_POLY = 0x82F63B78  # 0x1EDC6F41 reflected


def _make_table():
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> np.uint32(1)) ^ np.uint32(_POLY), t >> np.uint32(1)).astype(np.uint32)
    return t


_TABLE = _make_table()
_TABLE_LIST = _TABLE.tolist()
_shift_cache = {}


def _shift_tables(n):
    """Tables that advance a register over n zero bytes, byte by byte of
    the register."""
    if n not in _shift_cache:
        r = (np.arange(256, dtype=np.uint32)[None, :] << (np.arange(4, dtype=np.uint32)[:, None] * np.uint32(8))).ravel()
        for _ in range(n):
            r = _TABLE[r & np.uint32(0xFF)] ^ (r >> np.uint32(8))
        _shift_cache[n] = [x.tolist() for x in r.reshape(4, 256)]
    return _shift_cache[n]


def crc32c(data):
    """Return the CRC-32C of data (bytes-like or a uint8 array) as an int."""
    b = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data.astype(np.uint8, copy=False).ravel()
    n = len(b)
    if n < 256:
        crc, t = 0xFFFFFFFF, _TABLE_LIST
        for x in b.tolist():
            crc = t[(crc ^ x) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF
    # Starting from 0xFFFFFFFF is starting from 0 with the first four
    # bytes complemented; zero bytes in front of a zero register leave it 0.
    size = 1 << ((n.bit_length() + 1) // 2)
    blocks = -(-n // size)
    padded = np.zeros(blocks * size, dtype=np.uint8)
    padded[blocks * size - n:] = b
    padded[blocks * size - n:blocks * size - n + 4] ^= 0xFF
    cols = np.ascontiguousarray(padded.reshape(blocks, size).T)
    s = np.zeros(blocks, dtype=np.uint32)
    for col in cols:
        s = _TABLE[(s ^ col) & np.uint32(0xFF)] ^ (s >> np.uint32(8))
    m0, m1, m2, m3 = _shift_tables(size)
    reg = 0
    for v in s.tolist():
        reg = m0[reg & 0xFF] ^ m1[(reg >> 8) & 0xFF] ^ m2[(reg >> 16) & 0xFF] ^ m3[reg >> 24] ^ v
    return reg ^ 0xFFFFFFFF
