"""The reading machinery behind `pycustoms.archive.PackageReader`.

One `ArchiveWalker` per package: it holds the limits and the running counts shared by
the package and every archive nested in it, and turns hostile input into
findings. Formats: zip (wheel, egg, zip sdist), tar (plain, gzip, bzip2, xz),
single compressed files, directories.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Self

from pycustoms.archive.base import (
    DUPLICATE,
    NESTED_TOO_DEEP,
    NESTED_UNSAFE,
    SYMLINK,
    UNSCANNABLE,
    BoundedStream,
    Format,
    Limits,
    Member,
    Readable,
    check_name,
    common_top,
    decompressor,
    inner_name,
    read_capped,
    sniff,
    strip_top,
    zip_directory_precheck,
)
from pycustoms.archive.layout import check_gzip_end, check_single_reading, check_zip_layout
from pycustoms.errors import UnscannableError
from pycustoms.types import Finding, PackageKind, Severity

SKIP_DIRS = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules"})
_MAX_PROBLEMS = 100
_MAX_LINK_NOTES = 5  # links inside the tree are noted, a few per package
_HEAD = 512
_TAR_META_TYPES = frozenset(
    {
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
    }
)
_TAR_META_MAX = 1024**2
# `zipfile` inflates deflate with an output bound, but hands bzip2 and LZMA members
# to a decompressor without one: 4 KiB of bzip2 blocks of zeros unpack to 4 GB in
# a single call. The public index has accepted only these two methods since 2016.
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


class ArchiveWalker:
    """The reading machinery: one per package, shared by its nested archives."""

    def __init__(
        self,
        limits: Limits,
        problems: list[Finding],
        max_binary: int | None,
        is_binary: Callable[[str, bytes], bool],
    ) -> None:
        self.limits = limits
        self.problems = problems
        self.links = 0
        self.max_binary = max_binary
        self.is_binary = is_binary
        self.count_ = 0
        self.total = 0

    # -- bookkeeping ---------------------------------------------------------

    def fatal(self, reason: str, member: str | None) -> None:
        self.problems.append(Finding(UNSCANNABLE, Severity.CRITICAL, reason, file=member))

    def unsafe(self, depth: int, reason: str, member: str | None) -> None:
        if depth == 0:
            self.fatal(reason, member)
        else:
            self.problems.append(Finding(NESTED_UNSAFE, Severity.MEDIUM, reason, file=member))
        if len(self.problems) > _MAX_PROBLEMS:
            raise UnscannableError(f"more than {_MAX_PROBLEMS} problems; stopped reading")

    def count(self, member: str, more: int = 1) -> None:
        self.count_ += more
        if self.count_ > self.limits.max_members:
            raise UnscannableError(f"more than {self.limits.max_members} members", member=member)

    def take(self, size: int, member: str) -> None:
        self.total += size
        if self.total > self.limits.max_total_bytes:
            raise UnscannableError(
                f"package unpacks to more than {self.limits.max_total_bytes} bytes", member=member
            )

    def room(self) -> int:
        """The most bytes the next member may have."""
        return max(0, min(self.limits.max_file_bytes, self.limits.max_total_bytes - self.total))

    def stream(self, inner: Readable, compressed: int) -> BoundedStream:
        lim = self.limits
        cap = lim.max_total_bytes - self.total + 4096 * (lim.max_members + 1)
        return BoundedStream(
            inner,
            cap=cap,
            compressed=compressed,
            max_ratio=lim.max_ratio,
            ratio_floor=lim.ratio_floor,
        )

    def read(
        self, handle: Readable, path: str, depth: int, declared: int | None, packed: int | None
    ) -> Member:
        """Read one member with every limit applied to the bytes actually produced."""
        lim = self.limits
        room = self.room()
        cap = room if declared is None else min(room, declared)
        head = b""
        if self.max_binary is not None and (declared is None or declared > self.max_binary):
            head = read_capped(handle, min(cap + 1, self.max_binary))
            if len(head) == self.max_binary and self.is_binary(path, head):
                # Only the head is decompressed and held, so only the head counts
                # against the byte limits: the rest is never produced, whatever
                # size the header claims (CUDA libraries exceed 512 MiB).
                self.take(len(head), path)
                return Member(path, head, depth, full_size=declared or len(head))
        if declared is not None and declared > lim.max_file_bytes:
            raise UnscannableError(
                f"member is larger than {lim.max_file_bytes} bytes", member=path, local=True
            )
        rest = read_capped(handle, cap + 1 - len(head))
        data = head + rest if head else rest
        if len(data) > lim.max_file_bytes:
            raise UnscannableError(
                f"member is larger than {lim.max_file_bytes} bytes", member=path, local=True
            )
        self.take(len(data), path)
        if packed is not None:
            self.ratio(len(data), packed, path)
        return Member(path, data, depth)

    def ratio(self, size: int, packed: int, path: str) -> None:
        """Refuse a member of *size* bytes packed into *packed* beyond the ratio limit."""
        lim = self.limits
        if size > lim.ratio_floor and size > max(packed, 1) * lim.max_ratio:
            raise UnscannableError(
                f"member compression ratio exceeds {lim.max_ratio}:1 (zip bomb?)",
                member=path,
                local=True,
            )

    def can_descend(self, member: Member) -> bool:
        if member.depth + 1 <= self.limits.max_depth:
            return True
        self.problems.append(
            Finding(
                NESTED_TOO_DEEP,
                Severity.HIGH,
                f"nested archive beyond depth {self.limits.max_depth} was not opened",
                file=member.path,
            )
        )
        return False

    # -- dispatch ------------------------------------------------------------

    def top(self, target: Path, kind: PackageKind) -> Iterator[Member]:
        """Every member of *target*; problems go to the list, never out."""
        try:
            if kind is PackageKind.DIRECTORY:
                yield from self.directory(target)
            else:
                with _open_regular(target, follow=True) as handle:
                    yield from self.file(handle, target.name, kind)
        except UnscannableError as exc:
            self.fatal(str(exc), exc.member)
        except UnicodeDecodeError:
            self.fatal("a member name is not valid UTF-8 (undecodable name)", None)
        except Exception as exc:  # noqa: BLE001 - fail closed: any error means unscannable
            self.fatal(f"unreadable, corrupt or truncated ({type(exc).__name__}: {exc})", None)

    def file(self, handle: IO[bytes], name: str, kind: PackageKind) -> Iterator[Member]:
        """The members of a target file, by its kind and its magic bytes."""
        size = os.fstat(handle.fileno()).st_size
        fmt = sniff(handle.read(_HEAD))
        handle.seek(0)
        if kind is PackageKind.FILE:
            yield from self.emit(self.read(handle, name, 0, size, None))
        elif kind in (PackageKind.WHEEL, PackageKind.EGG):
            if fmt != "zip":
                raise UnscannableError(f"not a zip archive (unknown format) for a {kind}")
            yield from self.zip(handle, size, "", 0, strip=False)
        elif fmt == "zip":
            yield from self.zip(handle, size, "", 0, strip=True)
        elif fmt is not None or name.lower().endswith(".tar"):
            check_single_reading(handle, size, fmt or "tar")
            yield from self.tar(handle, fmt or "tar", size, "", 0, strip=True)
            if fmt == "gz":
                check_gzip_end(handle, size)
        else:
            raise UnscannableError("not a zip or tar archive (unknown format)")

    def emit(self, member: Member) -> Iterator[Member]:
        """Yield *member*, then the members inside it if it is an archive."""
        yield member
        if not member.truncated and sniff(member.data[:_HEAD]) is not None:
            yield from self.nested(member)

    def nested(self, member: Member) -> Iterator[Member]:
        """The members of the archive held in *member* (one level deeper)."""
        fmt = sniff(member.data[:_HEAD])
        if fmt is None or not self.can_descend(member):
            return
        handle = io.BytesIO(member.data)
        prefix, depth, size = member.path + "!", member.depth + 1, len(member.data)
        try:
            if fmt == "zip":
                yield from self.zip(handle, size, prefix, depth, strip=False)
            elif fmt == "tar" or self.holds_tar(handle, fmt, size):
                yield from self.tar(handle, fmt, size, prefix, depth, strip=False)
            else:  # one compressed file, such as data.json.gz
                handle.seek(0)
                stream = self.stream(decompressor(fmt, handle), size)
                path = prefix + inner_name(member.path)
                self.count(path)
                yield from self.emit(self.read(stream, path, depth, None, size))
        except UnscannableError as exc:
            if not exc.local:
                raise  # the package's own budget (bytes, members) is spent: stop everything
            # A test fixture of zeros inside a nested zip is not the package's bomb:
            # stop reading that inner archive and say so.
            self.unsafe(depth, f"nested archive not read to the end: {exc}", exc.member)
        except Exception as exc:  # noqa: BLE001 - a broken inner archive is a finding
            self.unsafe(depth, f"corrupt nested archive ({type(exc).__name__}: {exc})", member.path)

    def holds_tar(self, handle: IO[bytes], fmt: Format, size: int) -> bool:
        """True if the compressed stream in *handle* starts with a tar header."""
        handle.seek(0)
        head = read_capped(self.stream(decompressor(fmt, handle), size), _HEAD)
        handle.seek(0)
        return sniff(head) == "tar"

    # -- formats -------------------------------------------------------------

    def zip(
        self, handle: IO[bytes], size: int, prefix: str, depth: int, *, strip: bool
    ) -> Iterator[Member]:
        zip_directory_precheck(handle, size, self.limits.max_members)
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            if self.count_ + len(infos) > self.limits.max_members:
                raise UnscannableError(
                    f"more than {self.limits.max_members} members", member=prefix
                )
            check_overlap(infos, size, prefix)
            if depth == 0:  # what installers read: one meaning for the whole file
                check_zip_layout(handle, size, infos, archive.start_dir)
            names = [(info, *check_name(info.orig_filename)) for info in infos]
            top = common_top((n, i.is_dir()) for i, n, p in names if p is None) if strip else None
            seen: set[str] = set()
            produced = 0
            lim = self.limits
            for info, name, problem in names:
                path = prefix + strip_top(name, top)
                self.count(path)
                reason = problem or zip_type_problem(info)
                if reason is None and duplicate_name(seen, name):
                    self.duplicate(depth, prefix + name)
                if reason:
                    self.unsafe(depth, reason, prefix + name)
                    continue
                if info.is_dir():
                    continue
                self.ratio(info.file_size, info.compress_size, path)
                with archive.open(info) as member_handle:
                    member = self.read(
                        member_handle, path, depth, info.file_size, info.compress_size
                    )
                produced += len(member.data)
                if produced > lim.ratio_floor and produced > max(size, 1) * lim.max_ratio:
                    raise UnscannableError(
                        f"archive compression ratio exceeds {lim.max_ratio}:1 (zip bomb?)",
                        member=path,
                        local=True,
                    )
                yield from self.emit(member)

    def tar(
        self, raw: IO[bytes], fmt: Format, size: int, prefix: str, depth: int, *, strip: bool
    ) -> Iterator[Member]:
        plan: list[str | None] | None = None
        top: str | None = None
        if strip:  # a first pass over the headers finds the top directory and checks names
            raw.seek(0)
            plan, listing = self.tar_plan(raw, fmt, size, prefix, depth)
            top = common_top(listing)
            self.count_ -= len(plan)  # counted again while reading
        raw.seek(0)
        seen: set[str] = set()
        stream = self.stream(decompressor(fmt, raw), size)
        with _open_tar(stream) as archive:
            for index, info in enumerate(archive):
                if plan is None:
                    name = self.tar_check(info, prefix, depth, seen)
                elif index < len(plan):
                    name = plan[index]
                else:
                    raise UnscannableError("archive changed while it was read", member=prefix)
                self.count(prefix + info.name)
                handle = archive.extractfile(info) if name is not None else None
                if name is None or handle is None:
                    continue
                path = prefix + strip_top(name, top)
                with handle:
                    member = self.read(handle, path, depth, info.size, None)
                yield from self.emit(member)

    def tar_plan(
        self, raw: IO[bytes], fmt: Format, size: int, prefix: str, depth: int
    ) -> tuple[list[str | None], list[tuple[str, bool]]]:
        plan: list[str | None] = []
        listing: list[tuple[str, bool]] = []
        seen: set[str] = set()
        declared = 0
        stream = self.stream(decompressor(fmt, raw), size)
        with _open_tar(stream) as archive:
            for info in archive:
                self.count(prefix + info.name)
                name = self.tar_check(info, prefix, depth, seen)
                plan.append(name)
                if name is not None or info.isdir():
                    listing.append((check_name(info.name)[0], info.isdir()))
                declared += info.size if name is not None else 0
                if declared > self.limits.max_total_bytes - self.total:
                    raise UnscannableError(
                        f"package declares more than {self.limits.max_total_bytes} bytes",
                        member=prefix + info.name,
                    )
        return plan, listing

    def duplicate(self, depth: int, member: str) -> None:
        """Note a repeated member name. Every copy is still read and scanned, so the
        copy an installer would keep (usually the last) cannot hide behind the first."""
        if depth == 0:
            message = "member name appears more than once; every copy is scanned"
            self.problems.append(Finding(DUPLICATE, Severity.MEDIUM, message, file=member))

    def tar_link(self, info: tarfile.TarInfo, name: str, prefix: str) -> str | None:
        """A problem for a link that leaves the archive's tree, else None (noted, skipped).

        Nothing is ever extracted here, and installers resolve a link that stays
        inside the tree to a file of the same archive (time-zone databases ship
        hundreds of hard links), so only links that escape are unsafe.
        """
        kind = "symbolic" if info.issym() else "hard"
        base = posixpath.dirname(name) if info.issym() else ""
        target = posixpath.normpath(posixpath.join(base, info.linkname.replace("\\", "/")))
        if info.linkname.startswith(("/", "\\")) or target == ".." or target.startswith("../"):
            return f"{kind} link member pointing outside the archive (to {info.linkname!r})"
        self.links += 1
        if self.links <= _MAX_LINK_NOTES:
            message = f"{kind} link to {info.linkname!r} inside the archive (not followed)"
            self.problems.append(Finding(SYMLINK, Severity.LOW, message, file=prefix + name))
        return None

    def tar_check(
        self, info: tarfile.TarInfo, prefix: str, depth: int, seen: set[str]
    ) -> str | None:
        """The normalised name of a regular file member, or None (problem noted, or a dir)."""
        name, problem = check_name(info.name)
        if info.size > self.limits.max_file_bytes:
            # Whatever the type: `tarfile` skips the data of a member of an unknown type
            # 10 KiB at a time, even past the end of the stream, so a size of 2**80 in
            # a 100-byte file would never finish.
            raise UnscannableError(
                f"member is larger than {self.limits.max_file_bytes} bytes", member=prefix + name
            )
        if problem is None:
            if info.issym() or info.islnk():
                problem = self.tar_link(info, name, prefix)
                if problem is None:
                    return None
            elif info.ischr() or info.isblk() or info.isfifo():
                problem = "device or fifo member"
            elif info.isdir():
                return None
            elif not info.isreg():
                problem = f"unsupported tar member type {info.type!r}"
            elif info.issparse():
                # Its holes are made up by `tarfile`, not read from the stream: a few
                # hundred bytes would unpack to gigabytes past the ratio limit.
                problem = "sparse member (its holes would unpack to more than the file holds)"
            elif duplicate_name(seen, name):
                self.duplicate(depth, prefix + name)
        if problem is not None:
            self.unsafe(depth, problem, prefix + name)
            return None
        return name

    def directory(self, root: Path) -> Iterator[Member]:
        pending: list[tuple[str, str]] = [(str(root), "")]
        while pending:
            current, rel = pending.pop()
            with os.scandir(current) as scan:
                entries = sorted(scan, key=lambda e: e.name)
            subdirs: list[tuple[str, str]] = []
            for entry in entries:
                path = rel + entry.name
                self.count(path)
                problem = check_name(path)[1]
                if problem is not None:
                    self.unsafe(0, problem, path)
                elif entry.is_symlink():
                    self.symlink(root, entry.path, path)
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        subdirs.append((entry.path, path + "/"))
                elif not entry.is_file(follow_symlinks=False):
                    self.unsafe(0, "not a regular file (device, fifo or socket)", path)
                else:
                    try:
                        handle = _open_regular(Path(entry.path), follow=False)
                    except (OSError, UnscannableError) as exc:
                        self.unsafe(0, f"cannot read file ({exc})", path)
                        continue
                    with handle:
                        size = os.fstat(handle.fileno()).st_size
                        member = self.read(handle, path, 0, size, None)
                    yield from self.emit(member)
            pending.extend(reversed(subdirs))

    def symlink(self, root: Path, where: str, path: str) -> None:
        link = Path(where)
        target = str(link.readlink())
        resolved = os.path.normpath(link.parent / target)
        base = os.path.normpath(root)
        if resolved == base or resolved.startswith(base + os.sep):
            message = f"symbolic link to {target!r} (not followed)"
            self.problems.append(Finding(SYMLINK, Severity.LOW, message, file=path))
        else:
            self.unsafe(0, f"symbolic link pointing outside the tree (to {target!r})", path)


def _open_regular(path: Path, *, follow: bool) -> IO[bytes]:
    """Open a regular file without blocking on fifos or devices; refuse anything else."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnscannableError("not a regular file (device, fifo or socket)", member=path.name)
    return os.fdopen(fd, "rb")


