"""Decoding: decoders and char codes, and the literal payloads they decode, walked as code."""

from __future__ import annotations

import ast
import base64
import binascii
import bz2
import io
import lzma
import zipfile
import zlib

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import CHAR_CODES
from pycustoms.analyzers.code.ast_labels import TAINT
from pycustoms.analyzers.code.ast_model import Labels, adjust
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.sinks.call import CallSite, Handler

_MAX_DECODED = 4 * 1024 * 1024


def decoded(w: WalkState, data: Labels) -> Labels:
    """*data* decoded: counted, and labelled as decoded."""
    w.counts["decode"] += 1
    return data | {T.DECODED}


def peek_literal(w: WalkState, node: ast.Call) -> None:
    """Decode a decoder call on literals here and judge the code it yields."""
    if w.literal_depth >= 3 or w.literal_budget <= 0:
        return
    blob = const_bytes(w, node, 0)
    if blob is None or len(blob) < 16:
        return
    if blob.startswith(b"PK\x03\x04"):
        for text in _zip_sources(blob):
            w.walk_literal(text, node.lineno)
        return
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return
    if "\n" in text.strip() or "(" in text:
        w.walk_literal(text, node.lineno)


def const_bytes(w: WalkState, node: ast.expr, depth: int) -> bytes | None:
    """The value of a literal, possibly under decoder calls, or None."""
    if depth > 8:
        return None
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bytes):
            return node.value
        if isinstance(node.value, str):
            return node.value.encode("utf-8", "surrogatepass")
        return None
    if isinstance(node, ast.Name):
        folded = w.fold(node)
        return folded[0].encode("utf-8", "surrogatepass") if folded else None
    if isinstance(node, ast.Subscript) and _reverse_slice(node.slice):
        inner = const_bytes(w, node.value, depth + 1)
        return inner[::-1] if inner is not None else None
    if not isinstance(node, ast.Call) or not node.args:
        return None
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("encode", "decode"):
        if node.args or node.keywords:
            return None
        return const_bytes(w, node.func.value, depth + 1)
    name = w.qual(node.func)
    inner = const_bytes(w, node.args[0], depth + 1)
    if inner is None or name is None:
        return None
    return _apply_decoder(name, inner)


def digest(w: WalkState, c: CallSite) -> Labels | None:
    """`hashlib.*`, `hmac.*`: a digest of a secret is not the secret."""
    return c.data - TAINT


def _int(w: WalkState, c: CallSite) -> Labels | None:
    if len(c.node.args) == 2:
        return decoded(w, c.first)  # int(bits, 2): text turned back into bytes
    return None


def _codecs_decode(w: WalkState, c: CallSite) -> Labels | None:
    node = c.node
    codec = w.fold(node.args[1]) if len(node.args) > 1 else None
    if codec and codec[0].lower().replace("-", "_") in T.CODECS_DECODE_NAMES:
        return decoded(w, c.first)
    return c.first


def _decoder(w: WalkState, c: CallSite) -> Labels | None:
    peek_literal(w, c.node)
    return decoded(w, c.first)


def _chr(w: WalkState, c: CallSite) -> Labels | None:
    return frozenset({T.CHR})


def _char_codes(w: WalkState, c: CallSite) -> Labels | None:
    node = c.node
    if (c.name == "map" and node.args and w.qual(node.args[0]) == "chr") or (
        c.name in ("bytes", "bytearray") and node.args and _int_list(node.args[0])
    ):
        w.hit(CHAR_CODES, adjust(1), node, "a string assembled from char codes", 0.6)
        return frozenset({T.BUILT})
    return None


def _reversed(w: WalkState, c: CallSite) -> Labels | None:
    if c.node.args and w.fold(c.node.args[0]) is not None:
        return c.data | {T.BUILT}
    return None


HANDLERS: dict[str, Handler] = {
    "int": _int,
    **dict.fromkeys(T.DECODERS, _decoder),
    "codecs.decode": _codecs_decode,  # a decoder only with a decoding codec (`rot13`)
    "chr": _chr,
    **dict.fromkeys(("map", "bytes", "bytearray"), _char_codes),
    "reversed": _reversed,
}
# Called names judged by their prefix (after the exact names of every family).
DIGEST_PREFIXES = ("hashlib.", "hmac.")


def _int_list(node: ast.expr) -> bool:
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) < 8:
        return False
    return all(isinstance(e, ast.Constant) and isinstance(e.value, int) for e in node.elts)


def _reverse_slice(node: ast.expr) -> bool:
    step = node.step if isinstance(node, ast.Slice) else None
    return (
        isinstance(step, ast.UnaryOp)
        and isinstance(step.op, ast.USub)
        and isinstance(step.operand, ast.Constant)
        and step.operand.value == 1
    )


def _apply_decoder(name: str, data: bytes) -> bytes | None:
    """Run one decoder of *name* on *data* with an output cap; None if it fails."""
    short = name.rsplit(".", 1)[-1]
    try:
        if short in ("b64decode", "standard_b64decode", "decodebytes", "decodestring",
                     "a2b_base64"):  # fmt: skip
            return base64.b64decode(b"".join(data.split()) + b"==", validate=False)
        if short == "urlsafe_b64decode":
            return base64.urlsafe_b64decode(b"".join(data.split()) + b"==")
        if short in ("b32decode", "b16decode", "a85decode", "b85decode"):
            return bytes(getattr(base64, short)(data))
        if short in ("unhexlify", "a2b_hex", "fromhex"):
            return binascii.unhexlify(b"".join(data.split()))
        if name == "zlib.decompress":
            return zlib.decompressobj(wbits=47).decompress(data, _MAX_DECODED)
        if name == "gzip.decompress":
            return zlib.decompressobj(wbits=31).decompress(data, _MAX_DECODED)
        if name == "bz2.decompress":
            return bz2.BZ2Decompressor().decompress(data, _MAX_DECODED)
        if name == "lzma.decompress":
            return lzma.LZMADecompressor().decompress(data, _MAX_DECODED)
    except (ValueError, TypeError, binascii.Error, zlib.error, OSError, lzma.LZMAError, EOFError):
        return None
    return None


def _zip_sources(blob: bytes) -> list[str]:
    """Python sources inside an in-memory zip (small members only, never extracted)."""
    out: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            for info in archive.infolist()[:64]:
                if not info.filename.endswith((".py", ".pyw")) or info.file_size > 1_000_000:
                    continue
                with archive.open(info) as fh:
                    out.append(fh.read(1_000_001).decode("utf-8", "replace"))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return out
    return out
