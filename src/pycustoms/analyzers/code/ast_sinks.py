"""Judging calls: sources of labelled data and the sinks that turn labels into hits."""

from __future__ import annotations

import ast
import base64
import binascii
import bz2
import io
import ipaddress
import itertools
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_core import (
    _CHMOD_TEXT,
    _CLIPBOARD_READS,
    _CLIPBOARD_WRITES,
    _CRED_METHODS,
    _DANGEROUS_NAMES,
    _DNS_TOOLS,
    _EMPTY,
    _KEYLOG_APIS,
    _KEYLOG_CALLS,
    _MUTATORS,
    _RECV_ONLY,
    _SAVERS,
    _SHELL_HOST_SUBST,
    _SHELL_SECRET_SEND,
    _SHELL_TOOLS,
    BACKGROUND_IMPORT,
    CHAR_CODES,
    CRED_ACCESS,
    DNS_EXFIL,
    DOWNLOAD_CMD,
    EXEC_BUILT,
    EXEC_DECODED,
    EXEC_FILE,
    EXEC_REMOTE,
    EXFIL,
    HOST_EXFIL,
    INSTALL_CMD,
    INSTALL_NET,
    INSTALL_PROC,
    METADATA,
    OBF_ATTR,
    OBF_IMPORT,
    OBF_SCRIPT,
    PARAM_PREFIX,
    PERSIST,
    PYARMOR,
    REVSHELL,
    STEALER,
    SURVEIL,
    SUSPICIOUS_HOST,
    Core,
    Labels,
    _env_one,
    _exec_mode,
    _int_list,
    _path_labels,
    _read_labels,
    adjust,
    staged,
    suspicious_url,
    threat,
)
from pycustoms.analyzers.code.ast_core import (
    payload as payload_sev,
)
from pycustoms.analyzers.code.hosts import IP_LOOKUP, THROWAWAY_TLD
from pycustoms.analyzers.code.parsing import parse
from pycustoms.types import Capability


