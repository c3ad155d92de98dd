"""Bounded constant folding: what an expression built only from the file's literals evaluates to.

Obfuscators hide names, URLs, commands and whole programs in expressions that
compute them: `''.join(map(chr, [(3 << 5) - 1, ...]))`, `bytes.fromhex(...)
.decode()`, `codecs.decode(s[::-1], 'rot13')`, `zlib.decompress(b64decode(X))`,
`''.join(chr(c ^ 7) for c in [...])`, a one-line `def d(s): return
base64.b64decode(s).decode()` wrapper, `(lambda k: ...)('...')`. `Folder`
evaluates such expressions over the AST, without compiling or running anything
from the package: only plain Python operations on str, bytes, int and
containers of them, and the standard decoders, each with a cap on its output.

Every evaluation has a step budget and every value a size cap, so a hostile
input (`'a' * 10**12`, `2 ** 10**9`, a decompression bomb, a helper that
calls itself) costs bounded time and memory; anything outside the supported
subset is `UNKNOWN`.
"""

from __future__ import annotations

import ast
import base64
import binascii
import bz2
import codecs
import lzma
import re
import string
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

MAX_VALUE = 4 * 1024 * 1024  # characters, bytes or items in any one value
MAX_STEPS = 200_000  # node evaluations per `Folder` (one file)
MAX_INT_BITS = 4096
MAX_CALL_DEPTH = 4


class _Unknown:
    """The value of an expression that cannot be folded."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


class _Budget(Exception):
    """The step budget ran out (the whole folder gives up for this file)."""


_SIMPLE = (str, bytes, int, float, bool, type(None))
_SEQ = (str, bytes, list, tuple)
_UNSAFE_FORMAT = re.compile(r"%[-+ #0]*(?:\d{4,}|\*)|\{[^{}]*:[^{}]*\d{4,}")


def _size(value: object) -> int:
    if isinstance(value, str | bytes | bytearray | list | tuple | dict):
        return len(value)
    return 1


def _capped(value: object) -> object:
    """*value*, or UNKNOWN when it is too large to keep."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value.bit_length() <= MAX_INT_BITS else UNKNOWN
    if isinstance(value, bytearray):
        value = bytes(value)
    return value if _size(value) <= MAX_VALUE else UNKNOWN


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    return None


# -- decoders --------------------------------------------------------------------------------


def _b64(data: bytes, altchars: bytes | None = None) -> bytes:
    compact = b"".join(data.split())
    return base64.b64decode(compact + b"=" * (-len(compact) % 4), altchars=altchars)


def _decompress(kind: str, data: bytes) -> bytes:
    if kind == "zlib":
        out = zlib.decompressobj(wbits=47).decompress(data, MAX_VALUE + 1)
    elif kind == "gzip":
        out = zlib.decompressobj(wbits=31).decompress(data, MAX_VALUE + 1)
    elif kind == "bz2":
        out = bz2.BZ2Decompressor().decompress(data, MAX_VALUE + 1)
    else:
        out = lzma.LZMADecompressor().decompress(data, MAX_VALUE + 1)
    if len(out) > MAX_VALUE:
        raise ValueError("too large")
    return out


def _codec(data: object, name: str) -> object:
    key = name.lower().replace("-", "_")
    raw = _as_bytes(data)
    if key in ("rot13", "rot_13") and isinstance(data, str):
        return codecs.decode(data, "rot13")
    if raw is None:
        return UNKNOWN
    if key in ("hex", "hex_codec"):
        return binascii.unhexlify(b"".join(raw.split()))
    if key in ("base64", "base64_codec", "base_64"):
        return _b64(raw)
    if key in ("zlib", "zlib_codec", "zip"):
        return _decompress("zlib", raw)
    if key in ("bz2", "bz2_codec"):
        return _decompress("bz2", raw)
    if key in ("uu", "uu_codec"):
        return codecs.decode(raw, "uu")
    if key in ("utf8", "utf_8", "ascii", "latin1", "latin_1", "utf_16", "utf16", "utf_8_sig"):
        return raw.decode(name)
    return UNKNOWN


