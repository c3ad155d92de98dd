"""What one walk judges across calls: a scope's effects, helpers' sinks, and the whole file.

A function that writes a download and runs it (or whose caller runs it through
another helper) is a dropper; a webhook, paste, tunnel or raw-IP peer in a
function makes its threats a payload routine; arguments handed to a local
helper whose parameters reach a sink are judged as that sink at the call; keys
read in a file that sends data are a keylogger; native memory APIs together
are a shellcode loader. The walker (`ast_walk`) calls these when a scope or
the file closes, and at each call of a local helper.
"""

from __future__ import annotations

import ast

from pycustoms.analyzers.code import ast_ids as R
from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_model import (
    EMPTY,
    PARAM_PREFIX,
    Func,
    Hit,
    Labels,
    payload,
    staged,
    threat,
)
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.sinks.execution import judge_exec, walk_written_scripts
from pycustoms.analyzers.code.sinks.network import network, suspicious_peer, suspicious_url

_ALLOC_APIS = frozenset({"VirtualAlloc", "VirtualAllocEx", "NtAllocateVirtualMemory"})
_COPY_APIS = frozenset({"RtlMoveMemory", "WriteProcessMemory"})
_THREAD_APIS = frozenset({"CreateThread", "CreateRemoteThread", "WaitForSingleObject"})
# Labels worth judging when they reach a sink inside a helper function.
_CARRIED = T.SECRET_LABELS | {
    T.HOSTINFO,
    T.ENV_ONE,
    T.DECODED,
    T.NETDATA,
    T.FILEDATA,
    T.BUILT,
    T.NAMED_SECRET,
    T.NAMED_KEY,
}
_MAX_SUMMARY = 8
# Threats that a suspicious peer in the same function makes a payload routine.
_PAYLOAD_RULES = frozenset(
    {
        R.DOWNLOAD_EXEC,
        R.DOWNLOAD_CMD,
        R.EXFIL,
        R.HOST_EXFIL,
        R.DNS_EXFIL,
        R.PERSIST,
        R.EXEC_REMOTE,
        R.STEALER,
    }
    | {R.CRED_ACCESS, R.SURVEIL, R.REVSHELL, R.METADATA, R.EXEC_DECODED}
)


def close_scope(w: WalkState) -> None:
    """Close the current scope: written scripts, a suspicious peer's threats, a dropper."""
    walk_written_scripts(w)
    scope = w.scope
    if scope.suspicious_peer:
        w.suspicious_funcs.add(scope.func)
        promote(w, scope.first_hit, scope.func)
    if scope.net_write or scope.run_file or scope.chmod_x:
        w.effects[scope.func] = (scope.net_write, scope.run_file or scope.chmod_x)
    if scope.net_write and (scope.chmod_x or scope.run_file):
        w.hits.append(
            Hit(
                R.DOWNLOAD_EXEC,
                # From a webhook, tunnel, paste or raw-IP host: a dropper.
                payload(4) if scope.suspicious_peer else staged(4, 3, 2),
                scope.net_write,
                scope.func,
                "downloaded bytes are written to a file that is then made executable or run",
                0.85,
            )
        )


def promote(w: WalkState, first_hit: int, func: Func | None) -> None:
    """A webhook, paste, tunnel or raw-IP peer next to a threat: a payload routine."""
    for hit in w.hits[first_hit:]:
        if hit.func is func and hit.rule in _PAYLOAD_RULES:
            hit.sev = payload(4)


def split_droppers(w: WalkState) -> None:
    """A download written to a file in one function and run from another that the same
    caller (or its callees) starts: `download(url, path); launch(path)`."""
    if not w.effects:
        return
    by_name = {f.name: f for f in w.funcs}
    callers: list[tuple[Func | None, set[str]]] = [(None, set(w.top_calls))]
    callers += [(f, set(f.calls)) for f in w.funcs]
    for func, calls in callers:
        written, runs = w.effects.get(func, (0, False))
        if written and runs:
            continue  # reported where both happen (`_close_scope`)
        suspicious = func in w.suspicious_funcs
        seen: set[Func] = set()
        frontier = list(calls)
        for _ in range(3):
            onward: list[str] = []
            for name in frontier:
                callee = by_name.get(name)
                if callee is None or callee in seen or callee is func:
                    continue
                seen.add(callee)
                line, ran = w.effects.get(callee, (0, False))
                if line and ran:
                    continue  # a whole dropper of its own: judged where it stands
                written = written or line
                runs = runs or ran
                suspicious = suspicious or callee in w.suspicious_funcs
                onward.extend(callee.calls)
            frontier = onward
        if written and runs:
            sev = payload(4) if suspicious else staged(4, 3, 2)
            what = "downloaded bytes are written to a file that a helper it calls then runs"
            w.hits.append(Hit(R.DOWNLOAD_EXEC, sev, written, func, what, 0.8))


