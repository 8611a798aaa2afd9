r"""The constant bank, at any precision, and safe constant expressions.

Each bank constant is computed at the working precision asked for, by python-flint's
arb where it has the function (ζ(3) to 20,000 digits: 5 ms against mpmath's 0.4 s; the
lemniscate constant: 8 ms against minutes), by mpmath otherwise, and kept per precision.
Expressions such as ``6/zeta(3)``, ``4/(3*pi-8)`` or ``(4^(1/3)+1)/(4^(1/3)-1)`` are
parsed with Python's :mod:`ast` into a tree that is checked against a whitelist of
nodes, names and functions, then evaluated by walking it: user text never reaches
``eval`` or ``sympify``. ``^`` means power, as mathematicians write it.

>>> mpmath.nstr(parse_constant("6/zeta(3)").value(30), 30)
'4.99144423548424481209875767293'
>>> str(parse_constant("1/(2*catalan)").sympy)
'1/(2*Catalan)'
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import flint
import mpmath
import sympy
from flint import arb, fmpq
from mpmath import mp, mpf

from .errors import ParseError, UnknownConstantError
from .limits import CONSTANT_EXPONENT, FUNCTION_ARGUMENT, NUMBER_DIGITS, TEXT_LENGTH, large_allowed
from .precision import CONSTANT_GUARD_DIGITS


@dataclass(frozen=True, slots=True)
class BankConstant:
    """A named constant: how to compute it and how to display it."""

    name: str
    description: str
    compute: Callable[[], mpf] = field(repr=False)  # at the current mp precision
    sympy_form: Callable[[], Any] = field(repr=False)
    latex: str = ""


ARB_EXTRA_BITS = 32  # bits arb works with beyond mpmath's precision; doubled until the ball is that narrow


def _by_arb(compute: Callable[[], arb], prec: int) -> tuple[int, int] | None:
    """``compute()`` in arb, correct to ``prec`` bits, as (mantissa, exponent); ``None``
    when arb finds no finite value (a pole), so that mpmath answers instead."""
    bits = prec + ARB_EXTRA_BITS
    for _ in range(8):
        with flint.ctx.workprec(bits):
            x = compute()
        if not x.is_finite():
            return None
        if x.is_exact() or x.rel_accuracy_bits() >= prec + 8:
            man, exp = x.mid().man_exp()
            return int(man), int(exp)
        bits *= 2
    return None


@lru_cache(maxsize=128)
def _bank_by_arb(compute: Callable[[], arb], prec: int) -> tuple[int, int] | None:
    """:func:`_by_arb`, kept per (constant, precision) as mpmath keeps its own constants."""
    return _by_arb(compute, prec)


@lru_cache(maxsize=128)
def _call_by_arb(method: Callable[[arb], arb], mantissa: int, exponent: int, prec: int) -> tuple[int, int] | None:
    """``method(mantissa * 2^exponent)`` by :func:`_by_arb`, kept per argument and precision."""
    return _by_arb(lambda: method(arb((mantissa, exponent))), prec)


def _arb_constant(compute: Callable[[], arb], fallback: Callable[[], mpf]) -> Callable[[], mpf]:
    """A bank value at the current mpmath precision, computed by arb (``fallback``: mpmath)."""

    def value() -> mpf:
        found = _bank_by_arb(compute, mp.prec)
        return fallback() if found is None else mpf(found)

    return value


def _arb_function(method: Callable[[arb], arb], fallback: Callable[..., Any]) -> Callable[..., Any]:
    """A one-argument function of the expressions: arb for a finite real argument, else mpmath."""

    def function(x: Any) -> Any:
        if isinstance(x, mpf) and mpmath.isfinite(x):
            sign, man, exp, _ = x._mpf_
            found = _call_by_arb(method, -int(man) if sign else int(man), int(exp), mp.prec)
            if found is not None:
                return mpf(found)
        return fallback(x)

    return function


_zeta = _arb_function(arb.zeta, mpmath.zeta)
_gamma = _arb_function(arb.gamma, mpmath.gamma)


def _lemniscate() -> arb:
    # varpi = Gamma(1/4)^2 / (2 sqrt(2 pi)) = 2.6220575542921198104648...
    return arb.gamma_fmpq(fmpq(1, 4)) ** 2 / (2 * (2 * arb.pi()).sqrt())


def _lemniscate_mpmath() -> mpf:
    return mpmath.gamma(mpf(1) / 4) ** 2 / (2 * mpmath.sqrt(2 * mp.pi))


_S = sympy.Symbol
BANK: dict[str, BankConstant] = {
    c.name: c
    for c in [
        BankConstant("pi", "Archimedes' constant π", lambda: +mp.pi, lambda: sympy.pi, r"\pi"),
        BankConstant("pi2", "π²", lambda: mp.pi**2, lambda: sympy.pi**2, r"\pi^2"),
        BankConstant("e", "Euler's number e", lambda: +mp.e, lambda: sympy.E, "e"),
        BankConstant("e2", "e²", lambda: mp.e**2, lambda: sympy.E**2, "e^2"),
        BankConstant("ln2", "natural logarithm of 2", lambda: +mp.ln2, lambda: sympy.log(2), r"\ln 2"),
        BankConstant("ln3", "natural logarithm of 3", lambda: mpmath.log(3), lambda: sympy.log(3), r"\ln 3"),
        BankConstant("zeta2", "ζ(2) = π²/6", lambda: mp.pi**2 / 6, lambda: sympy.zeta(2, evaluate=False), r"\zeta(2)"),
        BankConstant(
            "zeta3", "Apéry's constant ζ(3)",
            _arb_constant(lambda: arb(3).zeta(), lambda: mpmath.zeta(3)), lambda: sympy.zeta(3), r"\zeta(3)",
        ),
        BankConstant("zeta5", "ζ(5)", _arb_constant(lambda: arb(5).zeta(), lambda: mpmath.zeta(5)), lambda: sympy.zeta(5), r"\zeta(5)"),
        BankConstant("catalan", "Catalan's constant G", _arb_constant(arb.const_catalan, lambda: +mp.catalan), lambda: sympy.Catalan, "G"),
        BankConstant(
            "gauss", "Gauss' constant 1/agm(1, √2)", lambda: 1 / mpmath.agm(1, mpmath.sqrt(2)), lambda: _S("gauss"), r"\mathrm{G_{auss}}"
        ),
        BankConstant("lemniscate", "lemniscate constant ϖ", _arb_constant(_lemniscate, _lemniscate_mpmath), lambda: _S("varpi"), r"\varpi"),
        BankConstant(
            "euler_gamma", "Euler–Mascheroni constant γ",
            _arb_constant(arb.const_euler, lambda: +mp.euler), lambda: sympy.EulerGamma, r"\gamma",
        ),
        BankConstant(
            "gompertz", "Gompertz constant −e·Ei(−1)",
            _arb_constant(lambda: -arb.const_e() * arb(-1).ei(), lambda: -mp.e * mpmath.ei(-1)), lambda: _S("gompertz"), r"\delta_G",
        ),
        BankConstant("phi", "golden ratio (1+√5)/2", lambda: +mp.phi, lambda: sympy.GoldenRatio, r"\phi"),
        BankConstant("sqrt2", "√2", lambda: mpmath.sqrt(2), lambda: sympy.sqrt(2), r"\sqrt{2}"),
        BankConstant("sqrt3", "√3", lambda: mpmath.sqrt(3), lambda: sympy.sqrt(3), r"\sqrt{3}"),
        BankConstant("sqrt5", "√5", lambda: mpmath.sqrt(5), lambda: sympy.sqrt(5), r"\sqrt{5}"),
        BankConstant("cbrt2", "∛2", lambda: mpmath.cbrt(2), lambda: sympy.cbrt(2), r"\sqrt[3]{2}"),
        BankConstant("tan1", "tan(1)", lambda: mpmath.tan(1), lambda: sympy.tan(1), r"\tan 1"),
        BankConstant("zeta4", "ζ(4) = π⁴/90", lambda: mp.pi**4 / 90, lambda: sympy.zeta(4, evaluate=False), r"\zeta(4)"),
        BankConstant("ln5", "natural logarithm of 5", lambda: mpmath.log(5), lambda: sympy.log(5), r"\ln 5"),
        BankConstant(
            "bessel_ratio", "I₁(2)/I₀(2)",
            _arb_constant(lambda: arb(2).bessel_i(1) / arb(2).bessel_i(0), lambda: mpmath.besseli(1, 2) / mpmath.besseli(0, 2)),
            lambda: _S("I1(2)/I0(2)"), r"\frac{I_1(2)}{I_0(2)}",
        ),
    ]
}
"""Every constant brouncker knows by name."""

_ALIASES = {"gamma_euler": "euler_gamma", "golden": "phi", "varpi": "lemniscate"}


def constant_value(name: str, dps: int) -> mpf:
    """A bank constant to ``dps`` correct decimal digits (as an mpf at that precision).

    >>> mpmath.nstr(constant_value("lemniscate", 20), 20)
    '2.6220575542921198105'
    """
    constant = BANK.get(_ALIASES.get(name, name))
    if constant is None:
        raise UnknownConstantError(f"unknown constant '{name}'; known: {', '.join(BANK)}")
    with mp.workdps(dps + CONSTANT_GUARD_DIGITS):
        value = constant.compute()
    with mp.workdps(dps):
        return +value


# --- expressions ---------------------------------------------------------------------

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}

# name -> (mpmath function, sympy function, arity)
_FUNCTIONS: dict[str, tuple[Callable[..., Any], Callable[..., Any], int]] = {
    "zeta": (_zeta, sympy.zeta, 1),  # arb for real arguments: far faster at high precision
    "sqrt": (mpmath.sqrt, sympy.sqrt, 1),
    "cbrt": (mpmath.cbrt, sympy.cbrt, 1),
    "exp": (mpmath.exp, sympy.exp, 1),
    "log": (mpmath.log, sympy.log, 1),
    "ln": (mpmath.log, sympy.log, 1),
    "sin": (mpmath.sin, sympy.sin, 1),
    "cos": (mpmath.cos, sympy.cos, 1),
    "tan": (mpmath.tan, sympy.tan, 1),
    "atan": (mpmath.atan, sympy.atan, 1),
    "sinh": (mpmath.sinh, sympy.sinh, 1),
    "cosh": (mpmath.cosh, sympy.cosh, 1),
    "tanh": (mpmath.tanh, sympy.tanh, 1),
    "gamma": (_gamma, sympy.gamma, 1),
    "agm": (mpmath.agm, lambda x, y: sympy.Function("agm")(x, y), 2),
    "besseli": (mpmath.besseli, sympy.besseli, 2),
    "besselj": (mpmath.besselj, sympy.besselj, 2),
    # hypergeometric closed forms (`brouncker cmf explain`): 2F1(a, b; c; z), 1F1(a; b; z), Tricomi U(a, b, z)
    "hyp2f1": (mpmath.hyp2f1, lambda a, b, c, z: sympy.hyper([a, b], [c], z), 4),
    "hyp0f1": (mpmath.hyp0f1, lambda b, z: sympy.hyper([], [b], z), 2),
    "hyp1f1": (mpmath.hyp1f1, lambda a, b, z: sympy.hyper([a], [b], z), 3),
    "hyperu": (mpmath.hyperu, lambda a, b, z: sympy.Function("hyperu")(a, b, z), 3),
}
CHECK_DIGITS = 30  # parse_constant evaluates at this precision once, to refuse poles and overflows up front
VALUE_EXPONENT = 300  # a constant is 0 or within 10^±300, a double's range: screens, clustering and ESMA use doubles
_SHOWN = 60  # characters of an expression quoted in a message
_DIGIT_RUN = re.compile(r"[0-9]+")
_SIGN_RUN = re.compile(r"(?<![0-9.][eE])[+-](?:\s*[+-])+")  # two or more signs in a row, not an exponent's


def _python_source(text: str) -> str:
    """The text as Python reads it: ``^`` is ``**`` (Python's ``^`` binds looser than ``+``),
    and a run of signs is one sign by parity (``2--3`` is ``2+3``, ``---e`` is ``-e``), so
    that 2,000 minus signs are no deeper for Python's parser than one."""
    folded = _SIGN_RUN.sub(lambda m: "-" if m.group(0).count("-") % 2 else "+", text.replace("^", "**"))
    return folded
_EVALUATION_ERRORS = (ArithmeticError, ValueError, mpmath.libmp.NoConvergence)  # how mpmath says "undefined here"


def _quoted(text: str) -> str:
    return "'" + (text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…") + "'"


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Expression):
        return [node.body]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _fold(tree: ast.AST, visit: Callable[[ast.AST, list[Any]], Any]) -> Any:
    """``visit(node, values of its children)`` bottom-up over a checked tree, without
    recursion: a chain of 2,000 unary minus signs costs no stack."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    values: list[Any] = []
    while stack:
        node, ready = stack.pop()
        children = _children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        args = values[len(values) - len(children):] if children else []
        del values[len(values) - len(children):]
        values.append(visit(node, args))
    return values[0]


def _check(tree: ast.Expression, text: str) -> None:
    """Reject every node outside the whitelist, naming it (breadth first, without recursion)."""
    quoted = _quoted(text)
    function_names: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.operator, ast.unaryop, ast.expr_context)):
            if isinstance(node, ast.operator) and type(node) not in _BINARY or isinstance(node, ast.unaryop) and type(node) not in _UNARY:
                raise ParseError(f"cannot parse {quoted}: operator {type(node).__name__} is not allowed")
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            pass  # their operators are checked as nodes of their own
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ParseError(f"cannot parse {quoted}: {node.value!r} is not a number")
            if isinstance(node.value, int):
                NUMBER_DIGITS.check(
                    math.floor(node.value.bit_length() * math.log10(2)) + 1, f"the number of digits of an integer in {quoted}"
                )
        elif isinstance(node, ast.Name):
            if id(node) in function_names:
                continue
            if _ALIASES.get(node.id, node.id) not in BANK:
                raise UnknownConstantError(f"unknown constant '{node.id}' in {quoted}; known: {', '.join(BANK)}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
                shown = node.func.id if isinstance(node.func, ast.Name) else "this call"
                raise ParseError(f"cannot parse {quoted}: unknown function '{shown}'; known: {', '.join(_FUNCTIONS)}")
            function_names.add(id(node.func))
            arity = _FUNCTIONS[node.func.id][2]
            if len(node.args) != arity or any(isinstance(arg, ast.Starred) for arg in node.args):
                raise ParseError(f"cannot parse {quoted}: {node.func.id} takes {arity} argument(s)")
        else:
            raise ParseError(f"cannot parse {quoted}: {type(node).__name__} is not allowed in a constant expression")


def _exact_decimals(tree: ast.Expression, source: str) -> None:
    """Replace each float literal by its decimal text, so that ``0.1`` or a 50-digit
    literal is read exactly (at the working precision) rather than as a double."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            node.value = (ast.get_source_segment(source, node) or repr(node.value)).replace("_", "")


def _names(node: ast.AST) -> list[str]:
    found: list[str] = []
    calls = {id(sub.func) for sub in ast.walk(node) if isinstance(sub, ast.Call)}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and id(sub) not in calls:
            found.append(_ALIASES.get(sub.id, sub.id))
    # zeta(3) names the bank constant zeta3 when the argument is a small integer
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Name)
            and sub.func.id == "zeta"
            and isinstance(sub.args[0], ast.Constant)
            and isinstance(sub.args[0].value, int)
            and f"zeta{sub.args[0].value}" in BANK
        ):
            found.append(f"zeta{sub.args[0].value}")
    return list(dict.fromkeys(n for n in found if n in BANK))