class Sinks(Core):
    """Source and sink handling for calls, on top of the shared walker state."""

    def _named_call(  # noqa: PLR0917 -- the parts of one call, evaluated once by the caller
        self,
        node: ast.Call,
        name: str,
        args: list[Labels],
        kwargs: dict[str | None, Labels],
        data: Labels,
        recv: Labels,
    ) -> Labels | None:
        first = args[0] if args else _EMPTY
        if name.startswith(("hashlib.", "hmac.")):
            return data - _TAINT  # a digest of a secret is not the secret
        if name == "int" and len(node.args) == 2:
            return self._decoded(first)  # int(bits, 2): text turned back into bytes
        if name in T.EXEC_SINKS:
            self._exec_sink(node, name, first)
            return first if name == "compile" else _EMPTY
        if name in T.UNPICKLERS:
            self._unpickle(node, name)
            return _EMPTY
        if name in ("runpy.run_path", "runpy.run_module"):
            # Runs a Python file in this process: a downloaded one is a dropper.
            self.caps.add(Capability.DYNAMIC_CODE)
            self.scope.run_file = True
            return _EMPTY
        if name == "codecs.decode":
            codec = self.fold(node.args[1]) if len(node.args) > 1 else None
            if codec and codec[0].lower().replace("-", "_") in T.CODECS_DECODE_NAMES:
                return self._decoded(first)
            return first
        if name in T.DECODERS:
            self._peek_literal(node)
            return self._decoded(first)
        if name in T.IMPORT_SINKS:
            self._import_sink(node, first)
            return _EMPTY
        if name == "getattr":
            self._getattr(node, args)
            return recv | (args[0] if args else _EMPTY)
        if name == "chr":
            return frozenset({T.CHR})
        if (name == "map" and node.args and self.qual(node.args[0]) == "chr") or (
            name in ("bytes", "bytearray") and node.args and _int_list(node.args[0])
        ):
            self.hit(CHAR_CODES, adjust(1), node, "a string assembled from char codes", 0.6)
            return frozenset({T.BUILT})
        if name == "reversed" and node.args and self.fold(node.args[0]) is not None:
            return data | {T.BUILT}
        if name in T.NETWORK_CALLS:
            address = first | kwargs.get("url", _EMPTY)
            if name in _DOWNLOADERS:
                data = address  # the other argument is where the download lands, not sent
            if address & _ENCODED and not self.literal_depth:
                # The address is decoded from base64/hex or built from char codes: hidden.
                self._suspicious_peer(node, f"{name}() talks to an address it hides by encoding")
            self._network(node, data, name)
            if name in _DOWNLOADERS:
                self.scope.net_write = self.scope.net_write or node.lineno
            if name == "socket.create_connection":
                self.sockets_seen = True
                self.scope.socket_connect = True
                return frozenset({T.SOCKET})
            where = self.literal_text(node)
            if T.METADATA in data or T.METADATA_PATTERN.search(where):
                return frozenset({T.NETDATA, T.CRED})  # instance credentials
            if IP_LOOKUP.search(where):
                return frozenset({T.NETDATA, T.HOSTINFO})  # the machine's public address
            return frozenset({T.NETDATA})
        if name in T.SOCKET_CONSTRUCTORS:
            self.caps.add(Capability.NETWORK)
            self.sockets_seen = True
            return frozenset({T.SOCKET})
        if name in T.NETOBJ_CONSTRUCTORS:
            self.caps.add(Capability.NETWORK)
            if name.rsplit(".", 1)[-1] in _HTTP_CONNECTIONS and _raw_public_host(node):
                self._suspicious_peer(node, f"{name}() connects to a raw public IP address")
            return frozenset({T.NETOBJ}) | (data & {T.METADATA})
        if name in T.REQUEST_BUILDERS:
            return data
        if name in T.PROCESS_CALLS:
            self._process(node, name, data, kwargs, first)
            return self._command_output(node)
        if name in _PIP_API and self.install:  # pip driven in-process: a command all the same
            self._install_command(node, name, "pip " + self.literal_text(node))
            return _EMPTY
        if name in T.ENV_ONE_CALLS:
            self.caps.add(Capability.ENV_READ)
            return _env_one(node.args[0]) if node.args else frozenset({T.ENV_ONE})
        if name in T.HOSTINFO_CALLS:
            return frozenset({T.HOSTINFO})
        if name in ("os.path.expanduser", "os.path.expandvars"):
            text = self.fold(node.args[0]) if node.args else None
            home = frozenset({T.HOSTINFO}) if text and text[0] in ("~", "~/") else _EMPTY
            return data | home
        if name in ("os.path.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"):
            return data | _path_labels(self.literal_text(node, "/"))
        if name in ("open", "io.open", "codecs.open", "os.open"):
            return self._open(node, data, first)
        if name in T.SURVEILLANCE_CALLS:
            self.hit(SURVEIL, adjust(2), node, f"{name}() reads the clipboard, screen or keys")
            if name in _KEYLOG_CALLS and self.keylog is None:
                self.keylog = (node.lineno, self.scope.func)
            if name in _CLIPBOARD_READS:
                self.scope.clip_read = True
            return frozenset({T.CRED})
        if name in _CLIPBOARD_WRITES:
            self._clipboard_write(node, name)
            return _EMPTY
        if name in _DUMPERS and len(node.args) >= 2:
            self._taint_names(node.args[1:], first)  # json.dump(secrets, fh)
            return None
        if name == "os.dup2" and T.SOCKET in first:
            self._event(node)
            self.hit(REVSHELL, threat(4), node, "os.dup2() binds a socket to standard streams")
            return _EMPTY
        if name in ("os.chmod", "os.fchmod"):
            if len(node.args) > 1 and _exec_mode(node.args[1]):
                self.scope.chmod_x = True
            return _EMPTY
        if name in ("time.sleep", "asyncio.sleep") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int | float):
                self.scope.slept = node.lineno if arg.value >= 60 else self.scope.slept
            return _EMPTY
        if name.startswith(("shutil.copy", "shutil.move", "os.rename", "os.replace")):
            self._file_write(node, name, data)
            self._copied(node, first)
            return data
        if name.startswith(("winreg.", "_winreg.")) and name.rsplit(".", 1)[1].startswith(
            ("SetValue", "CreateKey", "OpenKey")
        ):
            opening = name.rsplit(".", 1)[1].startswith("OpenKey")
            if T.PERSIST_PATH in data and (not opening or _WRITE_ACCESS.search(ast.dump(node))):
                self._persist(node, f"{name} on a Windows auto-run key")
            return data
        if name in ("os.listdir", "glob.glob", "os.walk", "sqlite3.connect", "os.scandir"):
            self._credential(node, data)
            return data | ({T.CRED} if T.CRED_PATH in data or T.STEALER_PATH in data else _EMPTY)
        if name in ("pytransform.pyarmor_runtime", "__pyarmor__", "pyarmor_runtime"):
            self.hit(PYARMOR, adjust(2), node, "PyArmor-protected code (cannot be analysed)", 0.7)
            return _EMPTY
        if name.startswith("ctypes.") and name.rsplit(".", 1)[1] in T.SHELLCODE_APIS:
            self.shellcode.setdefault(name.rsplit(".", 1)[1], (node.lineno, self.scope.func))
        return None

    def _method_call(
        self, node: ast.Call, method: str, recv: Labels, args: list[Labels], data: Labels
    ) -> Labels | None:
        if method in T.SHELLCODE_APIS:
            self.shellcode.setdefault(method, (node.lineno, self.scope.func))
        if method in _LOADER_METHODS or method in _WINDOWS_RUNNERS:
            # A module loaded from a file, or a program started through the Windows
            # API: with a download in the same code, a dropper.
            self.caps.add(
                Capability.DYNAMIC_CODE if method in _LOADER_METHODS else Capability.PROCESS
            )
            self.scope.run_file = True
        if method in ("insert", "append") and self.qual(node.func) in _IMPORT_PATHS:
            self.scope.path_added = True
        if method in _KEYLOG_APIS:
            self.hit(SURVEIL, adjust(2), node, f"{method}() reads the keyboard state")
            if self.keylog is None:
                self.keylog = (node.lineno, self.scope.func)
            return frozenset({T.CRED})
        if method in _CRED_METHODS and not node.args and not node.keywords:
            # botocore's session getters take no arguments; a same-named method that
            # is told which provider or region to look up is an application's own
            # key store, whose result is sent to that provider as it should be.
            self.caps.add(Capability.CREDENTIAL_READ)
            return frozenset({T.CRED})
        if method in _MUTATORS and data & _TAINT and isinstance(node.func, ast.Attribute):
            self._taint_names([node.func.value], data)
        if method in _SAVERS and recv & _TAINT:
            self._taint_names(node.args, recv)
        if T.SOCKET in recv:
            if method in T.SOCKET_SEND_METHODS:
                if method.startswith("connect"):
                    self.scope.socket_connect = True
                self._network(node, data, f"socket.{method}")
                return _EMPTY
            if method in ("fileno", "makefile", "accept", "dup"):
                return frozenset({T.SOCKET})
            if method.startswith("recv"):
                return frozenset({T.NETDATA})
        if T.NETOBJ in recv and method in T.NETOBJ_METHODS:
            self._network(node, data | (recv & {T.METADATA}), method)
            return frozenset({T.NETDATA, T.NETOBJ} if method == "open" else {T.NETDATA})
        if method in _WRITERS and node.args:
            self._written_code(node)
        if T.WRITEH in recv and method in ("write", "writelines"):
            if T.NETDATA in data:
                self.scope.net_write = self.scope.net_write or node.lineno
            if T.PERSIST_PATH in recv:
                self._persist(node, "writes to a start-up file")
            return _EMPTY
        if method in ("write_text", "write_bytes"):
            if T.NETDATA in data:
                self.scope.net_write = self.scope.net_write or node.lineno
            if T.PERSIST_PATH in recv:
                self._persist(node, "writes to a start-up file")
            return _EMPTY
        if method in ("read_text", "read_bytes", "open") and recv:
            self._credential(node, recv)
            return _read_labels(recv - T.OBJECT_LABELS)
        if method in ("decode", "encode"):
            codec = self.fold(node.args[0]) if node.args else None
            if codec and codec[0].lower().replace("-", "_") in T.CODECS_DECODE_NAMES:
                return self._decoded(recv)
            return recv
        if method in _RECV_ONLY:
            return recv - T.OBJECT_LABELS
        if method in T.DECODER_METHODS and recv:
            return self._decoded(recv | data)
        if T.ENV_ALL in recv:
            if method in ("get", "__getitem__", "pop", "setdefault"):
                return _env_one(node.args[0]) if node.args else frozenset({T.ENV_ONE})
            if method in ("copy", "items", "keys", "values"):
                return frozenset({T.ENV_ALL})
        if method == "join" and (T.CHR in data or T.BUILT in data):
            if T.CHR in data:
                self.hit(CHAR_CODES, adjust(1), node, "a string joined from chr() codes", 0.6)
            return data | {T.BUILT}
        if method == "fromhex":
            return self._decoded(data)
        return None

    def _written_code(self, node: ast.Call) -> None:
        """Python source written to a file is judged where it is written: droppers write a
        script (or a `.pth` line) and run it next, often with a process the walker cannot
        tie to the file."""
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, bytes):
            folded: tuple[str, bool] | None = (arg.value.decode("utf-8", "replace"), False)
        else:
            folded = self.fold(arg)
        handle = node.func.value if isinstance(node.func, ast.Attribute) else None
        if folded is not None and isinstance(handle, ast.Name):
            _, parts = self.scope.writes.setdefault(handle.id, (node.lineno, []))
            if len(parts) < _MAX_WRITES:
                parts.append(folded[0])
        if folded is None or len(folded[0]) < _MIN_WRITTEN_CODE:
            return
        code = folded[0]
        if len(_OBFUSCATED_JS.findall(code, 0, 50_000)) >= _MIN_OBFUSCATED_NAMES:
            what = "writes JavaScript whose names are obfuscator output to a file"
            self.hit(OBF_SCRIPT, staged(4, 3, 2), node, what, 0.85)
            return
        if ("\n" in code or ";" in code) and ("import " in code or "(" in code):
            self._walk_literal(code, node.lineno)

    def walk_written_scripts(self) -> None:
        """Judge what each handle of the closing scope was given line by line, joined: a
        script written one `write()` per line is a script all the same."""
        for line, parts in self.scope.writes.values():
            if len(parts) < 2:
                continue
            code = "".join(parts)
            if len(code) >= _MIN_WRITTEN_CODE and ("import " in code or "(" in code):
                self._walk_literal(code, line)
        self.scope.writes.clear()

    def _decoded(self, data: Labels) -> Labels:
        self.counts["decode"] += 1
        return data | {T.DECODED}

    # ----------------------------------------------------------------- sinks
    def _exec_sink(self, node: ast.Call, name: str, payload: Labels) -> None:
        self.caps.add(Capability.DYNAMIC_CODE)
        if not node.args:
            return
        self.summarise("exec", payload, node, name)
        arg = node.args[0]
        if isinstance(arg, ast.Constant):
            if isinstance(arg.value, str) and name in ("exec", "compile"):
                self._walk_literal(arg.value, node.lineno)
            return
        built = self.fold(arg)
        if built is not None and built[1]:
            self._walk_literal(built[0], node.lineno)  # chr()/join/reversal chains
        self.counts["exec"] += 1
        self._event(node)
        if built is not None and built[1] and T.DECODED in payload:
            # Code this file carries encoded and runs: hidden on purpose, whoever calls it.
            what = f"{name}() runs code this file carries encoded"
            self.hit(EXEC_DECODED, payload_sev(4), node, what)
            return
        self.judge_exec(node, name, payload)

    def judge_exec(self, node: ast.Call, name: str, payload: Labels) -> None:
        """Hits for an exec-like sink that runs data with *payload* labels."""
        if T.DECODED in payload:
            # Decoding a blob from this file (or the network) is the hidden-payload
            # idiom; decoding a parameter is what serialisers (keras, dill) do.
            known = bool(payload & {T.BLOB, T.NETDATA, T.FILEDATA})
            sev = threat(4, 3 if known else 2)
            self.hit(EXEC_DECODED, sev, node, f"{name}() runs decoded/decompressed data")
        elif T.NETDATA in payload:
            self.hit(EXEC_REMOTE, threat(4), node, f"{name}() runs data fetched from the network")
        elif T.FILEDATA in payload:
            self.hit(
                EXEC_FILE, staged(4, 4, 2), node, f"{name}() runs the contents of a non-Python file"
            )
        elif T.BUILT in payload:
            self.hit(EXEC_BUILT, threat(4), node, f"{name}() runs a string built from char codes")

    def _unpickle(self, node: ast.Call, name: str) -> None:
        """Unpickling runs code the pickle names: judge a pickle written in this file as exec.

        Only a pickle that is a literal here (possibly under decoders) is judged;
        unpickling a parameter is what caches and serialisers do all day.
        """
        if not node.args:
            return
        blob = self._const_bytes(node.args[0], 0)
        if blob is not None and _PICKLE_CALLS.search(blob):
            self._event(node)
            self.hit(
                EXEC_DECODED, threat(4), node, f"{name}() of an embedded pickle that calls code"
            )

    def _walk_literal(self, code: str, line: int) -> None:
        """Judge the code inside an ``exec("...")`` literal as if it stood on *line*."""
        if self.literal_depth >= 3 or len(code) > min(200_000, self.literal_budget):
            return
        key = hash(code)
        if key in self.walked_literals:
            return
        self.walked_literals.add(key)
        self.literal_budget -= len(code)
        tree = parse(code)
        if tree is None:
            return
        for sub in ast.walk(tree):
            if isinstance(sub, ast.expr | ast.stmt):
                sub.lineno = sub.end_lineno = line
                sub.col_offset = sub.end_col_offset = 0
        saved = self.lines
        self.literal_depth += 1
        try:
            self.block(tree.body)
        finally:
            self.literal_depth -= 1
            self.lines = saved

    def _import_sink(self, node: ast.Call, payload: Labels) -> None:
        self.caps.add(Capability.DYNAMIC_CODE)
        if not node.args:
            return
        folded = self.fold(node.args[0])
        hidden = folded is not None and folded[1] and folded[0] in T.DANGEROUS_MODULE_NAMES
        if hidden or T.BUILT in payload or {T.DECODED, T.BLOB} <= payload:
            shown = folded[0] if folded else "a decoded name"
            self.hit(OBF_IMPORT, threat(3), node, f"imports {shown!r} through a built string")

    def _getattr(self, node: ast.Call, args: list[Labels]) -> None:
        if len(node.args) < 2:
            return
        target = self.qual(node.args[0])
        folded = self.fold(node.args[1])
        built = (folded is not None and folded[1]) or bool(args[1] & {T.BUILT, T.DECODED})
        if target in T.BUILTIN_MODULES:
            self.caps.add(Capability.DYNAMIC_CODE)
            if built and folded and folded[0] in _DANGEROUS_NAMES:
                self.hit(
                    OBF_ATTR, threat(3), node, f"fetches builtin {folded[0]!r} by a built name"
                )
            elif built or folded is None:
                self.hit(OBF_ATTR, adjust(1), node, "fetches a computed name from builtins", 0.6)
            return
        dangerous_target = target in T.DANGEROUS_MODULE_NAMES
        if built and folded and folded[0] in T.DANGEROUS_ATTRS:
            self.hit(OBF_ATTR, threat(3), node, f"getattr(..., {folded[0]!r}) with a built name")
        elif dangerous_target and folded is None and args[1] & {T.BUILT, T.DECODED}:
            self.hit(OBF_ATTR, threat(3), node, f"getattr({target}, <decoded name>)")

    def _suspicious_peer(self, node: ast.Call, message: str) -> None:
        """A connection to a webhook, tunnel, paste or raw public IP: note it for the scope."""
        self.scope.suspicious_peer = True
        # At install or import time nothing benign calls such a host: the install beacon.
        self.hit(SUSPICIOUS_HOST, staged(4, 4, 2), node, message, 0.8)

    def _network(self, node: ast.Call, data: Labels, name: str, through: str | None = None) -> None:
        """Judge a network call; *through* is where it goes when the call is in a helper."""
        self.caps.add(Capability.NETWORK)
        self.counts["net"] += 1
        self._event(node)
        self.summarise("net", data, node, name)
        text = self.literal_text(node) if through is None else through
        if self.install:
            self.hit(INSTALL_NET, staged(3, 1, 1), node, f"{name}() is called", 0.8)
        short = name.rsplit(".", 1)[-1]
        suspicious = (
            suspicious_url(text)
            or (short in _ADDRESS_CALLS and _raw_public_address(node))
            or (short in _HTTP_CONNECTIONS and _raw_public_host(node))
        )
        if suspicious:
            where = "a webhook, tunnel, paste or raw-IP host"
            self._suspicious_peer(node, f"{name}() talks to {where}")
        if T.METADATA in data or T.METADATA_PATTERN.search(text):
            self.hit(METADATA, staged(3, 2, 1), node, "queries the cloud instance metadata service")
        destination = self.literal_text(node.args[0]) if node.args and through is None else text
        to_metadata = bool(destination) and T.METADATA_PATTERN.search(destination)
        if to_metadata:
            pass  # asking the metadata service itself is access, not exfiltration
        elif data & T.SECRET_LABELS:
            what = "the whole environment" if T.ENV_ALL in data else "credential data"
            self.hit(EXFIL, threat(4), node, f"{name}() sends {what}", 0.9)
        elif T.HOSTINFO in data:
            # Who and where the user is, sent when the package is imported (or to a raw IP
            # or a catcher whenever): the dependency-confusion beacon.
            self.hit(HOST_EXFIL, staged(4, 4, 1), node, f"{name}() sends host/user details", 0.85)
        elif T.NAMED_SECRET in data and (suspicious or self.scope.suspicious_peer):
            # A parameter or variable named as a key, seed or mnemonic, sent to a webhook,
            # paste, tunnel or raw IP: a wallet or key stealer hidden in a library call.
            self.hit(EXFIL, payload_sev(4), node, f"{name}() sends a key, seed or password", 0.85)
        elif T.NAMED_KEY in data and THROWAWAY_TLD.search(destination or text):
            what = f"{name}() sends a signing key or seed phrase to a host on a throwaway domain"
            self.hit(EXFIL, payload_sev(4), node, what, 0.8)
        elif T.ENV_ONE in data and (suspicious or self.scope.suspicious_peer):
            # A token read from the environment (CI, cloud) sent to a webhook or raw IP.
            self.hit(
                HOST_EXFIL,
                staged(4, 4, 2),
                node,
                f"{name}() sends environment values to a webhook, tunnel, paste or raw-IP host",
                0.85,
            )
        elif T.ENV_ONE in data:
            self.hit(HOST_EXFIL, staged(3, 0, 0), node, f"{name}() sends environment values", 0.7)
        if name in T.DNS_CALLS and node.args and _fixed_public_host(node.args[0]):
            # Resolving a fixed host as the package is imported or installed tells that
            # host's name server that it ran, and where: the dependency-confusion canary.
            # Nothing a library needs at import; inside a function it is ordinary.
            what = f"{name}() resolves a fixed host name as the file runs (a DNS beacon)"
            self.hit(DNS_EXFIL, staged(3, 3, 0), node, what, 0.7)
        if name in T.DNS_CALLS and node.args and not isinstance(node.args[0], ast.Constant):
            host_text = self.literal_text(_name_tail(node.args[0]))
            carried = frozenset(x for x in data if not x.startswith(PARAM_PREFIX))
            if T.DOMAIN_SUFFIX.search(host_text.strip()) and (carried or self.fold(node.args[0])):
                # Who the user is, or a secret, spelled into the name: a beacon.
                carries = data & (T.SECRET_LABELS | {T.HOSTINFO, T.ENV_ONE})
                self.hit(
                    DNS_EXFIL,
                    staged(4, 4 if carries else 3, 2),
                    node,
                    "DNS lookup of a name built from data and a fixed domain",
                    0.8,
                )

    def _process(
        self,
        node: ast.Call,
        name: str,
        data: Labels,
        kwargs: dict[str | None, Labels],
        first: Labels,
    ) -> None:
        self.caps.add(Capability.PROCESS)
        self.counts["proc"] += 1
        self.scope.run_file = True
        self.summarise("proc", first, node, name)
        text = self.literal_text(node)
        inline = _inline_python(node, text, self.fold)
        if inline is not None:  # `python -c CODE`: the child runs it now, judge it here
            self._walk_literal(inline, node.lineno)
            if name in _UNWAITED and (module := _only_imports(inline)):
                what = f"{name}() starts a Python that only imports {module!r}, without waiting"
                self.hit(BACKGROUND_IMPORT, staged(4, 4, 2), node, what, 0.8)
        if self.install:
            self.hit(INSTALL_PROC, staged(1, 0, 0), node, f"{name}() runs a command", 0.6)
            self._install_command(node, name, text)
        if any(T.SOCKET in kwargs.get(k, _EMPTY) for k in ("stdin", "stdout", "stderr")):
            self._event(node)
            self.hit(REVSHELL, threat(4), node, f"{name}() wires a socket to a process")
            return
        if node.args and self._command_from_network(node, name, first):
            self._event(node)
            what = f"{name}() runs a command received over the network"
            # A routine that runs, as it is, what a server sends (`os.system(resp.text)`,
            # decoded or not) is a remote-control payload whether import starts it or
            # the user calls it (a trojaned library method). A command line merely built
            # with a fetched value (a version, a URL) is how deployment tools work: a
            # threat only where it runs by itself.
            direct = isinstance(node.args[0], ast.Call | ast.Attribute | ast.Subscript)
            self.hit(REVSHELL, payload_sev(4) if direct else threat(4), node, what)
            return
        if (
            (self.scope.socket_connect or self.sockets_seen)
            and node.args
            and T.SHELL_NAMES.search(_first_word(self.literal_text(node.args[0])))
            and all(self.qual(kw.value) == "subprocess.PIPE" for kw in node.keywords
                    if kw.arg in ("stdin", "stdout"))
            and {kw.arg for kw in node.keywords} >= {"stdin", "stdout"}
        ):  # fmt: skip
            self._event(node)
            what = f"{name}() pipes an interactive shell next to a socket"
            self.hit(REVSHELL, threat(4), node, what)
            return
        near_socket = self.scope.socket_connect or self.sockets_seen
        if name == "pty.spawn" and near_socket and T.SHELL_NAMES.search(text):
            self._event(node)
            self.hit(REVSHELL, threat(4), node, "pty.spawn of a shell next to a socket")
            return
        if T.REVERSE_SHELL_TEXT.search(text):
            self._event(node)
            self.hit(REVSHELL, threat(4), node, "runs a reverse-shell command line")
            return
        if T.DOWNLOAD_COMMAND.search(text):
            self._event(node)
            # Piped into a shell, hidden or encoded PowerShell, a system binary as downloader.
            top = 4 if T.STAGE_TWO_COMMAND.search(text) else 3
            self.hit(
                DOWNLOAD_CMD, staged(4, top, 2), node, f"{name}() runs a download/encoded command"
            )
        if _CHMOD_TEXT.search(text):
            self.scope.chmod_x = True
        if T.PERSIST_COMMAND.search(text):
            self._persist(node, f"{name}() touches a start-up location")
        if _SHELL_SECRET_SEND.search(text):
            self._event(node)
            self.hit(EXFIL, threat(4), node, f"{name}() pipes secrets into a network tool")
        elif _SHELL_HOST_SUBST.search(text) and _SHELL_TOOLS.search(text):
            self._event(node)
            if _DNS_TOOLS.search(text):
                self.hit(
                    DNS_EXFIL, staged(4, 3, 2), node, f"{name}() puts host details in a DNS lookup"
                )
            else:
                self.hit(
                    HOST_EXFIL, staged(4, 4, 1), node, f"{name}() sends host details via a tool"
                )
        # What the command line carries. `env=` hands the child its environment,
        # which every launcher does; it is not data sent anywhere by itself.
        sent = (data - kwargs["env"]) | first if "env" in kwargs else data
        if sent & (T.SECRET_LABELS | {T.HOSTINFO}) and _SHELL_TOOLS.search(text):
            self._event(node)
            if sent & T.SECRET_LABELS:
                self.hit(EXFIL, threat(4), node, f"{name}() passes secrets to a network tool")
            else:
                self.hit(
                    HOST_EXFIL, staged(4, 4, 1), node, f"{name}() sends host details via a tool"
                )

    def _install_command(self, node: ast.Call, name: str, text: str) -> None:
        """A command of a kind builds never run (`T.INSTALL_COMMANDS`), run at install time."""
        command = " ".join(text.split())
        for pattern, what, level in T.INSTALL_COMMANDS:
            if pattern.search(command):
                self.hit(INSTALL_CMD, staged(level, level - 1, 1), node, f"{name}() {what}", 0.85)
                return

    def _open(self, node: ast.Call, data: Labels, path: Labels) -> Labels:
        mode = ""
        mode_node = node.args[1] if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg == "mode":
                mode_node = kw.value
        if mode_node is not None:
            folded = self.fold(mode_node)
            mode = folded[0] if folded else "r"
        if any(c in mode for c in "wax+"):
            if T.PERSIST_PATH in path:
                self._persist(node, "opens a start-up file for writing")
            return path | {T.WRITEH}
        self._credential(node, path)
        return _read_labels(path)

    def _file_write(self, node: ast.Call, name: str, data: Labels) -> None:
        if T.PERSIST_PATH in data:
            self._persist(node, f"{name}() into a start-up location")
        self._credential(node, data)
        if T.NETDATA in data:
            self.scope.net_write = self.scope.net_write or node.lineno

    def _command_output(self, node: ast.Call) -> Labels:
        """What a command's output is: host facts, or the environment or a secret it prints."""
        command = " ".join(self.literal_text(node.args[0]).split()) if node.args else ""
        if T.ENV_DUMP_COMMAND.match(command):
            self.caps.add(Capability.ENV_READ)
            return frozenset({T.HOSTINFO, T.ENV_ALL})
        if T.CRED_COMMAND.search(command):
            self.caps.add(Capability.CREDENTIAL_READ)
            return frozenset({T.HOSTINFO, T.CRED})
        return frozenset({T.HOSTINFO})

    def _copied(self, node: ast.Call, source: Labels) -> None:
        """A copy of a credential or browser store is that store to whoever reads it.

        Browsers lock their databases, so a stealer copies `Login Data` or
        `Cookies` to a temporary file and reads the copy: the destination (a
        variable, or the path text itself) keeps the source's path labels.
        """
        carried = source & _STORE_PATHS
        if not carried:
            return
        dst = node.args[1] if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg == "dst":
                dst = kw.value
        if dst is None:
            return
        if isinstance(dst, ast.Name):
            self.scope.vars[dst.id] = self.lookup(dst.id) | carried
        folded = self.fold(dst)
        if folded is not None:
            self.copies[folded[0]] = self.copies.get(folded[0], _EMPTY) | carried

    def _persist(self, node: ast.Call, what: str) -> None:
        self.caps.add(Capability.PERSISTENCE)
        # No library installs itself into start-up locations when imported.
        self.hit(PERSIST, staged(4, 4, 2), node, f"persistence: {what}", 0.8)

    def _credential(self, node: ast.Call, path: Labels) -> None:
        if T.STEALER_PATH in path:
            self.caps.add(Capability.CREDENTIAL_READ)
            self.hit(STEALER, adjust(3), node, "reads a browser, chat-token or wallet store", 0.85)
        elif T.CRED_PATH in path:
            self.caps.add(Capability.CREDENTIAL_READ)
            self.hit(CRED_ACCESS, adjust(2), node, "reads a credential file", 0.8)

    # ----------------------------------------------------------------- helpers
    def _command_from_network(self, node: ast.Call, name: str, labels: Labels) -> bool:
        """True if the whole command (or the program) of a spawn is network data.

        A variable only counts for a shell command line (``shell=True``, ``os.system``):
        argument lists assembled from many sources (a host name resolved here, a
        port read there) are how launchers work.
        """
        arg = node.args[0]
        shell = name in _SHELL_CALLS or any(
            kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True
            for kw in node.keywords
        )
        if isinstance(arg, ast.Name) and not shell:
            return False
        if isinstance(arg, ast.List | ast.Tuple):
            head = arg.elts[0] if arg.elts else None
            return isinstance(head, ast.Name) and T.NETDATA in self.lookup(head.id)
        if isinstance(arg, ast.JoinedStr | ast.BinOp | ast.Constant):
            return False
        return T.NETDATA in labels

    def _clipboard_write(self, node: ast.Call, name: str) -> None:
        value = self.fold(node.args[0]) if node.args else None
        if self.scope.clip_read and value is not None and len(value[0].strip()) >= 20:
            self.hit(
                SURVEIL,
                threat(4),
                node,
                f"{name}() replaces what was read from the clipboard with a fixed value "
                "(clipboard hijacker)",
                0.85,
            )

    def _taint_names(self, nodes: list[ast.expr], labels: Labels) -> None:
        """Data was put into the objects named by *nodes*: they (and what they wrap) hold it."""
        labels = labels & _TAINT
        for target in nodes:
            name = target.id if isinstance(target, ast.Name) else None
            seen = 0
            while name is not None and seen < 4:
                self.scope.vars[name] = self.lookup(name) | labels
                name = self.scope.wraps.get(name)
                seen += 1

    def _peek_literal(self, node: ast.Call) -> None:
        """Decode a decoder call on literals here and judge the code it yields."""
        if self.literal_depth >= 3 or self.literal_budget <= 0:
            return
        blob = self._const_bytes(node, 0)
        if blob is None or len(blob) < 16:
            return
        if blob.startswith(b"PK\x03\x04"):
            for text in _zip_sources(blob):
                self._walk_literal(text, node.lineno)
            return
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            return
        if "\n" in text.strip() or "(" in text:
            self._walk_literal(text, node.lineno)

    def _const_bytes(self, node: ast.expr, depth: int) -> bytes | None:
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
            folded = self.fold(node)
            return folded[0].encode("utf-8", "surrogatepass") if folded else None
        if isinstance(node, ast.Subscript) and _reverse_slice(node.slice):
            inner = self._const_bytes(node.value, depth + 1)
            return inner[::-1] if inner is not None else None
        if not isinstance(node, ast.Call) or not node.args:
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("encode", "decode"):
            if node.args or node.keywords:
                return None
            return self._const_bytes(node.func.value, depth + 1)
        name = self.qual(node.func)
        inner = self._const_bytes(node.args[0], depth + 1)
        if inner is None or name is None:
            return None
        return _apply_decoder(name, inner)