def through_helper(
    w: WalkState,
    node: ast.Call,
    helper: str,
    args: list[Labels],
    kwargs: dict[str | None, Labels],
) -> None:
    """Arguments handed to a local function whose parameters reach a sink: judge that
    sink here, with what the arguments carry (`request(url, data=host_info)`)."""
    passed = list(args)
    nodes: dict[int, ast.expr] = dict(enumerate(node.args))
    params = w.param_names.get(helper, [])
    for position, param in enumerate(params):
        if param in kwargs:
            passed.extend([EMPTY] * (position + 1 - len(passed)))
            passed[position] = passed[position] | kwargs[param]
    for keyword in node.keywords:
        if keyword.arg in params:
            nodes[params.index(keyword.arg)] = keyword.value
    for kind, index, sink, name in w.summaries.get(helper, ())[:_MAX_SUMMARY]:
        if kind == "net" and index in nodes and suspicious_url(w.literal_text(nodes[index])):
            # The helper's request goes where this call says: a webhook, paste, raw IP...
            if index < len(passed) and passed[index] & T.HIDDEN_LABELS:
                # ... and the caller hides that address by encoding: see `hidden_address`.
                w.scope.suspicious_peer = True
                what = f"{name} (in {helper}()) talks to a suspicious host it hides by encoding"
                w.hit(R.SUSPICIOUS_HOST, payload(4), node, what, 0.85)
            else:
                suspicious_peer(w, node, f"{name} (in {helper}()) talks to a suspicious host")
        if index >= len(passed) or not passed[index]:
            continue
        labels = passed[index]
        w.summarise(kind, labels, node, name)  # the caller's own parameters, onward
        real = frozenset(x for x in labels if not x.startswith(PARAM_PREFIX))
        if not real & _CARRIED:
            continue
        if kind == "net":
            where = w.literal_text(sink)
            if T.CRED in real and not suspicious_url(where) and not w.scope.suspicious_peer:
                # A token handed to the helper that calls its service (an OAuth refresh,
                # a signed SDK call) is how clients work; to a webhook or raw IP it is not.
                real = real - {T.CRED}
            network(w, node, real, f"{name} (in {helper}())", where)
        elif kind == "exec":
            judge_exec(w, node, f"{name} (in {helper}())", real)
        elif kind == "proc" and T.NETDATA in real:
            w.event(node)
            what = f"{name} (in {helper}()) runs a command received over the network"
            # Some parameter of the helper reaches its command line: a threat where it
            # runs by itself (see `sinks.process` for the direct case, a payload anywhere).
            w.hit(R.REVSHELL, threat(4), node, what)


def file_combinations(w: WalkState) -> None:
    """A keylogger (keys read, data sent) and a shellcode loader (alloc, copy, thread)."""
    if w.keylog is not None and w.counts["net"]:
        line, func = w.keylog
        # First, so that it wins over the plain surveillance hit on the same line.
        w.hits.insert(
            0,
            Hit(R.SURVEIL, threat(4), line, func, "keystrokes captured in a file that sends data "
                "over the network (keylogger)", 0.85),
        )  # fmt: skip
    apis = set(w.shellcode)
    if apis & _ALLOC_APIS and apis & _COPY_APIS and apis & _THREAD_APIS:
        names = ", ".join(sorted(apis))
        line, func = min(w.shellcode.values(), key=lambda v: v[0])
        w.hits.append(Hit(R.SHELLCODE, threat(3), line, func, f"native memory APIs: {names}", 0.8))