_DECODERS: dict[str, Callable[..., object]] = {
    "b64decode": lambda d, *a: _b64(d, _as_bytes(a[0]) if a else None),
    "standard_b64decode": _b64,
    "urlsafe_b64decode": lambda d: _b64(d.replace(b"-", b"+").replace(b"_", b"/")),
    "decodebytes": _b64,
    "decodestring": _b64,
    "a2b_base64": _b64,
    "b32decode": lambda d, *a: base64.b32decode(d, bool(a[0]) if a else False),
    "b32hexdecode": base64.b32hexdecode,
    "b16decode": lambda d, *a: base64.b16decode(d, bool(a[0]) if a else False),
    "a85decode": base64.a85decode,
    "b85decode": base64.b85decode,
    "unhexlify": lambda d: binascii.unhexlify(b"".join(d.split())),
    "a2b_hex": lambda d: binascii.unhexlify(b"".join(d.split())),
    "fromhex": lambda d: binascii.unhexlify(b"".join(d.split())),
}
_DECOMPRESSORS = {
    "zlib.decompress": "zlib",
    "gzip.decompress": "gzip",
    "bz2.decompress": "bz2",
    "lzma.decompress": "lzma",
}


# -- the folder ------------------------------------------------------------------------------


class Folder:
    """Folds expressions of one file.

    *lookup* gives the value bound to a name in the file (or UNKNOWN); *qual*
    resolves a callee to its dotted name through the file's imports;
    *functions* are the file's small helper functions, by name, evaluated
    when called with folded arguments.
    """

    def __init__(
        self,
        lookup: Callable[[str], object],
        qual: Callable[[ast.expr], str | None],
        functions: Mapping[str, ast.FunctionDef | ast.Lambda] | None = None,
    ) -> None:
        self._lookup = lookup
        self._qual = qual
        self._functions = functions if functions is not None else {}
        self._steps = 0
        self._depth = 0
        self.exhausted = False

    def value(self, node: ast.expr) -> object:
        """The folded value of *node*, or UNKNOWN."""
        if self.exhausted:
            return UNKNOWN
        try:
            return self._eval(node, {})
        except _Budget:
            self.exhausted = True
            return UNKNOWN
        except (RecursionError, MemoryError):
            return UNKNOWN
        except Exception:  # noqa: BLE001 - folding is best effort: a gap is UNKNOWN, not a crash
            return UNKNOWN

    def text(self, node: ast.expr) -> str | None:
        """The folded value of *node* as text (bytes decoded as UTF-8), or None."""
        return _text(self.value(node))

    # -- evaluation ----------------------------------------------------------------------

    def _step(self) -> None:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _Budget

    def _eval(self, node: ast.AST, env: dict[str, object]) -> object:
        self._step()
        handler = _HANDLERS.get(type(node))
        if handler is None:
            return UNKNOWN
        try:
            result = handler(self, node, env)
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            OverflowError,
            ZeroDivisionError,
            UnicodeError,
            binascii.Error,
            zlib.error,
            lzma.LZMAError,
            EOFError,
            OSError,
            AttributeError,
            LookupError,
        ):
            return UNKNOWN
        return UNKNOWN if result is UNKNOWN else _capped(result)

    def _all(self, nodes: Iterable[ast.expr], env: dict[str, object]) -> list[object] | None:
        out: list[object] = []
        for item in nodes:
            if isinstance(item, ast.Starred):
                inner = self._eval(item.value, env)
                if not isinstance(inner, list | tuple | str | bytes):
                    return None
                out.extend(inner)
                continue
            value = self._eval(item, env)
            if value is UNKNOWN:
                return None
            out.append(value)
        return out

    def _constant(self, node: ast.Constant, env: dict[str, object]) -> object:
        return node.value if isinstance(node.value, _SIMPLE) else UNKNOWN

    def _name(self, node: ast.Name, env: dict[str, object]) -> object:
        if node.id in env:
            return env[node.id]
        found = self._lookup(node.id)
        if found is UNKNOWN:
            return _MODULE_CONSTANTS.get(self._qual(node) or "", UNKNOWN)
        return found

    def _attribute(self, node: ast.Attribute, env: dict[str, object]) -> object:
        """A standard-library constant (`string.ascii_letters`), or UNKNOWN."""
        return _MODULE_CONSTANTS.get(self._qual(node) or "", UNKNOWN)

    def _joined(self, node: ast.JoinedStr, env: dict[str, object]) -> object:
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
                continue
            if not isinstance(value, ast.FormattedValue):
                return UNKNOWN
            inner = self._eval(value.value, env)
            if inner is UNKNOWN:
                return UNKNOWN
            spec = ""
            if value.format_spec is not None:
                folded = self._eval(value.format_spec, env)
                if not isinstance(folded, str) or _UNSAFE_FORMAT.search("{:" + folded + "}"):
                    return UNKNOWN
                spec = folded
            if value.conversion == ord("r"):
                inner = repr(inner)
            elif value.conversion == ord("a"):
                inner = ascii(inner)
            parts.append(format(inner, spec))
        return "".join(parts)

    def _binop(self, node: ast.BinOp, env: dict[str, object]) -> object:
        left = self._eval(node.left, env)
        if left is UNKNOWN:
            return UNKNOWN
        right = self._eval(node.right, env)
        if right is UNKNOWN:
            return UNKNOWN
        op = node.op
        if isinstance(op, ast.Mult):
            count = right if isinstance(right, int) else left if isinstance(left, int) else None
            other = left if isinstance(right, int) else right
            if (
                isinstance(other, _SEQ)
                and isinstance(count, int)
                and count * _size(other) > MAX_VALUE
            ):
                return UNKNOWN
        if isinstance(op, ast.Pow) and (
            not isinstance(right, int) or not isinstance(left, int) or abs(right) > 256
        ):
            return UNKNOWN
        if isinstance(op, ast.LShift) and (not isinstance(right, int) or right > MAX_INT_BITS):
            return UNKNOWN
        if isinstance(op, ast.Mod) and isinstance(left, str | bytes):
            pattern = left if isinstance(left, str) else left.decode("latin-1")
            if _UNSAFE_FORMAT.search(pattern):
                return UNKNOWN
        return _BINOPS[type(op)](left, right)

    def _unary(self, node: ast.UnaryOp, env: dict[str, object]) -> object:
        value = self._eval(node.operand, env)
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(node.op, ast.Not):
            return not value
        if not isinstance(value, int | float):
            return UNKNOWN
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        return ~value if isinstance(value, int) else UNKNOWN

    def _compare(self, node: ast.Compare, env: dict[str, object]) -> object:
        left = self._eval(node.left, env)
        if left is UNKNOWN or not isinstance(left, _SIMPLE):
            return UNKNOWN
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = self._eval(comp, env)
            containers = (*_SIMPLE, list, tuple, dict)
            if right is UNKNOWN or not isinstance(right, containers) or type(op) not in _COMPARE:
                return UNKNOWN
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _ifexp(self, node: ast.IfExp, env: dict[str, object]) -> object:
        test = self._eval(node.test, env)
        if test is UNKNOWN:
            return UNKNOWN
        return self._eval(node.body if test else node.orelse, env)

    def _subscript(self, node: ast.Subscript, env: dict[str, object]) -> object:
        base = self._eval(node.value, env)
        if not isinstance(base, str | bytes | list | tuple | dict):
            return UNKNOWN
        key = node.slice
        if isinstance(key, ast.Slice):
            parts = [
                None if part is None else self._eval(part, env)
                for part in (key.lower, key.upper, key.step)
            ]
            if any(p is UNKNOWN or not (p is None or isinstance(p, int)) for p in parts):
                return UNKNOWN
            bounds: Any = parts
            return base[slice(*bounds)]
        container: Any = base
        index = self._eval(key, env)
        if index is UNKNOWN:
            return UNKNOWN
        return container[index]

    def _sequence(self, node: ast.List | ast.Tuple, env: dict[str, object]) -> object:
        items = self._all(node.elts, env)
        if items is None:
            return UNKNOWN
        return items if isinstance(node, ast.List) else tuple(items)

    def _dict(self, node: ast.Dict, env: dict[str, object]) -> object:
        out: dict[Any, object] = {}
        for key, val in zip(node.keys, node.values, strict=True):
            if key is None:
                return UNKNOWN
            k = self._eval(key, env)
            v = self._eval(val, env)
            if k is UNKNOWN or v is UNKNOWN or not isinstance(k, _SIMPLE):
                return UNKNOWN
            out[k] = v
        return out

    def _comprehension(
        self, node: ast.ListComp | ast.GeneratorExp, env: dict[str, object]
    ) -> object:
        if len(node.generators) != 1 or node.generators[0].is_async:
            return UNKNOWN
        gen = node.generators[0]
        source = self._eval(gen.iter, env)
        if not isinstance(source, str | bytes | list | tuple | range | dict):
            return UNKNOWN
        out: list[object] = []
        inner = dict(env)
        for item in source:
            if not _bind(gen.target, item, inner):
                return UNKNOWN
            keep = True
            for cond in gen.ifs:
                test = self._eval(cond, inner)
                if test is UNKNOWN:
                    return UNKNOWN
                keep = keep and bool(test)
            if not keep:
                continue
            value = self._eval(node.elt, inner)
            if value is UNKNOWN:
                return UNKNOWN
            out.append(value)
            if len(out) > MAX_VALUE:
                return UNKNOWN
        return out

    def _call(self, node: ast.Call, env: dict[str, object]) -> object:
        func = node.func
        if any(k.arg is None for k in node.keywords):
            return UNKNOWN
        if isinstance(func, ast.Name) and func.id not in env and self._qual(func) == "map":
            return self._map(node, env)
        args = self._all(node.args, env)
        if args is None:
            return UNKNOWN
        kwargs: dict[str, object] = {}
        for kw in node.keywords:
            value = self._eval(kw.value, env)
            if value is UNKNOWN or kw.arg is None:
                return UNKNOWN
            kwargs[kw.arg] = value
        if isinstance(func, ast.Lambda):
            return self._apply(func, args, kwargs, env)
        if isinstance(func, ast.Attribute):
            receiver = self._eval(func.value, env)  # a value: a method; a module: its function
            if receiver is not UNKNOWN:
                return _method(receiver, func.attr, args, kwargs)
        name = self._qual(func)
        if isinstance(func, ast.Name) and func.id in env:
            target = env[func.id]
            if isinstance(target, ast.Lambda):
                return self._apply(target, args, kwargs, env)
            return UNKNOWN
        if name is None:
            return UNKNOWN
        if isinstance(func, ast.Name) and func.id in self._functions:
            return self._apply(self._functions[func.id], args, kwargs, {})
        return _builtin(self, name, args, kwargs)

    def _apply(
        self,
        func: ast.FunctionDef | ast.Lambda,
        args: list[object],
        kwargs: dict[str, object],
        outer: dict[str, object],
    ) -> object:
        """Evaluate a lambda or a small helper function for these arguments."""
        if self._depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        spec = func.args
        if spec.vararg or spec.kwarg or spec.kwonlyargs or spec.posonlyargs:
            return UNKNOWN
        names = [a.arg for a in spec.args]
        if len(args) > len(names):
            return UNKNOWN
        env = dict(outer)
        env.update(zip(names, args, strict=False))
        defaults = spec.defaults
        for offset, default in enumerate(defaults):
            name = names[len(names) - len(defaults) + offset]
            if name not in env and name not in kwargs:
                env[name] = self._eval(default, outer)
        env.update(kwargs)
        if any(n not in env or env[n] is UNKNOWN for n in names):
            return UNKNOWN
        self._depth += 1
        try:
            if isinstance(func, ast.Lambda):
                return self._eval(func.body, env)
            return self._body(func.body, env)
        finally:
            self._depth -= 1

    def _body(self, body: list[ast.stmt], env: dict[str, object]) -> object:
        """A helper's body: simple assignments, then `return EXPR`."""
        for stmt in body:
            self._step()
            if isinstance(stmt, ast.Return):
                return UNKNOWN if stmt.value is None else self._eval(stmt.value, env)
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                value = self._eval(stmt.value, env)
                if value is UNKNOWN or not _bind(stmt.targets[0], value, env):
                    return UNKNOWN
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                continue  # a docstring
            else:
                return UNKNOWN
        return UNKNOWN

    def _map(self, node: ast.Call, env: dict[str, object]) -> object:
        """`map(F, seq)` where F is chr/ord/str/int or a lambda: a list of the results."""
        if len(node.args) != 2 or node.keywords:
            return UNKNOWN
        source = self._eval(node.args[1], env)
        if not isinstance(source, (*_SEQ, range)):
            return UNKNOWN
        func = node.args[0]
        out: list[object] = []
        if isinstance(func, ast.Lambda):
            for item in source:
                value = self._apply(func, [item], {}, env)
                if value is UNKNOWN:
                    return UNKNOWN
                out.append(value)
            return out
        name = self._qual(func)
        handler = _BUILTINS.get(name or "")
        if handler is None:
            return UNKNOWN
        for item in source:
            self._step()
            value = handler(self, [item], {})
            if value is UNKNOWN:
                return UNKNOWN
            out.append(value)
        return out