def _evaluate(node: ast.AST, leaf: Callable[[str], Any], number: Callable[[Any], Any], call: Callable[[str, list[Any]], Any]) -> Any:
    """The value of a checked tree, with ``leaf`` for bank names, ``number`` for literals
    (an int, or a float literal's decimal text) and ``call`` for functions."""

    def visit(sub: ast.AST, args: list[Any]) -> Any:
        if isinstance(sub, ast.Expression):
            return args[0]
        if isinstance(sub, ast.BinOp):
            return _BINARY[type(sub.op)](*args)
        if isinstance(sub, ast.UnaryOp):
            return _UNARY[type(sub.op)](args[0])
        if isinstance(sub, ast.Constant):
            return number(sub.value)
        if isinstance(sub, ast.Name):
            return leaf(_ALIASES.get(sub.id, sub.id))
        if isinstance(sub, ast.Call):
            assert isinstance(sub.func, ast.Name)
            return call(sub.func.id, args)
        raise AssertionError("unchecked node")  # _check has rejected everything else

    return _fold(node, visit)


class _Guarded:
    r"""The mpmath value of each node of a checked tree, refusing what would fail or run away.

    Every part must stay finite and within $10^{\pm E}$ (:data:`CONSTANT_EXPONENT`);
    a power's size is estimated before it is computed (``2^2^2^2^2^2`` has about
    $10^{19728}$ digits), and a function's arguments are bounded
    (:data:`FUNCTION_ARGUMENT`) before it is called. A pole or another domain error
    (``gamma(0)``, ``zeta(1)``, ``log(0)``) names the part where it happens.
    """

    def __init__(self, expression: ConstantExpression) -> None:
        self.expression = expression
        self.source = _python_source(expression.text)
        self.cache: dict[str, mpf] = {}

    def part(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.source, node) or "a part"
        return _quoted(segment.replace("**", "^"))

    def undefined(self, node: ast.AST, reason: str) -> ParseError:
        return ParseError(f"cannot evaluate {_quoted(self.expression.text)}: {self.part(node)} {reason}")

    def checked(self, node: ast.AST, value: Any) -> Any:
        if isinstance(value, (mpf, mpmath.mpc)):
            if mpmath.isnan(value):
                raise self.undefined(node, "is undefined")
            if mpmath.isinf(value):
                raise self.undefined(node, "is infinite")
            if value != 0:
                self.size(node, abs(mpmath.mag(value)) * math.log10(2))
        return value

    def size(self, node: ast.AST, log10: float) -> None:
        if log10 > CONSTANT_EXPONENT.bound + 1:
            CONSTANT_EXPONENT.check(math.floor(log10), f"|log10| of {self.part(node)} in {_quoted(self.expression.text)}")

    def visit(self, node: ast.AST, args: list[Any]) -> Any:
        try:
            if isinstance(node, ast.Expression):
                return args[0]
            if isinstance(node, ast.Constant):
                return self.checked(node, mpf(node.value))
            if isinstance(node, ast.Name):
                name = _ALIASES.get(node.id, node.id)
                if name not in self.cache:
                    self.cache[name] = BANK[name].compute()
                return self.cache[name]
            if isinstance(node, ast.UnaryOp):
                return _UNARY[type(node.op)](args[0])
            if isinstance(node, ast.BinOp):
                left, right = args
                if isinstance(node.op, ast.Div) and right == 0:
                    raise self.undefined(node, "divides by zero")
                if isinstance(node.op, ast.Pow):
                    self.power_size(node, left, right)
                return self.checked(node, _BINARY[type(node.op)](left, right))
            if isinstance(node, ast.Call):
                assert isinstance(node.func, ast.Name)
                for arg in args:
                    size = max(abs(mpmath.re(arg)), abs(mpmath.im(arg)))
                    if size > FUNCTION_ARGUMENT.bound:
                        subject = f"an argument of {node.func.id} in {_quoted(self.expression.text)}"
                        FUNCTION_ARGUMENT.check(int(size) if size < 1e300 else math.inf, subject)
                return self.checked(node, _FUNCTIONS[node.func.id][0](*args))
        except ZeroDivisionError:
            raise self.undefined(node, "divides by zero") from None
        except _EVALUATION_ERRORS as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise self.undefined(node, f"is undefined ({reason})") from None
        raise AssertionError("unchecked node")  # _check has rejected everything else

    def power_size(self, node: ast.AST, base: Any, exponent: Any) -> None:
        """Refuse $x^y$ before computing it when $|\\log_{10} |x^y|| = |\\mathrm{Re}(y \\ln x)| / \\ln 10$
        is too large (computed at low precision)."""
        if base == 0:
            if mpmath.re(exponent) < 0:
                raise self.undefined(node, "divides by zero")
            return
        with mp.workprec(64):
            log10 = abs(mpmath.re(exponent * mpmath.log(base))) / mpmath.ln(10)
        self.size(node, float(log10) if log10 < 1e300 else math.inf)


