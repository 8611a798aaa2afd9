r"""A rank-2 trajectory as a PCF: the companion form, deflated and canonical, and the
Möbius map from the PCF's value to the trajectory's limit.

Write $m_{rc}(n)$ for the entries of the integer trajectory matrix $N(n)$. With the cyclic
vector $e_0$ and $U(n) = (e_0 \mid N(n) e_0) = \begin{pmatrix} 1 & m_{00}(n) \\ 0 & m_{10}(n) \end{pmatrix}$,
$U(n)^{-1} N(n) U(n+1) = \begin{pmatrix} 0 & \beta(n) \\ 1 & \alpha(n) \end{pmatrix}$ with

$$\alpha(n) = m_{00}(n+1) + \frac{m_{11}(n) m_{10}(n+1)}{m_{10}(n)}, \qquad
  \beta(n) = -\frac{\det N(n)\, m_{10}(n+1)}{m_{10}(n)}.$$

Inflating by $c(n) = m_{10}(n)$ gives integer polynomials, the *raw* PCF
$a(n) = m_{10}(n) m_{00}(n+1) + m_{11}(n) m_{10}(n+1)$,
$b(n) = -m_{10}(n-1) m_{10}(n+1) \det N(n)$, which :func:`~brouncker.pcf.canonical.canonical`
deflates (this is ramanujantools' companion form, and Apéry's PCF on the ζ(3) diagonal).

**Value map.** The first column of the walk is $W_N e_0 = U(0)\,(\beta(0) q_{N-2}, p_{N-2})^T$
with $p/q$ the convergents of $\mathrm{PCF}(\alpha, \beta)$, whose value is
$V = f V_c / m_{10}(0)$ for $V_c$ the canonical PCF's value and $f$ its value factor. So

$$L = \frac{m_{00}(0)\, f\, V_c - \det N(0)\, m_{10}(1)}{m_{10}(0)\, f\, V_c},$$

the limit of $W_N[0,0]/W_N[1,0]$; every column of a convergent 2×2 walk tends to the same
direction, so this is also the limit of the projection $W_N[0,1]/W_N[1,1]$.

The derivation needs $m_{10}(n) \ne 0$ for $n \ge 0$ and $\det N(n) \ne 0$ for $n \ge 1$. When
either fails at small $n$, the PCF is taken from the first later start $s + kt$ past the
zeros, and the map is composed with the projective action of $W_k$. If $m_{10} \equiv 0$
the cyclic vector is $e_1$ instead (the matrix with rows and columns swapped, and the limit
inverted). A walk that collapses ($\det N(n) = 0$ at a step taken) has a rational limit that
no map relates to the PCF: ``mobius`` is then ``None``.

>>> from brouncker.cmf.known import known_field
>>> from brouncker.cmf.trajectory import trajectory_matrix
>>> tp = trajectory_pcf(trajectory_matrix(known_field("zeta3"), (1, 1), (1, 1)))
>>> str(tp.pcf), tp.mobius.text("V")
('PCF(34n^3 + 153n^2 + 231n + 117, -n^6 - 6n^5 - 15n^4 - 20n^3 - 15n^2 - 6n - 1)', '(-V - 1)/(6V)')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import FieldError
from ..pcf.canonical import ShiftClass, canonical, natural_roots, shift_class
from ..pcf.fraction import PCF
from ..pcf.mobius import Mobius
from ..pcf.polynomial import from_flint, shift_flint, to_flint
from .product import segment
from .trajectory import TrajectoryMatrix

MAX_OFFSET = 64  # zeros of m10 or det N beyond this many steps are not walked past


@dataclass(frozen=True, slots=True)
class TrajectoryPCF:
    r"""The PCF of a rank-2 trajectory: canonical, raw, and the map to the limit.

    ``offset`` is the number of steps walked before the PCF starts (0 unless zeros had to
    be passed); ``swapped`` says that the cyclic vector was $e_1$. The trajectory's limit
    is ``mobius`` applied to the value of ``pcf``.
    """

    pcf: PCF
    key: str
    raw: PCF
    offset: int
    swapped: bool
    mobius: Mobius | None

    def shift_class(self) -> ShiftClass:
        """The shift class of the PCF (its key is shared with every shifted copy)."""
        return shift_class(self.pcf)

    def as_dict(self) -> dict[str, Any]:
        return {
            "a": self.pcf.a_text,
            "b": self.pcf.b_text,
            "key": self.key,
            "class_key": self.shift_class().class_key,
            "raw": self.raw.as_dict(),
            "offset": self.offset,
            "mobius": self.mobius.as_dict() if self.mobius else None,
        }


def trajectory_pcf(tm: TrajectoryMatrix) -> TrajectoryPCF:
    """The equivalent PCF of a rank-2 trajectory (see the module docstring)."""
    if tm.rank != 2:
        raise FieldError(f"only rank-2 trajectories are PCFs; this one has rank {tm.rank}")
    entries = [[to_flint(f) for f in row] for row in tm.numerator]
    swapped = entries[1][0] == 0
    if swapped:
        if entries[0][1] == 0:
            raise FieldError(f"the trajectory matrix of {tm.trajectory} is diagonal: it is no PCF")
        entries = [[entries[1][1], entries[1][0]], [entries[0][1], entries[0][0]]]
    det = entries[0][0] * entries[1][1] - entries[0][1] * entries[1][0]
    if det == 0:
        raise FieldError(f"the trajectory matrix of {tm.trajectory} is singular: it is no PCF")
    offset = 1 + max(natural_roots(from_flint(entries[1][0])) + [r - 1 for r in natural_roots(from_flint(det)) if r >= 1], default=-1)
    if offset > MAX_OFFSET:
        raise FieldError(f"the trajectory matrix of {tm.trajectory} degenerates up to step {offset}; start the walk later")
    m = [[shift_flint(f, offset) for f in row] for row in entries]
    det_k = shift_flint(det, offset)
    m00, m10, m11 = m[0][0], m[1][0], m[1][1]
    a = m10 * shift_flint(m00, 1) + m11 * shift_flint(m10, 1)
    b = -shift_flint(m10, -1) * shift_flint(m10, 1) * det_k
    raw = PCF(from_flint(a), from_flint(b))
    canon = canonical(raw)
    f = canon.scale.value_factor
    mobius: Mobius | None = None
    if int(det_k(0)) != 0:  # L' = (m00(0) f V - det(0) m10(1)) / (m10(0) f V), from the later start
        mobius = Mobius.of(-int(det_k(0)) * int(m10(1)), int(m00(0)) * f, 0, int(m10(0)) * f)
        if offset:
            w = segment(tm, 0, offset)
            if swapped:
                w = [[w[1][1], w[1][0]], [w[0][1], w[0][0]]]
            if w[0][0] * w[1][1] == w[0][1] * w[1][0]:  # the walk collapses before the PCF starts
                mobius = None
            else:
                mobius = Mobius.from_matrix(*(int(v) for v in (w[0][0], w[0][1], w[1][0], w[1][1]))).compose(mobius)
        if mobius is not None and swapped:  # the swapped walk tends to 1/L
            mobius = Mobius.of(1, 0, 0, 1) @ mobius
    return TrajectoryPCF(canon.pcf, canon.key, raw, offset, swapped, mobius)