def _bind(target: ast.expr, value: object, env: dict[str, object]) -> bool:
    if isinstance(target, ast.Name):
        env[target.id] = value
        return True
    if isinstance(target, ast.Tuple | ast.List) and isinstance(value, list | tuple | str | bytes):
        if len(value) != len(target.elts):
            return False
        return all(_bind(t, v, env) for t, v in zip(target.elts, value, strict=True))
    return False


def _xor(left: object, right: object) -> object:
    return left ^ right  # type: ignore[operator]


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], object]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Div: lambda a, b: a / b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b,
    ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
    ast.BitXor: _xor,
    ast.BitAnd: lambda a, b: a & b,
    ast.BitOr: lambda a, b: a | b,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
_HANDLERS: dict[type[ast.AST], Callable[[Folder, Any, dict[str, object]], object]] = {
    ast.Constant: Folder._constant,
    ast.Name: Folder._name,
    ast.Attribute: Folder._attribute,
    ast.JoinedStr: Folder._joined,
    ast.BinOp: Folder._binop,
    ast.UnaryOp: Folder._unary,
    ast.Compare: Folder._compare,
    ast.IfExp: Folder._ifexp,
    ast.Subscript: Folder._subscript,
    ast.List: Folder._sequence,
    ast.Tuple: Folder._sequence,
    ast.Dict: Folder._dict,
    ast.ListComp: Folder._comprehension,
    ast.GeneratorExp: Folder._comprehension,
    ast.Call: Folder._call,
}