@dataclass(frozen=True)
class ConstantExpression:
    """A checked constant expression: its text, the bank names it uses, and its tree.

    ``cancellation`` is the digits its sums may cancel, evaluated with that many more: twice
    the longest integer in it. A Möbius image of a constant with $L$-digit coefficients, such
    as a tail of a continued fraction, has a denominator $c_2 + c_3 K$ of about $10^{-L}$
    computed from terms of about $10^{L}$.
    """

    text: str
    names: tuple[str, ...]
    tree: ast.Expression = field(repr=False, compare=False)
    cancellation: int = field(default=0, compare=False)

    def value(self, dps: int) -> mpf:
        """The value to ``dps`` decimal digits; a pole, an overflow or a value that is not
        real raises :class:`ParseError` (or :class:`LimitError`) naming the part at fault.

        >>> mpmath.nstr(parse_constant("(4^(1/3)+1)/(4^(1/3)-1)").value(15), 15)
        '4.40482876783863'
        >>> parse_constant("2*gamma(0)")
        Traceback (most recent call last):
        ...
        brouncker.errors.ParseError: cannot evaluate '2*gamma(0)': 'gamma(0)' is undefined (gamma function pole)
        """
        with mp.workdps(dps + CONSTANT_GUARD_DIGITS + self.cancellation):
            result = _fold(self.tree, _Guarded(self).visit)
        if isinstance(result, mpmath.mpc):
            if abs(result.imag) > mpf(10) ** (-dps):
                raise ParseError(f"{_quoted(self.text)} is not a real number")
            result = result.real
        if result != 0 and abs(mpmath.mag(result)) * math.log10(2) > VALUE_EXPONENT + 1:
            shown = mpmath.nstr(result, 3)
            raise ParseError(
                f"{_quoted(self.text)} = {shown} is outside 10^±{VALUE_EXPONENT}, the range of a double that searches compare in"
            )
        with mp.workdps(dps):
            return +result

    @property
    def sympy(self) -> Any:
        """A sympy expression for display (built node by node, never from text)."""

        def leaf(name: str) -> Any:
            return BANK[name].sympy_form()

        def number(v: int | str) -> Any:
            return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v)

        def call(name: str, args: list[Any]) -> Any:
            return _FUNCTIONS[name][1](*args)

        return _evaluate(self.tree, leaf, number, call)

    def __str__(self) -> str:
        return self.text


