"""The case-file container: one canonical zip layout, written by export and proved by verify.

A case file is a zip, but "any zip holding the right members" is not good enough in court: a zip has
headers, timestamps, comments, gaps and a central directory that streaming extractors ignore, so two
files with the same members can show different things to different tools. Composer therefore writes
exactly one byte sequence for a given set of members (docs/case-format.md):

* members in a fixed order: manifest.json, manifest.sig, signer.pub, then every other member sorted
  by its name's bytes; names are lower-case ASCII ``[a-z0-9._-]``, at most one folder level;
* every member STORED (method 0: deflate output differs between zlib builds, which would make
  canonicity impossible to prove on another machine), no data descriptors, no extra fields;
* every local and central header field fixed (version 2.0, flags 0, 1980-01-01 00:00:00,
  attributes 0); CRC-32 and sizes are those of the data;
* local entries back to back from offset 0, the central directory right after them, then a plain
  end-of-central-directory record with no comment, and nothing else (no zip64).

`serialise` writes that layout; `ZipReader` parses any zip strictly and bounded (declared sizes
checked before anything is read, every member streamed with caps, deflate inflated in bounded
chunks), and `ZipReader.is_canonical` proves canonicity by re-serialising the parsed members and
comparing the result byte for byte with the file, streaming both so memory stays bounded.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Mapping, Optional, Sequence

from composer.errors import CaseFileError

CONTAINER_FORMAT = "composer-canonical-zip/1"   # named in the signed manifest ("container")
HEAD_MEMBERS = ("manifest.json", "manifest.sig", "signer.pub")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}(/[a-z0-9][a-z0-9._-]{0,199})?$")

# Hard limits: real cases are a few MiB; these only bound what a hostile file can cost.
MAX_FILE_BYTES = 512 << 20
MAX_MEMBER_BYTES = 128 << 20     # one member, uncompressed
MAX_TOTAL_BYTES = 512 << 20      # all members, uncompressed
MAX_MEMBERS = 20_000
MAX_CENTRAL_DIR_BYTES = 8 << 20
CHUNK = 1 << 20

LOCAL_SIG, CENTRAL_SIG, EOCD_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_LOCAL = struct.Struct("<4sHHHHHIIIHH")              # 30 bytes
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")      # 46 bytes
_EOCD = struct.Struct("<4sHHHHIIH")                  # 22 bytes
VERSION = 20                  # "2.0": stored members, no zip64
DOS_TIME, DOS_DATE = 0, (0 << 9) | (1 << 5) | 1      # 1980-01-01 00:00:00
STORED, DEFLATED = 0, 8


class ContainerError(CaseFileError):
    """The file is not a zip this reader accepts (unreadable, over a limit, or malformed)."""


def check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise ContainerError(f"the member name {name[:80]!r} is not allowed in a case file.")


def canonical_order(names: Iterable[str]) -> list[str]:
    """manifest.json, manifest.sig, signer.pub (those present), then the rest by name bytes."""
    names = list(names)
    head = [n for n in HEAD_MEMBERS if n in names]
    return head + sorted((n for n in names if n not in HEAD_MEMBERS), key=lambda n: n.encode("ascii"))


def local_header(name: str, crc: int, size: int) -> bytes:
    raw = name.encode("ascii")
    return _LOCAL.pack(LOCAL_SIG, VERSION, 0, STORED, DOS_TIME, DOS_DATE, crc, size, size, len(raw), 0) + raw


def central_header(name: str, crc: int, size: int, offset: int) -> bytes:
    raw = name.encode("ascii")
    return _CENTRAL.pack(CENTRAL_SIG, VERSION, VERSION, 0, STORED, DOS_TIME, DOS_DATE, crc, size, size,
                         len(raw), 0, 0, 0, 0, 0, offset) + raw


def end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return _EOCD.pack(EOCD_SIG, 0, 0, count, count, cd_size, cd_offset, 0)


@dataclass(frozen=True)
class MemberInfo:
    """What the canonical layout needs to know about a member (its data comes separately)."""
    name: str
    size: int
    crc: int


def canonical_chunks(members: Sequence[MemberInfo], data: Callable[[MemberInfo], Iterable[bytes]]) -> Iterator[bytes]:
    """The canonical file for `members` (taken in the given order) as a stream of chunks;
    `data(member)` yields the member's bytes."""
    offset, central = 0, []
    for m in members:
        header = local_header(m.name, m.crc, m.size)
        central.append(central_header(m.name, m.crc, m.size, offset))
        yield header
        yield from data(m)
        offset += len(header) + m.size
    cd = b"".join(central)
    yield cd
    yield end_record(len(members), len(cd), offset)