# Constants of the standard library that obfuscators build alphabets from.
_MODULE_CONSTANTS: dict[str, object] = {
    f"string.{name}": getattr(string, name)
    for name in ("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits",
                 "octdigits", "punctuation", "printable", "whitespace")
}  # fmt: skip

# -- calls -----------------------------------------------------------------------------------

_TEXT_CODECS = frozenset(
    {"utf8", "utf_8", "ascii", "latin1", "latin_1", "iso8859_1", "utf_16", "utf16", "utf_32",
     "utf_8_sig", "cp1252"}
)  # fmt: skip
_STR_METHODS = frozenset(
    {"replace", "strip", "lstrip", "rstrip", "lower", "upper", "split", "rsplit", "splitlines",
     "swapcase", "title", "capitalize", "zfill", "center", "ljust", "rjust", "removeprefix",
     "removesuffix", "startswith", "endswith", "find", "index", "count", "hex", "isdigit"}
)  # fmt: skip


def _method(receiver: object, name: str, args: list[object], kwargs: dict[str, object]) -> object:
    """A method of a folded value (only side-effect-free ones of str, bytes and containers)."""
    if name == "join" and isinstance(receiver, str | bytes) and len(args) == 1:
        items = args[0]
        if isinstance(items, list | tuple | str):
            return receiver.join(items)  # type: ignore[arg-type]
        return UNKNOWN
    if name == "decode" and isinstance(receiver, bytes):
        encoding = args[0] if args else kwargs.get("encoding", "utf-8")
        if not isinstance(encoding, str):
            return UNKNOWN
        if encoding.lower().replace("-", "_") in ("utf8", "utf_8", "ascii", "latin1", "latin_1"):
            return receiver.decode(encoding, "replace")
        return _codec(receiver, encoding)
    if name == "encode" and isinstance(receiver, str):
        encoding = args[0] if args else kwargs.get("encoding", "utf-8")
        if not isinstance(encoding, str):
            return UNKNOWN
        key = encoding.lower().replace("-", "_")
        if key in ("rot13", "rot_13"):
            return codecs.encode(receiver, "rot13")
        if key not in _TEXT_CODECS:
            return UNKNOWN  # only the plain text codecs: nothing else is looked up
        return receiver.encode(encoding, "surrogatepass")
    if name == "translate" and isinstance(receiver, str | bytes) and len(args) == 1:
        return receiver.translate(args[0])  # type: ignore[arg-type]
    if name == "format" and isinstance(receiver, str):
        if _UNSAFE_FORMAT.search(receiver):
            return UNKNOWN
        return receiver.format(*args, **kwargs)
    if name in _STR_METHODS and isinstance(receiver, str | bytes):
        return getattr(receiver, name)(*args, **kwargs)
    if name == "get" and isinstance(receiver, dict) and args:
        return receiver.get(args[0], args[1] if len(args) > 1 else None)
    return UNKNOWN


