"""Server settings: the `[serve]` table of `pycustoms.toml` and `PYCUSTOMS_*` variables.

The policy (`config.Policy`), the release thresholds (cooldown) and the upstream
settings are parsed by their owners; this module adds what only the server
needs and bundles all four into one immutable `ServerConfig`. `ConfigWatcher`
re-reads the configuration when its file's mtime changes or on SIGHUP and
swaps the bundle atomically (readers hold a reference to one whole snapshot).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from pycustoms.analyzers.provenance.settings import ProvenancePolicy, load_provenance_policy
from pycustoms.analyzers.release.settings import ReleasePolicy, load_release_policy
from pycustoms.config import Policy, load_config
from pycustoms.errors import ConfigError
from pycustoms.settings_base import (
    Field,
    load_fields,
    parse_bool,
    parse_choice,
    parse_count,
    parse_int,
    parse_names,
    parse_nonnegative_seconds,
    parse_port,
    parse_text,
)
from pycustoms.types import ProjectName, Severity
from pycustoms.upstream.parse import parse_time
from pycustoms.upstream.settings import UpstreamSettings, load_upstream_settings


def _hosts(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("expected a list of host names")
    out = tuple(str(v).strip().lower().rstrip(".") for v in items if str(v).strip())
    for host in out:
        if "/" in host or "@" in host or " " in host:
            raise ValueError(f"{host!r} is not a host name (no scheme, path or user)")
    return out


def _specifiers(value: Any) -> tuple[Requirement, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("expected a list of requirements like 'name' or 'name>=1,<2'")
    out: list[Requirement] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            out.append(Requirement(text))
        except InvalidRequirement as exc:
            raise ValueError(f"{text!r} is not a requirement ({exc})") from None
    return tuple(out)


def _date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return parse_time(value.isoformat())
    if isinstance(value, date):  # a bare TOML date: midnight UTC
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = parse_text(value)
    if not text:
        return None
    parsed = parse_time(text if "T" in text else text + "T00:00:00Z")
    if parsed is None:
        raise ValueError(f"{text!r} is not an ISO-8601 date or time")
    return parsed


def _severity(value: Any) -> Severity | None:
    text = parse_text(value).lower()
    if text in {"", "off", "none", "false", "0", "no"}:
        return None
    return Severity.parse(text)


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """What only the server needs. Names are PEP 503-normalised."""

    host: str = "127.0.0.1"
    port: int = 8080
    # None: the index configured for pycustoms (`index-url`), else pip's.
    upstream: str | None = None
    cooldown_exempt: tuple[str, ...] = ()
    exclude_newer: datetime | None = None
    # Non-empty: allow-list mode, only these projects (and versions) exist.
    allow: tuple[Requirement, ...] = ()
    deny: tuple[Requirement, ...] = ()
    wheels_only: bool = False
    require_tokens: bool = False
    # A file the upstream gives no upload time for counts from when this index first saw
    # it (conservative). Set: the upstream is trusted for age (a curated mirror), and
    # such files are served without a cooldown or exclude-newer cut-off.
    trusted_for_age: bool = False
    # Seconds a project page is served before the upstream is asked again.
    page_ttl: float = 300.0
    scan_workers: int = 0
    # Wheels scanned while they download, at once, each in a process of its own (0: off).
    stream_scans: int = 1
    # MiB of a pre-written file that a large download overwrites (see storage/spare.py; 0: off).
    download_spare_mib: int = 256
    # Files of the newest version that the asking installer will pick (read from its
    # User-Agent), fetched and scanned in the background as the page is served.
    prescan: int = 4
    # Background prefetch of the newest release of the N most downloaded projects (by the
    # install log; 0: off), one file every `prefetch-pause` seconds, a round per hour.
    prefetch_popular: int = 0
    prefetch_pause: float = 2.0
    # Seconds a download request waits for its scan before a 503 "retry" (the scan goes on).
    scan_timeout: float = 600.0
    # Block typo- and combosquatted names (the names analyzer, judged by the policy).
    names_check: bool = True
    # Hide releases with a known vulnerability at or above this severity (None: only
    # malware reports, OSV `MAL-`, hide releases). Read from the offline advisory database.
    block_vulnerabilities: Severity | None = None
    # Hosts other than the upstream's own from which its pages may link files (https).
    # Empty: the upstream's origin only, plus pip's own files host when the upstream is
    # pip's default index.
    files_hosts: tuple[str, ...] = ()
    # Largest private upload accepted, in MiB (the body is streamed to disk, never held).
    max_upload_mib: int = 1024
    # What a file whose scan says warn gets: "serve" (the default: warn marks what is worth
    # a look, the block score is where the firewall refuses) or "quarantine" (held for an
    # approver like a block).
    on_warn: str = "serve"
    # PEP 658 metadata (read from the scanned wheel, never the upstream's sidecar) on
    # upstream projects: "upstream" advertises it where the upstream does, so an installer
    # makes the requests it would make there; "always" for every scanned wheel (fewer
    # full downloads when a resolver backtracks, one more request per file otherwise).
    # Private projects always have it.
    core_metadata: str = "upstream"
    # A wheel not scanned yet advertises PEP 658 metadata too, read from its fetched and
    # hash-checked bytes (the wheel itself still waits for its scan): an installer resolves
    # while the scans run rather than one download after another.
    early_metadata: bool = True
    # Redis URL of the scan queue (`pycustoms worker`); None: scans run in this
    # process's own pool (the embedded default).
    broker_url: str | None = None
    # s3://bucket/prefix of a shared object store (storage/s3.py); None: the local store.
    store_url: str | None = None


SERVE_FIELDS: tuple[Field, ...] = (
    Field("host", "serve.host", parse_text, "address to listen on", "HOST", "--host"),
    Field("port", "serve.port", parse_port, "TCP port", "PORT", "--port"),
    Field(
        "upstream",
        "serve.upstream",
        parse_text,
        "upstream simple-API URL or file:// directory (default: pip's)",
        "UPSTREAM",
        "--upstream",
    ),
    Field(
        "cooldown_exempt",
        "serve.cooldown-exempt",
        parse_names,
        "projects served without a cooldown",
        "COOLDOWN_EXEMPT",
    ),
    Field(
        "exclude_newer",
        "serve.exclude-newer",
        _date,
        "hide files uploaded after this date or time",
        "EXCLUDE_NEWER",
    ),
    Field("allow", "serve.allow", _specifiers, "allow-list of requirements", "ALLOW"),
    Field("deny", "serve.deny", _specifiers, "deny-list of requirements", "DENY"),
    Field("wheels_only", "serve.wheels-only", parse_bool, "hide sdists", "WHEELS_ONLY"),
    Field(
        "require_tokens",
        "serve.require-tokens",
        parse_bool,
        "no anonymous access",
        "REQUIRE_TOKENS",
    ),
    Field(
        "trusted_for_age",
        "serve.trusted-for-age",
        parse_bool,
        "no cooldown for files without an upload time",
        "TRUSTED_FOR_AGE",
        "--trusted-for-age",
    ),
    Field(
        "page_ttl",
        "serve.page-ttl",
        parse_nonnegative_seconds,
        "seconds a project page is served before asking the upstream again",
        "PAGE_TTL",
    ),
    Field("scan_workers", "serve.scan-workers", parse_count, "scan processes", "SCAN_WORKERS"),
    Field(
        "stream_scans",
        "serve.stream-scans",
        parse_count,
        "wheels scanned while they download",
        "STREAM_SCANS",
    ),
    Field(
        "download_spare_mib",
        "serve.download-spare-mib",
        parse_count,
        "spare download file (MiB)",
        "DOWNLOAD_SPARE_MIB",
    ),
    Field("prescan", "serve.prescan", parse_count, "files pre-scanned", "PRESCAN"),
    Field(
        "prefetch_popular",
        "serve.prefetch-popular",
        parse_count,
        "prefetch the N most downloaded projects",
        "PREFETCH_POPULAR",
    ),
    Field(
        "prefetch_pause",
        "serve.prefetch-pause",
        parse_nonnegative_seconds,
        "seconds between two prefetched files",
        "PREFETCH_PAUSE",
    ),
    Field(
        "scan_timeout",
        "serve.scan-timeout",
        parse_nonnegative_seconds,
        "seconds a download waits for its scan before a 503",
        "SCAN_TIMEOUT",
    ),
    Field("names_check", "serve.names-check", parse_bool, "names check", "NAMES_CHECK"),
    Field(
        "block_vulnerabilities",
        "serve.block-vulnerabilities",
        _severity,
        "hide releases with a known vulnerability this severe",
        "BLOCK_VULNERABILITIES",
    ),
    Field("files_hosts", "serve.files-hosts", _hosts, "allowed file hosts", "FILES_HOSTS"),
    Field("max_upload_mib", "serve.max-upload-mib", parse_int, "upload limit", "MAX_UPLOAD_MIB"),
    Field(
        "on_warn",
        "serve.on-warn",
        parse_choice("serve", "quarantine"),
        "what a file whose scan says warn gets",
        "ON_WARN",
    ),
    Field(
        "core_metadata",
        "serve.core-metadata",
        parse_choice("upstream", "always"),
        "which upstream wheels advertise PEP 658 metadata",
        "CORE_METADATA",
    ),
    Field(
        "early_metadata",
        "serve.early-metadata",
        parse_bool,
        "metadata of wheels still being scanned",
        "EARLY_METADATA",
    ),
    Field(
        "broker_url",
        "serve.broker-url",
        parse_text,
        "Redis URL of the scan queue that `pycustoms worker` processes take jobs from "
        "(redis://HOST:PORT/DB); unset: this process scans in its own pool",
        flag="--broker-url",
    ),
    Field(
        "store_url",
        "serve.store-url",
        parse_text,
        "S3-compatible object store for the files (s3://BUCKET/PREFIX; endpoint and "
        "credentials from the AWS environment); unset: the data directory's local store",
        flag="--store-url",
    ),
)
assert {f.name for f in fields(ServeSettings)} == {f.attr for f in SERVE_FIELDS}


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """One immutable snapshot of everything the server decides with."""

    policy: Policy
    release: ReleasePolicy
    serve: ServeSettings
    upstream: UpstreamSettings
    # Changes whenever a setting that affects pages changes (part of render cache keys).
    version: str
    sources: tuple[str, ...] = ()
    # Publisher continuity (PEP 740): `provenance`, `provenance-required`, `provenance-approved`.
    provenance: ProvenancePolicy = field(default_factory=ProvenancePolicy)

    @property
    def internal(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Internal names and prefixes (never asked of the upstream)."""
        return self.policy.internal_names, self.policy.internal_prefixes

    def exempt(self, project: ProjectName) -> bool:
        """True if *project* has no cooldown."""
        return project in self.serve.cooldown_exempt