_TAINT = T.SECRET_LABELS | {T.HOSTINFO}
_ENCODED = frozenset({T.DECODED, T.BUILT})
_WRITERS = frozenset({"write", "writelines", "write_text", "write_bytes"})
_MIN_WRITTEN_CODE = 40
_DOWNLOADERS = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download"})
_MAX_WRITES = 400  # lines of one written script kept to be judged together
# Names that JavaScript obfuscators generate (`_0x4f2a1c`), and how many make a script.
_OBFUSCATED_JS = re.compile(r"\b_0x[0-9a-f]{4,6}\b")
_MIN_OBFUSCATED_NAMES = 20
_STORE_PATHS = frozenset({T.CRED_PATH, T.STEALER_PATH})
# Loading a module from a file, and starting programs through the Windows API.
_LOADER_METHODS = frozenset({"exec_module", "load_module"})
_WINDOWS_RUNNERS = frozenset(
    {"WinExec", "ShellExecuteA", "ShellExecuteW", "ShellExecuteExA", "ShellExecuteExW",
     "CreateProcessA", "CreateProcessW"}
)  # fmt: skip
_IMPORT_PATHS = frozenset({"sys.path.insert", "sys.path.append"})
# pip's command line called as a function (`pip.main(["install", ...])`).
_PIP_API = frozenset({"pip.main", "pip._internal.main", "pip._internal.cli.main.main"})
_SHELL_CALLS = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
     "commands.getoutput", "asyncio.create_subprocess_shell"}
)  # fmt: skip
_DUMPERS = frozenset({"json.dump", "pickle.dump", "marshal.dump", "yaml.dump", "yaml.safe_dump"})
_MAX_DECODED = 4 * 1024 * 1024
_WRITE_ACCESS = re.compile(r"KEY_(SET_VALUE|WRITE|ALL_ACCESS)")