def parse_constant(text: str) -> ConstantExpression:
    """Parse a constant expression over the bank names, numbers, ``+ - * / ^ **`` and the
    functions ``zeta, sqrt, cbrt, exp, log, ln, sin, cos, tan, atan, gamma, agm, besseli``,
    ``besselj``, and the hypergeometric ``hyp2f1(a, b, c, z)``, ``hyp1f1(a, b, z)``, ``hyp0f1(b, z)``, ``hyperu(a, b, z)``.

    The expression is evaluated once at :data:`CHECK_DIGITS` digits, so that a pole, an
    overflow or a value that is not real is refused here, with its reason. Parsed
    expressions are kept per text (they are immutable), so parsing the same text again is free.

    >>> parse_constant("e/(e-2)").names
    ('e',)
    >>> parse_constant("__import__('os')")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    brouncker.errors.ParseError: cannot parse '__import__('os')': unknown function '__import__'; known: zeta, sqrt, cbrt, exp,
    log, ln, sin, cos, tan, atan, sinh, cosh, tanh, gamma, agm, besseli, besselj, hyp2f1, hyp0f1, hyp1f1, hyperu
    """
    if not isinstance(text, str) or not text.strip():
        raise ParseError("cannot parse '': empty constant expression")
    return _parse_constant(text.strip(), large_allowed())


