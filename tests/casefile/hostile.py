"""Builders for hostile case files, shared by tests/casefile/test_hostile_*.py and
bench/bench_case_attacks.py. Everything is made in code: no binary fixtures."""
from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Mapping, Optional

from composer.casefile.container import CONTAINER_FORMAT, serialise
from composer.casefile.export import json_bytes, sha256_hex

UNSIGNED = ("manifest.json", "manifest.sig", "signer.pub")


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def resign(files: Mapping[str, bytes], signer, *, manifest_edit: Optional[Callable[[dict], None]] = None,
           container: Optional[str] = CONTAINER_FORMAT) -> dict[str, bytes]:
    """`files` with a fresh manifest (hashes of every non-manifest member), signed by `signer`."""
    from composer.casefile.signing import public_pem
    files = {n: d for n, d in files.items() if n not in UNSIGNED}
    manifest = {"format": "composer-case", "schema_version": 1, "case_id": "X", "algorithm": "Ed25519",
                "signer_fingerprint": signer.fingerprint,
                "files": {n: sha256_hex(d) for n, d in sorted(files.items())}}
    if container is not None:
        manifest["container"] = container
    if manifest_edit:
        manifest_edit(manifest)
    mbytes = json_bytes(manifest)
    return {**files, "manifest.json": mbytes, "manifest.sig": signer.sign(mbytes),
            "signer.pub": public_pem(signer.public_key)}


def raw_resign(files: Mapping[str, bytes], signer, manifest_bytes: bytes) -> dict[str, bytes]:
    from composer.casefile.signing import public_pem
    return {**{n: d for n, d in files.items() if n not in UNSIGNED}, "manifest.json": manifest_bytes,
            "manifest.sig": signer.sign(manifest_bytes), "signer.pub": public_pem(signer.public_key)}


def legacy_zip(files: Mapping[str, bytes], order: Optional[list[str]] = None) -> bytes:
    """The pre-canonical writer: zipfile, current time, PNGs stored and the rest deflated."""
    buf = io.BytesIO()
    names = order or (list(UNSIGNED) + sorted(n for n in files if n not in UNSIGNED))
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 2, 3, 4, 5))
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A small PNG that declares width×height RGB pixels (its IDAT is a short, valid zlib stream)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    comp = zlib.compressobj(9)
    idat = comp.compress(b"\0" * (1 << 16)) + comp.flush()
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def nested_json(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def unknown_algorithm_pub() -> bytes:
    """A PEM SubjectPublicKeyInfo whose algorithm OID (1.2.3.4.5) no library knows."""
    import base64

    def tlv(tag: int, body: bytes) -> bytes:
        n = len(body)
        return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x81, n])) + body
    oid = tlv(0x06, bytes([0x2A, 0x03, 0x04, 0x05]))
    der = tlv(0x30, tlv(0x30, oid) + tlv(0x03, b"\0" + b"\x11" * 32))
    return (b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n")


def rsa_pub() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def local_entry(name: str, data: bytes) -> bytes:
    """A stored local file entry that no central directory lists (a 'hidden' entry)."""
    raw = name.encode()
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data), len(data),
                       len(raw), 0) + raw + data


def insert_hidden_entry(canonical: bytes, name: str, data: bytes, where: str = "end") -> bytes:
    """Put a hidden local entry before the central directory (`end`) or at the start (`start`),
    fixing the central directory offsets so a central-directory reader still sees a valid zip."""
    eocd = canonical[-22:]
    sig, d, cd_d, n1, n2, cd_size, cd_off, clen = struct.unpack("<4sHHHHIIH", eocd)
    hidden = local_entry(name, data)
    members, cd = canonical[:cd_off], canonical[cd_off:cd_off + cd_size]
    if where == "end":
        new_cd_off = cd_off + len(hidden)
        return members + hidden + cd + struct.pack("<4sHHHHIIH", sig, d, cd_d, n1, n2, cd_size, new_cd_off, clen)
    shift = len(hidden)
    out, p = bytearray(), 0
    while p < len(cd):
        head = bytearray(cd[p:p + 46])
        nlen, xlen, clen2 = struct.unpack("<HHH", head[28:34])
        off = struct.unpack("<I", head[42:46])[0] + shift
        head[42:46] = struct.pack("<I", off)
        out += head + cd[p + 46:p + 46 + nlen + xlen + clen2]
        p += 46 + nlen + xlen + clen2
    return hidden + members + bytes(out) + struct.pack("<4sHHHHIIH", sig, d, cd_d, n1, n2, cd_size,
                                                       cd_off + shift, clen)


def bomb_member(expanded: int, chunk: int = 1 << 20) -> bytes:
    """Raw deflate stream of `expanded` zero bytes (about expanded/1030 bytes long)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"\0" * chunk
    parts = [comp.compress(zeros) for _ in range(expanded // chunk)]
    return b"".join(parts) + comp.flush()


def zip_with_raw(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, raw data, method, declared uncompressed size, crc) without checks:
    lets a member lie about its size."""
    out, cd = bytearray(), bytearray()
    for name, raw, method, usize, crc in entries:
        off = len(out)
        n = name.encode()
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(raw), usize,
                           len(n), 0) + n + raw
        cd += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(raw),
                          usize, len(n), 0, 0, 0, 0, 0, off) + n
    count = len(entries)
    return bytes(out) + bytes(cd) + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(cd),
                                                len(out), 0)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def canonical(files: Mapping[str, bytes]) -> bytes:
    return serialise(files)


def record_of(files: Mapping[str, bytes]) -> dict:
    return json.loads(files["record.json"])