def serialise(files: Mapping[str, bytes]) -> bytes:
    """The canonical case-file bytes for `files` (name -> data)."""
    names = canonical_order(files)
    for name in names:
        check_name(name)
    if len(names) > MAX_MEMBERS or sum(len(files[n]) for n in names) > MAX_TOTAL_BYTES:
        raise ContainerError("the case is larger than a case file may be.")
    if any(len(files[n]) > MAX_MEMBER_BYTES for n in names):
        raise ContainerError("a file in the case is larger than a case file member may be.")
    members = [MemberInfo(n, len(files[n]), zlib.crc32(files[n])) for n in names]
    return b"".join(canonical_chunks(members, lambda m: [files[m.name]]))


@dataclass(frozen=True)
class Entry:
    """One central-directory entry, with where its data lies in the file."""
    name: str
    index: int
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    local_offset: int
    data_offset: int
    local_end: int        # offset just past its data


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int
    crc: int


class ZipReader:
    """A strict, bounded zip reader over an open file. Raises ContainerError for anything it cannot
    read safely; `structure_problems` lists layout faults a lenient reader would ignore."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            raise ContainerError(f"{self.path} does not exist.") from None
        except IsADirectoryError:
            raise ContainerError(f"{self.path} is a folder, not a case file.") from None
        except OSError as e:
            raise ContainerError(f"cannot read {self.path} ({e.strerror or e}).") from e
        self._f: BinaryIO = os.fdopen(fd, "rb")
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ContainerError(f"{self.path} is not a regular file.")
            self.file_size = st.st_size
            if self.file_size > MAX_FILE_BYTES:
                raise ContainerError(f"{self.path} is {self.file_size >> 20} MiB, more than a case file may be "
                                     f"({MAX_FILE_BYTES >> 20} MiB).")
            self.structure_problems: list[str] = []
            self.entries: list[Entry] = self._parse()
        except BaseException:
            self._f.close()
            raise
        self.by_name = {e.name: e for e in self.entries}
        self._digests: Optional[dict[str, Digest]] = None
        self.member_errors: dict[str, str] = {}   # members that cannot be read back (CRC, size, inflate)

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> "ZipReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- parsing -------------------------------------------------------------------------
    def _read_at(self, offset: int, n: int) -> bytes:
        self._f.seek(offset)
        data = self._f.read(n)
        if len(data) != n:
            raise ContainerError(f"{self.path} is truncated (it ends inside a zip header).")
        return data

    def _parse(self) -> list[Entry]:
        if self.file_size < _EOCD.size:
            raise ContainerError(f"{self.path} is not a zip file (too short).")
        tail_len = min(self.file_size, _EOCD.size + 0xFFFF)
        tail = self._read_at(self.file_size - tail_len, tail_len)
        pos = tail.rfind(EOCD_SIG)
        while pos >= 0 and pos + _EOCD.size > len(tail):
            pos = tail.rfind(EOCD_SIG, 0, pos)
        if pos < 0:
            raise ContainerError(f"{self.path} is not a zip file (no end-of-central-directory record).")
        eocd_offset = self.file_size - tail_len + pos
        _, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, comment_len = _EOCD.unpack_from(tail, pos)
        if disk or cd_disk or n_disk != n_total:
            raise ContainerError(f"{self.path} claims to span several disks: not a case file.")
        if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            raise ContainerError(f"{self.path} uses zip64: not a case file.")
        if n_total > MAX_MEMBERS or cd_size > MAX_CENTRAL_DIR_BYTES:
            raise ContainerError(f"{self.path} lists {n_total} members: more than a case file may hold.")
        if eocd_offset + _EOCD.size + comment_len != self.file_size:
            self.structure_problems.append("bytes follow the end of the zip (appended data or a comment "
                                           "that does not match its length)")
        elif comment_len:
            self.structure_problems.append("the zip has a comment")
        if cd_offset + cd_size != eocd_offset:
            self.structure_problems.append("the central directory does not end where the end record begins")
        if cd_offset + cd_size > self.file_size:
            raise ContainerError(f"{self.path} is truncated (its central directory lies past the end).")
        cd = self._read_at(cd_offset, cd_size)
        entries, p, names = [], 0, set()
        for i in range(n_total):
            if p + _CENTRAL.size > len(cd) or cd[p:p + 4] != CENTRAL_SIG:
                raise ContainerError(f"{self.path} has a damaged central directory (entry {i}).")
            (_, _made, _need, flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen, _disk, _ia, _ea,
             loff) = _CENTRAL.unpack_from(cd, p)
            raw = cd[p + _CENTRAL.size:p + _CENTRAL.size + nlen]
            p += _CENTRAL.size + nlen + xlen + clen
            if p > len(cd):
                raise ContainerError(f"{self.path} has a damaged central directory (entry {i}).")
            try:
                name = raw.decode("ascii")
            except UnicodeDecodeError:
                raise ContainerError(f"{self.path} holds a member whose name is not ASCII.") from None
            check_name(name)
            if name in names:
                raise ContainerError(f"{self.path} lists {name} twice: it has been tampered with.")
            names.add(name)
            if flags & 0x1:
                raise ContainerError(f"{name} is encrypted: not a case file.")
            if method not in (STORED, DEFLATED):
                raise ContainerError(f"{name} uses compression method {method}: not a case file.")
            if usize > MAX_MEMBER_BYTES:
                raise ContainerError(f"{name} declares {usize} bytes, more than a case file member may hold "
                                     f"({MAX_MEMBER_BYTES >> 20} MiB).")
            if method == STORED and csize != usize:
                raise ContainerError(f"{name} is stored but its two sizes differ.")
            if loff + _LOCAL.size > cd_offset:
                raise ContainerError(f"{name}'s local header lies outside the member area.")
            lh = _LOCAL.unpack(self._read_at(loff, _LOCAL.size))
            if lh[0] != LOCAL_SIG:
                raise ContainerError(f"{name}'s local header is missing or damaged.")
            lname = self._read_at(loff + _LOCAL.size, lh[9])
            if lname != raw:
                self.structure_problems.append(f"{name}'s local header names {lname[:80]!r}")
            if (lh[3], lh[2] & ~0x8) != (method, flags & ~0x8) or (not lh[2] & 0x8 and
                                                                   (lh[6], lh[7], lh[8]) != (crc, csize, usize)):
                self.structure_problems.append(f"{name}'s local header disagrees with the central directory")
            data_offset = loff + _LOCAL.size + lh[9] + lh[10]
            end = data_offset + csize
            if end > cd_offset:
                raise ContainerError(f"{name}'s data runs past the member area (truncated or forged sizes).")
            if flags & 0x8:   # a data descriptor follows the data (legacy streaming writers)
                end += 16 if self._read_at(end, 4) == b"PK\x07\x08" else 12
            entries.append(Entry(name, i, method, flags, crc, csize, usize, loff, data_offset, end))
        if p != len(cd):
            self.structure_problems.append("the central directory holds bytes that belong to no entry")
        if sum(e.size for e in entries) > MAX_TOTAL_BYTES:
            raise ContainerError(f"{self.path} declares more than {MAX_TOTAL_BYTES >> 20} MiB of content: "
                                 "not a case file.")
        # Every byte before the central directory must belong to a listed member, in order.
        expect = 0
        for e in sorted(entries, key=lambda e: e.local_offset):
            if e.local_offset != expect:
                self.structure_problems.append(
                    "bytes before or between the members that the central directory does not list "
                    "(prepended data or hidden local entries)" if e.local_offset > expect
                    else "members overlap")
                break
            expect = e.local_end
        else:
            if expect != cd_offset:
                self.structure_problems.append("bytes between the last member and the central directory "
                                               "(hidden local entries)")
        if [e.local_offset for e in entries] != sorted(e.local_offset for e in entries):
            self.structure_problems.append("the central directory lists the members out of file order")
        return entries

    # ---- members -------------------------------------------------------------------------
    def chunks(self, entry: Entry, cap: int = MAX_MEMBER_BYTES) -> Iterator[bytes]:
        """The member's uncompressed bytes in bounded chunks; ContainerError past its declared size
        or `cap`, on a CRC mismatch, or on damaged compressed data."""
        limit = min(entry.size, cap)
        if entry.size > cap:
            raise ContainerError(f"{entry.name} is {entry.size} bytes, more than it may be ({cap}).")
        crc, total, remaining, pos = 0, 0, entry.compressed_size, entry.data_offset
        inflater = zlib.decompressobj(-15) if entry.method == DEFLATED else None
        while remaining:
            self._f.seek(pos)
            raw = self._f.read(min(CHUNK, remaining))
            if not raw:
                raise ContainerError(f"{entry.name} is truncated.")
            pos += len(raw)
            remaining -= len(raw)
            pieces = [raw] if inflater is None else self._inflate(inflater, raw, entry)
            for piece in pieces:
                total += len(piece)
                if total > limit:
                    raise ContainerError(f"{entry.name} unpacks to more than the {entry.size} bytes it declares "
                                         "(a zip bomb or a forged header).")
                crc = zlib.crc32(piece, crc)
                yield piece
        if inflater is not None and not inflater.eof:
            raise ContainerError(f"{entry.name}'s compressed data is incomplete.")
        if total != entry.size:
            raise ContainerError(f"{entry.name} unpacks to {total} bytes, not the {entry.size} it declares.")
        if crc != entry.crc:
            raise ContainerError(f"{entry.name} fails its CRC-32 check (damaged).")

    @staticmethod
    def _inflate(inflater: "zlib._Decompress", raw: bytes, entry: Entry) -> Iterator[bytes]:
        try:
            out = inflater.decompress(raw, CHUNK)
            yield out
            while inflater.unconsumed_tail:
                out = inflater.decompress(inflater.unconsumed_tail, CHUNK)
                yield out
        except zlib.error as e:
            raise ContainerError(f"{entry.name}'s compressed data is damaged ({e}).") from e

    def read(self, name: str, cap: int) -> bytes:
        """A whole member (at most `cap` bytes); KeyError if absent."""
        entry = self.by_name[name]
        return b"".join(self.chunks(entry, cap))

    def digests(self) -> dict[str, Digest]:
        """SHA-256, size and CRC-32 of every member, streamed once (bounded memory)."""
        if self._digests is None:
            out, total = {}, 0
            for e in self.entries:
                h, crc, size = hashlib.sha256(), 0, 0
                try:
                    for piece in self.chunks(e):
                        h.update(piece)
                        crc = zlib.crc32(piece, crc)
                        size += len(piece)
                        total += len(piece)
                        if total > MAX_TOTAL_BYTES:
                            raise ContainerError(f"{self.path} unpacks to more than {MAX_TOTAL_BYTES >> 20} MiB.")
                except ContainerError as err:
                    if total > MAX_TOTAL_BYTES:
                        raise
                    self.member_errors[e.name] = str(err)   # damaged member: reported, the rest still checked
                    continue
                out[e.name] = Digest(h.hexdigest(), size, crc)
            self._digests = out
        return self._digests

    def is_canonical(self) -> bool:
        """True iff re-serialising the parsed members canonically gives exactly this file's bytes."""
        digests = self.digests()
        if self.member_errors:
            return False
        order = canonical_order(e.name for e in self.entries)
        members = [MemberInfo(n, digests[n].size, digests[n].crc) for n in order]
        expected_size = sum(_LOCAL.size + len(m.name) + m.size + _CENTRAL.size + len(m.name)
                            for m in members) + _EOCD.size
        if expected_size != self.file_size:
            return False
        pos = 0
        for chunk in canonical_chunks(members, lambda m: self.chunks(self.by_name[m.name])):
            self._f.seek(pos)   # the member stream seeks too: compare at our own position
            if self._f.read(len(chunk)) != chunk:
                return False
            pos += len(chunk)
        return pos == self.file_size