# A pickle's GLOBAL (`cos\nsystem\n`, protocols 0-3) or STACK_GLOBAL (protocol 4+:
# two short strings, then 0x93) opcode naming a function that runs things.
_PICKLE_MODULES = rb"(?:os|posix|nt|subprocess|builtins|__builtin__|pty|socket)"
_PICKLE_FUNCS = (
    rb"(?:system|popen|Popen|call|run|check_output|exec|eval|__import__|getattr|spawn|"
    rb"create_connection)"
)
_PICKLE_CALLS = re.compile(
    rb"c" + _PICKLE_MODULES + rb"\n" + _PICKLE_FUNCS + rb"\n"
    rb"|\x8c." + _PICKLE_MODULES + rb"\x94?\x8c." + _PICKLE_FUNCS + rb"\x94?\x93",
    re.S,
)
_PYTHON_C = re.compile(r"\bpython(?:[23](?:\.\d+)?)?(?:\.exe)?\s+-c\s+(['\"])(.+)\1\s*$", re.S)


# Calls that start a program and return at once (the caller need not wait for it).
_UNWAITED = frozenset(
    {"subprocess.Popen", "os.spawnl", "os.spawnlp", "os.spawnv", "os.spawnvp", "os.posix_spawn",
     "os.posix_spawnp", "asyncio.create_subprocess_exec"}
)  # fmt: skip