class _GuardedTarInfo(tarfile.TarInfo):
    """Refuses a pax or GNU long-name header that declares more than 1 MiB.

    `tarfile` reads such a header's whole body into memory before we see any
    member, so its size is checked as soon as the 512-byte block is parsed.
    """

    @classmethod
    def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> Self:
        info = super().frombuf(buf, encoding, errors)
        if info.type in _TAR_META_TYPES and info.size > _TAR_META_MAX:
            raise UnscannableError(f"tar extended header of {info.size} bytes is too large")
        return info


def _open_tar(stream: BoundedStream) -> tarfile.TarFile:
    """A forward-only tar reader; names that are not UTF-8 keep their bytes as surrogates."""
    return tarfile.open(
        None,
        "r|",
        stream,
        tarinfo=_GuardedTarInfo,
        encoding="utf-8",
        errors="surrogateescape",
    )


def duplicate_name(seen: set[str], name: str) -> str | None:
    """A problem if *name* is in *seen* (else add it there)."""
    if name in seen:
        return "duplicate member name"
    seen.add(name)
    return None


def zip_type_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a zip entry is not a plain file or directory (encrypted, link, device), if so."""
    if info.flag_bits & 0x1:
        return "encrypted member"
    if info.compress_type not in _ZIP_METHODS:
        return f"member compressed with method {info.compress_type} (only stored and deflate)"
    if info.create_system != 3:  # the high bits are a Unix mode only when made on Unix
        return None
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "symbolic link member"
    if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
        return "device, fifo or socket member"
    return None


def check_overlap(infos: list[zipfile.ZipInfo], size: int, prefix: str) -> None:
    """Refuse entries whose data overlap (the "overlapping files" zip bomb)."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for this, after in zip(ordered, [*ordered[1:], None], strict=False):
        end = this.header_offset + 30 + this.compress_size
        if end > (after.header_offset if after is not None else size):
            raise UnscannableError("zip members overlap (zip bomb?)", member=prefix + this.filename)