@lru_cache(maxsize=4096)
def _parse_constant(text: str, large: bool) -> ConstantExpression:
    """:func:`parse_constant` of stripped text, under the limits in force (``large``)."""
    TEXT_LENGTH.check(len(text), "the constant expression's length in characters")
    stripped = text.strip()
    quoted = _quoted(stripped)
    for position, char in enumerate(stripped):
        if not char.isascii() or (not char.isprintable() and char not in " \t"):
            raise ParseError(f"cannot parse {quoted}: character {char!r} (U+{ord(char):04X}) at position {position + 1} is not allowed")
    longest = max((len(run.lstrip("0")) for run in _DIGIT_RUN.findall(stripped)), default=0)
    NUMBER_DIGITS.check(max(longest, 1), f"the number of digits of a number in {quoted}")
    source = _python_source(stripped)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ParseError(f"cannot parse {quoted}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError) as exc:  # CPython's parser has its own limits
        reason = (
            " ".join(str(exc).split()) if isinstance(exc, ValueError)
            else "too deep a nesting or too long a chain of operations for Python's parser"
        )
        raise ParseError(f"cannot parse {quoted}: {reason}") from None
    _check(tree, stripped)
    _exact_decimals(tree, source)
    expression = ConstantExpression(text=stripped, names=tuple(_names(tree)), tree=tree, cancellation=2 * longest)
    expression.value(CHECK_DIGITS)
    return expression