def _only_imports(code: str) -> str | None:
    """The module *code* imports, if importing (and quieting warnings) is all it does."""
    tree = parse(code)
    if tree is None or not tree.body:
        return None
    module = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            names = [a.name for a in stmt.names if a.name != "warnings"]
            module = module or (names[0] if names else None)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            module = module or (stmt.module if stmt.module != "warnings" else None)
        elif not (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id == "warnings"
        ):
            return None
    return module


def _inline_python(
    node: ast.Call, text: str, fold: Callable[[ast.expr], tuple[str, bool] | None]
) -> str | None:
    """The code of ``[python, '-c', CODE]`` or ``'python -c "CODE"'``, if the call runs one."""
    if node.args and isinstance(node.args[0], ast.List | ast.Tuple):
        items = node.args[0].elts
        for flag, code in itertools.pairwise(items):
            if isinstance(flag, ast.Constant) and flag.value == "-c":
                folded = fold(code)  # a literal, or a name bound to one
                return folded[0] if folded is not None else None
        return None
    match = _PYTHON_C.search(text)
    return match.group(2) if match else None


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0] if text else ""


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


def _name_tail(node: ast.expr) -> ast.expr:
    """The piece that ends a built host name: an f-string's or a sum's last part.

    Constants inside the placeholders (`rstrip("=")`) do not end the name.
    """
    while True:
        if isinstance(node, ast.JoinedStr) and node.values:
            node = node.values[-1]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            node = node.right
        else:
            return node