def _builtin(folder: Folder, name: str, args: list[object], kwargs: dict[str, object]) -> object:
    """A builtin or standard-library call on folded arguments."""
    short = name.rsplit(".", 1)[-1]
    if name in _DECOMPRESSORS:
        data = _as_bytes(args[0]) if args else None
        return UNKNOWN if data is None else _decompress(_DECOMPRESSORS[name], data)
    if short in _DECODERS and (name.startswith(("base64.", "binascii.", "bytes.", "bytearray.")) or
                               short == "fromhex"):  # fmt: skip
        data = _as_bytes(args[0]) if args else None
        return UNKNOWN if data is None else _DECODERS[short](data, *args[1:])
    if name == "codecs.decode" and len(args) >= 2 and isinstance(args[1], str):
        return _codec(args[0], args[1])
    if name == "codecs.encode" and len(args) >= 2 and args[1] in ("rot13", "rot_13"):
        return codecs.encode(args[0], "rot13") if isinstance(args[0], str) else UNKNOWN
    if name == "str.maketrans" and all(isinstance(a, str | dict) for a in args):
        maketrans: Any = str.maketrans
        return maketrans(*args)
    if name == "str.join" and len(args) == 2 and isinstance(args[0], str):
        return args[0].join(args[1])  # type: ignore[arg-type]
    handler = _BUILTINS.get(name)
    if handler is None:
        return UNKNOWN
    return handler(folder, args, kwargs)