def load_server_config(
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ServerConfig:
    """Read files, environment and flag *overrides*.

    *overrides* holds `ServeSettings` attributes plus `cooldown`, `data_dir` and
    `database_url`.
    """
    env = os.environ if environ is None else environ
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    loaded = load_config(config_file=config_file, environ=env)
    release = load_release_policy(loaded.raw, env, {"cooldown": flags.get("cooldown")})
    upstream = load_upstream_settings(
        loaded.raw, env, {k: flags.get(k) for k in ("data_dir", "database_url")}
    )
    serve = load_fields(ServeSettings(), SERVE_FIELDS, loaded.raw, env, flags)
    provenance = load_provenance_policy(loaded.raw, env)
    facts = (loaded.policy, release, serve, provenance)
    digest = hashlib.sha256(repr(facts).encode()).hexdigest()[:16]
    return ServerConfig(loaded.policy, release, serve, upstream, digest, loaded.sources, provenance)


class ConfigWatcher:
    """Holds the current `ServerConfig`; reloads it when the file changes or on `request_reload`.

    `current()` is cheap enough for every request: at most once a second it
    stats the configuration files. A configuration that fails to load keeps the
    previous one in force (and `last_error` says why).
    """

    def __init__(
        self,
        config_file: Path | None,
        overrides: Mapping[str, Any] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        check_every: float = 1.0,
    ) -> None:
        self._file = config_file
        self._overrides = dict(overrides or {})
        self._environ = environ
        self._check_every = check_every
        self._lock = threading.Lock()
        self._config = self._load()
        self._stamp = self._mtimes()
        self._next_check = time.monotonic() + check_every
        self._forced = False
        self.last_error: str | None = None

    def _load(self) -> ServerConfig:
        return load_server_config(
            config_file=self._file, environ=self._environ, overrides=self._overrides
        )

    def _mtimes(self) -> tuple[float, ...]:
        paths = [p for p in self._config.sources if p != "environment"]
        if self._file is not None:
            paths.append(str(self._file))
        else:
            paths.append(str(Path.cwd() / "pycustoms.toml"))
        stamps: list[float] = []
        for path in paths:
            try:
                stamps.append(os.stat(path).st_mtime)  # noqa: PTH116 - one cheap syscall
            except OSError:
                stamps.append(-1.0)
        return tuple(stamps)

    def request_reload(self) -> None:
        """Reload at the next `current()` call (the SIGHUP handler calls this)."""
        self._forced = True
        self._next_check = 0.0

    def current(self) -> ServerConfig:
        """The configuration in force now."""
        now = time.monotonic()
        if now < self._next_check:
            return self._config
        with self._lock:
            self._next_check = now + self._check_every
            stamp = self._mtimes()
            if stamp != self._stamp or self._forced:
                self._forced = False
                self._stamp = stamp
                try:
                    self._config = self._load()
                    self.last_error = None
                except ConfigError as exc:
                    self.last_error = str(exc)
        return self._config
