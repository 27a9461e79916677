"""Per-workstation Ed25519 signing of case-file manifests.

The key is made on first use in the user's config folder ($XDG_CONFIG_HOME/composer or
~/.config/composer), readable by the owner only (0600). A case file carries the signer's public key;
verification trusts the local key plus any public keys placed in `<keys dir>/trusted_keys/` or
passed explicitly (`composer verify --trust KEYFILE`).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from composer.atomic import atomic_write_bytes
from composer.errors import CaseFileError

PRIVATE_KEY = "signing_key.pem"
PUBLIC_KEY = "signing_key.pub"
TRUSTED_DIR = "trusted_keys"


def default_keys_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "composer"


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    return hashlib.sha256(_raw(public_key)).hexdigest()


def short_fingerprint(fp: str) -> str:
    """First 16 hex digits in groups of four, for people to compare by eye."""
    return " ".join(fp[i:i + 4] for i in range(0, 16, 4))


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(data: bytes, *, what: str = "public key") -> Ed25519PublicKey:
    """PEM (or raw 32-byte) Ed25519 public key; CaseFileError if it is anything else."""
    try:
        key = (Ed25519PublicKey.from_public_bytes(data) if len(data) == 32
               else serialization.load_pem_public_key(data))
    except (ValueError, TypeError) as e:
        raise CaseFileError(f"{what} is not a readable Ed25519 public key ({e}).") from e
    if not isinstance(key, Ed25519PublicKey):
        raise CaseFileError(f"{what} is not an Ed25519 key.")
    return key


@dataclass(frozen=True)
class Signer:
    """This workstation's signing key."""
    private_key: Ed25519PrivateKey
    path: Path

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def load_signer(keys_dir: Path | str | None = None, *, create: bool = True) -> Optional[Signer]:
    """The workstation key, made (0600) on first use when `create`; None if absent and not `create`."""
    folder = Path(keys_dir) if keys_dir is not None else default_keys_dir()
    path = folder / PRIVATE_KEY
    if not path.exists():
        if not create:
            return None
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            atomic_write_bytes(path, pem, mode=0o600)
            atomic_write_bytes(folder / PUBLIC_KEY, public_pem(key.public_key()), overwrite=True, mode=0o644)
        except FileExistsError:
            pass  # another process made it first: use theirs
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise CaseFileError(f"the signing key {path} cannot be read ({e}). Move it aside to make a new "
                            "key (cases signed with the old key then need it trusted explicitly).") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise CaseFileError(f"the signing key {path} is not an Ed25519 key; move it aside to make a new one.")
    return Signer(key, path)


def verify_signature(public_key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, data)
        return True
    except InvalidSignature:
        return False


def trusted_fingerprints(keys_dir: Path | str | None = None, extra_key_files: Iterable[Path | str] = ()) -> set[str]:
    """Fingerprints of the local key, of keys in `<keys dir>/trusted_keys/`, and of `extra_key_files`
    (these must be readable: a mistyped --trust path is an error, not a silent no-op)."""
    folder = Path(keys_dir) if keys_dir is not None else default_keys_dir()
    found: set[str] = set()
    signer = load_signer(folder, create=False)
    if signer is not None:
        found.add(signer.fingerprint)
    trusted = folder / TRUSTED_DIR
    for file in sorted(trusted.iterdir()) if trusted.is_dir() else []:
        try:
            found.add(fingerprint(load_public_key(file.read_bytes(), what=str(file))))
        except (OSError, CaseFileError):
            continue  # a stray file in the folder must not block verification
    for file in extra_key_files:
        try:
            data = Path(file).read_bytes()
        except OSError as e:
            raise CaseFileError(f"cannot read the key file {file} ({e.strerror}).") from e
        found.add(fingerprint(load_public_key(data, what=str(file))))
    return found