def _chr(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    return chr(args[0]) if len(args) == 1 and isinstance(args[0], int) else UNKNOWN


def _ord(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    return ord(args[0]) if len(args) == 1 and isinstance(args[0], str | bytes) else UNKNOWN


def _str(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    if len(args) == 1 and isinstance(args[0], _SIMPLE):
        return str(args[0])
    if len(args) >= 2 and isinstance(args[0], bytes) and isinstance(args[1], str):
        return args[0].decode(args[1], "replace")
    return UNKNOWN


def _int(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    if len(args) == 1 and isinstance(args[0], int | str | float):
        return int(args[0])
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], int):
        return int(args[0], args[1]) if len(args[0]) <= 2048 else UNKNOWN
    return UNKNOWN


def _bytes(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    if len(args) == 1 and isinstance(args[0], list | tuple | bytes):
        return bytes(args[0])
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        return args[0].encode(args[1], "surrogatepass")
    return UNKNOWN


def _seq(kind: type) -> Callable[[Folder, list[object], dict[str, object]], object]:
    def make(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
        if len(args) == 1 and isinstance(args[0], list | tuple | str | bytes | range):
            return kind(args[0])
        return UNKNOWN

    return make


def _reversed(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    return list(reversed(args[0])) if len(args) == 1 and isinstance(args[0], _SEQ) else UNKNOWN


def _range(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    if not 1 <= len(args) <= 3 or not all(isinstance(a, int) for a in args):
        return UNKNOWN
    make: Any = range
    result = make(*args)
    return result if len(result) <= MAX_VALUE else UNKNOWN


def _len(_f: Folder, args: list[object], _k: dict[str, object]) -> object:
    return len(args[0]) if len(args) == 1 and isinstance(args[0], (*_SEQ, dict)) else UNKNOWN


_BUILTINS: dict[str, Callable[[Folder, list[object], dict[str, object]], object]] = {
    "chr": _chr,
    "ord": _ord,
    "str": _str,
    "int": _int,
    "bytes": _bytes,
    "bytearray": _bytes,
    "list": _seq(list),
    "tuple": _seq(tuple),
    "reversed": _reversed,
    "range": _range,
    "len": _len,
}