_ADDRESS_CALLS = frozenset({"connect", "connect_ex", "sendto", "create_connection"})
_HTTP_CONNECTIONS = frozenset({"HTTPConnection", "HTTPSConnection", "HTTPConnectionPool"})
# Public resolvers: `connect(("8.8.8.8", 80))` is the idiom for finding the local address.
_RESOLVERS = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "208.67.222.222"})
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        *("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"),
        *("172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"),
    )
)


def _public_ip(host: ast.expr) -> bool:
    if not (isinstance(host, ast.Constant) and isinstance(host.value, str)):
        return False
    try:
        address = ipaddress.IPv4Address(host.value.split(":", 1)[0])
    except ValueError:
        return False
    return host.value not in _RESOLVERS and not any(address in n for n in _NOT_PUBLIC)


def _fixed_public_host(arg: ast.expr) -> bool:
    """True for a literal host name of three or more labels (`pkg.collector.example`),
    not an address, not a local or reserved name."""
    if not isinstance(arg, ast.Constant) or not isinstance(arg.value, str):
        return False
    host = arg.value.strip().rstrip(".").lower()
    labels = host.split(".")
    if len(labels) < 3 or not all(labels) or host.replace(".", "").isdigit():
        return False
    return labels[-1] not in {"local", "localhost", "internal", "lan", "test", "invalid", "example"}


def _raw_public_address(node: ast.Call) -> bool:
    """True if a socket call's `(host, port)` literal names a public IPv4 address."""
    return any(
        isinstance(arg, ast.Tuple) and len(arg.elts) == 2 and _public_ip(arg.elts[0])
        for arg in node.args
    )


def _raw_public_host(node: ast.Call) -> bool:
    """True if an HTTP connection's host argument is a public IPv4 address literal."""
    hosts = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "host")]
    return any(_public_ip(host) for host in hosts)
