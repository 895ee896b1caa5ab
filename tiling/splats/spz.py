"""SPZ (Niantic's compressed Gaussian splat format) in numpy: encode version 2, decode 1-3.

An SPZ blob is a gzip stream of a 16-byte header (magic "NGSP", version, number of splats,
spherical-harmonics degree, fractional bits of the fixed-point positions, flags) followed by
the attributes one after the other: positions (24-bit fixed point, signed, per coordinate),
alphas (sigmoid of the opacity, 8 bit), colours (the DC spherical-harmonics coefficient,
``x · 0.15 · 255 + 127.5``), scales (log scale, ``(x + 10) · 16``), rotations (version 2: the
x, y, z of the unit quaternion with w ≥ 0, ``x · 127.5 + 127.5``; version 3: the smallest
three components in 4 bytes) and higher spherical harmonics (8 bit each).

We write version 2 because ``KHR_gaussian_splatting_compression_spz_2`` (what the pinned CesiumJS
reads) names it.  Positions are stored exactly as given: CesiumJS unpacks them without any axis
conversion, so the caller hands over glTF axes.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass

import numpy as np

MAGIC = 0x5053474E  # "NGSP"
COLOR_SCALE = 0.15
HEADER = struct.Struct("<IIIBBBB")
MAX_SPLATS = 10_000_000  # the reference decoder refuses more in one blob


@dataclass
class Splats:
    """Splats as 3DGS trains them: log scales, logit opacities, DC colour coefficients."""

    positions: np.ndarray  # (n, 3) float
    rotations: np.ndarray  # (n, 4) unit quaternions (x, y, z, w)
    log_scales: np.ndarray  # (n, 3)
    opacity_logits: np.ndarray  # (n,)
    colors_dc: np.ndarray  # (n, 3) spherical-harmonics degree-0 coefficients
    sh: np.ndarray | None = None  # (n, k, 3) higher coefficients (k = 3, 8 or 15), coefficient-major

    def __len__(self) -> int:
        return len(self.positions)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def fractional_bits(positions: np.ndarray) -> int:
    """The most fractional bits that still fit every coordinate in 24 signed bits."""
    biggest = float(np.max(np.abs(positions), initial=0.0))
    whole = int(np.ceil(np.log2(biggest + 1.0)))  # bits left of the point
    return int(np.clip(23 - whole - 1, 0, 20))


def encode(s: Splats, *, bits: int | None = None, antialiased: bool = False) -> bytes:
    """Splats (degree-0 colour only) → an SPZ version-2 blob."""
    n = len(s)
    if n > MAX_SPLATS:
        raise ValueError(f"an SPZ blob holds at most {MAX_SPLATS} splats")
    fb = fractional_bits(s.positions) if bits is None else bits
    fixed = np.rint(np.asarray(s.positions, np.float64) * (1 << fb)).astype(np.int32)
    pos = fixed.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3]  # little-endian low 3 bytes
    alphas = _u8(sigmoid(s.opacity_logits) * 255.0)
    colors = _u8(np.asarray(s.colors_dc, np.float64) * (COLOR_SCALE * 255.0) + 127.5)
    scales = _u8((np.asarray(s.log_scales, np.float64) + 10.0) * 16.0)
    q = np.asarray(s.rotations, np.float64)
    q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    q = np.where(q[:, 3:4] < 0, -q, q)  # w ≥ 0: it is rebuilt from x, y, z
    rot = _u8(q[:, :3] * 127.5 + 127.5)
    head = HEADER.pack(MAGIC, 2, n, 0, fb, 1 if antialiased else 0, 0)
    body = b"".join(a.tobytes() for a in (pos, alphas, colors, scales, rot))
    return gzip.compress(head + body, compresslevel=6, mtime=0)


def _sh_dim(degree: int) -> int:
    return {0: 0, 1: 3, 2: 8, 3: 15}[degree]


def decode(blob: bytes) -> Splats:
    """An SPZ blob (version 1, 2 or 3) → splats, coordinates as stored."""
    data = gzip.decompress(blob)
    magic, version, n, degree, fb, _flags, _ = HEADER.unpack_from(data)
    if magic != MAGIC or version not in (1, 2, 3) or degree > 3:
        raise ValueError("not an SPZ blob (bad magic, version or spherical-harmonics degree)")
    at = HEADER.size

    def take(count: int) -> np.ndarray:
        nonlocal at
        out = np.frombuffer(data, np.uint8, count, at)
        at += count
        return out

    if version == 1:  # float16 positions
        positions = np.frombuffer(data, np.float16, 3 * n, at).astype(np.float64).reshape(n, 3)
        at += 6 * n
    else:
        raw = take(9 * n).reshape(n * 3, 3).astype(np.int32)
        fixed = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        fixed = np.where(fixed & 0x800000, fixed - (1 << 24), fixed)
        positions = (fixed / float(1 << fb)).reshape(n, 3)
    alphas = take(n).astype(np.float64)
    colors = (take(3 * n).reshape(n, 3) / 255.0 - 0.5) / COLOR_SCALE
    scales = take(3 * n).reshape(n, 3) / 16.0 - 10.0
    if version >= 3:
        rotations = _smallest_three(take(4 * n).reshape(n, 4))
    else:
        xyz = take(3 * n).reshape(n, 3) / 127.5 - 1.0
        w = np.sqrt(np.maximum(0.0, 1.0 - np.sum(xyz * xyz, axis=1)))
        rotations = np.column_stack([xyz, w])
    k = _sh_dim(degree)
    sh = ((take(3 * k * n).astype(np.float64) - 128.0) / 128.0).reshape(n, k, 3) if k else None
    return Splats(positions, rotations, scales, logit(alphas / 255.0), colors, sh)


def _smallest_three(r: np.ndarray) -> np.ndarray:
    comp = r[:, 0].astype(np.uint32) | r[:, 1].astype(np.uint32) << 8
    comp |= r[:, 2].astype(np.uint32) << 16 | r[:, 3].astype(np.uint32) << 24
    largest = (comp >> 30).astype(np.int64)
    q = np.zeros((len(r), 4))
    mask = (1 << 9) - 1
    total = np.zeros(len(r))
    for i in (3, 2, 1, 0):  # packed from the last component down, the largest one skipped
        here = largest != i
        mag = (comp & mask) * (np.sqrt(0.5) / mask)
        neg = (comp >> 9) & 1
        val = np.where(neg == 1, -mag, mag)
        q[here, i] = val[here]
        total[here] += val[here] ** 2
        comp = np.where(here, comp >> 10, comp)
    q[np.arange(len(r)), largest] = np.sqrt(np.maximum(0.0, 1.0 - total))
    return q
