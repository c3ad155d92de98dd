"""Network: sockets, HTTP clients and DNS; suspicious peers, beacons and exfiltration."""

from __future__ import annotations

import ast
import ipaddress

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import (
    DNS_EXFIL,
    EXFIL,
    HOST_EXFIL,
    INSTALL_NET,
    METADATA,
    OOB_PROBE,
    SUSPICIOUS_HOST,
)
from pycustoms.analyzers.code.ast_model import EMPTY, PARAM_PREFIX, Labels, staged, threat
from pycustoms.analyzers.code.ast_model import payload as payload_sev
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.hosts import IP_LOOKUP, OOB_ADDRESS, THROWAWAY_TLD, suspicious_host
from pycustoms.analyzers.code.sinks.call import CallSite, Handler
from pycustoms.types import Capability

_DOWNLOADERS = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download"})
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


def suspicious_url(text: str) -> bool:
    """True if *text* names a raw public IP, a webhook, tunnel, paste or catcher host."""
    return suspicious_host(text) is not None


def suspicious_peer(w: WalkState, node: ast.Call, message: str) -> None:
    """A connection to a webhook, tunnel, paste or raw public IP: note it for the scope."""
    w.scope.suspicious_peer = True
    # At install or import time nothing benign calls such a host: the install beacon.
    w.hit(SUSPICIOUS_HOST, staged(4, 4, 2), node, message, 0.8)


def network(
    w: WalkState, node: ast.Call, data: Labels, name: str, through: str | None = None
) -> None:
    """Judge a network call; *through* is where it goes when the call is in a helper."""
    w.caps.add(Capability.NETWORK)
    w.counts["net"] += 1
    w.event(node)
    w.summarise("net", data, node, name)
    text = w.literal_text(node) if through is None else through
    if w.install:
        w.hit(INSTALL_NET, staged(3, 1, 1), node, f"{name}() is called", 0.8)
    short = name.rsplit(".", 1)[-1]
    suspicious = (
        suspicious_url(text)
        or (short in _ADDRESS_CALLS and _raw_public_address(node))
        or (short in _HTTP_CONNECTIONS and _raw_public_host(node))
    )
    if suspicious:
        where = "a webhook, tunnel, paste or raw-IP host"
        suspicious_peer(w, node, f"{name}() talks to {where}")
    out_of_band(w, node, f"{name}() reports to", text)
    if T.METADATA in data or T.METADATA_PATTERN.search(text):
        w.hit(METADATA, staged(3, 2, 1), node, "queries the cloud instance metadata service")
    destination = w.literal_text(node.args[0]) if node.args and through is None else text
    to_metadata = bool(destination) and T.METADATA_PATTERN.search(destination)
    if to_metadata:
        pass  # asking the metadata service itself is access, not exfiltration
    elif data & T.SECRET_LABELS:
        what = "the whole environment" if T.ENV_ALL in data else "credential data"
        w.hit(EXFIL, threat(4), node, f"{name}() sends {what}", 0.9)
    elif T.HOSTINFO in data:
        # Who and where the user is, sent when the package is imported (or to a raw IP
        # or a catcher whenever): the dependency-confusion beacon.
        w.hit(HOST_EXFIL, staged(4, 4, 1), node, f"{name}() sends host/user details", 0.85)
    elif T.NAMED_SECRET in data and (suspicious or w.scope.suspicious_peer):
        # A parameter or variable named as a key, seed or mnemonic, sent to a webhook,
        # paste, tunnel or raw IP: a wallet or key stealer hidden in a library call.
        w.hit(EXFIL, payload_sev(4), node, f"{name}() sends a key, seed or password", 0.85)
    elif T.NAMED_KEY in data and THROWAWAY_TLD.search(destination or text):
        what = f"{name}() sends a signing key or seed phrase to a host on a throwaway domain"
        w.hit(EXFIL, payload_sev(4), node, what, 0.8)
    elif T.ENV_ONE in data and (suspicious or w.scope.suspicious_peer):
        # A token read from the environment (CI, cloud) sent to a webhook or raw IP.
        w.hit(
            HOST_EXFIL,
            staged(4, 4, 2),
            node,
            f"{name}() sends environment values to a webhook, tunnel, paste or raw-IP host",
            0.85,
        )
    elif T.ENV_ONE in data:
        w.hit(HOST_EXFIL, staged(3, 0, 0), node, f"{name}() sends environment values", 0.7)
    if name in T.DNS_CALLS and node.args and _fixed_public_host(node.args[0]):
        # Resolving a fixed host as the package is imported or installed tells that
        # host's name server that it ran, and where: the dependency-confusion canary.
        # Nothing a library needs at import; inside a function it is ordinary.
        what = f"{name}() resolves a fixed host name as the file runs (a DNS beacon)"
        w.hit(DNS_EXFIL, staged(3, 3, 0), node, what, 0.7)
    if name in T.DNS_CALLS and node.args and not isinstance(node.args[0], ast.Constant):
        host_text = w.literal_text(_name_tail(node.args[0]))
        carried = frozenset(x for x in data if not x.startswith(PARAM_PREFIX))
        if T.DOMAIN_SUFFIX.search(host_text.strip()) and (carried or w.fold(node.args[0])):
            # Who the user is, or a secret, spelled into the name: a beacon.
            carries = data & (T.SECRET_LABELS | {T.HOSTINFO, T.ENV_ONE})
            w.hit(
                DNS_EXFIL,
                staged(4, 4 if carries else 3, 2),
                node,
                "DNS lookup of a name built from data and a fixed domain",
                0.8,
            )


def hidden_address(w: WalkState, node: ast.Call, name: str, address: Labels) -> None:
    """A destination decoded from base64/hex or built from char codes: hidden on purpose."""
    if not address & T.HIDDEN_LABELS or w.literal_depth:
        return
    target = w.literal_text(node.args[0]) if node.args else ""
    if suspicious_url(target):
        # Hidden, and a webhook, paste, tunnel or raw IP once decoded: nobody encodes
        # such an address but to keep it from a reviewer, whoever calls the routine.
        w.scope.suspicious_peer = True
        what = f"{name}() talks to a webhook, paste, tunnel or raw-IP host it hides by encoding"
        w.hit(SUSPICIOUS_HOST, payload_sev(4), node, what, 0.85)
    else:
        suspicious_peer(w, node, f"{name}() talks to an address it hides by encoding")


def _network_call(w: WalkState, c: CallSite) -> Labels | None:
    node, name, data = c.node, c.name, c.data
    address = c.first | c.kwargs.get("url", EMPTY)
    if name in _DOWNLOADERS:
        data = address  # the other argument is where the download lands, not sent
    hidden_address(w, node, name, address)
    network(w, node, data, name)
    if name in _DOWNLOADERS:
        w.scope.net_write = w.scope.net_write or node.lineno
    if name == "socket.create_connection":
        w.sockets_seen = True
        w.scope.socket_connect = True
        return frozenset({T.SOCKET})
    where = w.literal_text(node)
    if T.METADATA in data or T.METADATA_PATTERN.search(where):
        return frozenset({T.NETDATA, T.CRED})  # instance credentials
    if IP_LOOKUP.search(where):
        return frozenset({T.NETDATA, T.HOSTINFO})  # the machine's public address
    return frozenset({T.NETDATA})


def _socket(w: WalkState, c: CallSite) -> Labels | None:
    w.caps.add(Capability.NETWORK)
    w.sockets_seen = True
    return frozenset({T.SOCKET})


def _network_object(w: WalkState, c: CallSite) -> Labels | None:
    w.caps.add(Capability.NETWORK)
    if c.name.rsplit(".", 1)[-1] in _HTTP_CONNECTIONS and _raw_public_host(c.node):
        suspicious_peer(w, c.node, f"{c.name}() connects to a raw public IP address")
    return frozenset({T.NETOBJ}) | (c.data & {T.METADATA})


def out_of_band(w: WalkState, node: ast.Call, doing: str, text: str) -> None:
    """A request to an out-of-band testing address: a payload wherever it runs, since
    calling it is the whole of what a probe does."""
    probe = OOB_ADDRESS.search(text)
    if probe:
        what = f"{doing} an out-of-band testing address ({probe.group(0)})"
        w.hit(OOB_PROBE, payload_sev(4), node, what, 0.85)


def _browser(w: WalkState, c: CallSite) -> Labels | None:
    """A page opened in the user's browser: the request reports home as any other would."""
    out_of_band(w, c.node, f"{c.name}() opens", w.literal_text(c.node))
    return EMPTY


def _request(w: WalkState, c: CallSite) -> Labels | None:
    return c.data


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(T.SOCKET_CONSTRUCTORS, _socket),
    # After the constructors: `socket.create_connection` connects as well.
    **dict.fromkeys(T.NETWORK_CALLS, _network_call),
    **dict.fromkeys(T.NETOBJ_CONSTRUCTORS, _network_object),
    **dict.fromkeys(T.REQUEST_BUILDERS, _request),
    **dict.fromkeys(
        ("webbrowser.open", "webbrowser.open_new", "webbrowser.open_new_tab"), _browser
    ),
}


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
