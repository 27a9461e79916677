"""Per-workstation Ed25519 signing of case-file manifests.

The key is made on first use in the user's config folder ($XDG_CONFIG_HOME/composer or
~/.config/composer), readable by the owner only (0600), optionally encrypted with a passphrase.
A case file carries the signer's public key. Verification never opens a private key: it trusts
either exactly the keys given with `--trust KEYFILE` (pinned), or this workstation's public key
(signing_key.pub) plus the public keys in `<keys dir>/trusted_keys/`.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
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


MAX_KEY_FILE_BYTES = 16 << 10
PASSPHRASE_ENV = "COMPOSER_KEY_PASSPHRASE"


def load_public_key(data: bytes, *, what: str = "public key") -> Ed25519PublicKey:
    """PEM (or raw 32-byte) Ed25519 public key; CaseFileError if it is anything else (an unknown or
    unsupported algorithm included: this never raises anything but CaseFileError)."""
    if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_KEY_FILE_BYTES:
        raise CaseFileError(f"{what} is not a public key (too large).")
    try:
        key = (Ed25519PublicKey.from_public_bytes(bytes(data)) if len(data) == 32
               else serialization.load_pem_public_key(bytes(data)))
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise CaseFileError(f"{what} is not a readable Ed25519 public key ({str(e)[:200]}).") from e
    except Exception as e:  # noqa: BLE001 - the key parser is fed hostile bytes; never crash on them
        raise CaseFileError(f"{what} is not a readable Ed25519 public key ({type(e).__name__}).") from e
    if not isinstance(key, Ed25519PublicKey):
        raise CaseFileError(f"{what} is not an Ed25519 key (it is {type(key).__name__.lstrip('_')}).")
    return key


def read_key_file(path: Path | str, *, what: Optional[str] = None) -> bytes:
    """The bytes of a (public) key file: a regular file, not a symbolic link, at most 16 KiB.
    Opened read-only with O_NOFOLLOW; never changes the file. CaseFileError otherwise."""
    path = Path(path)
    what = what or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise CaseFileError(f"{what} is a symbolic link; key files must be plain files.") from e
        raise CaseFileError(f"cannot read the key file {what} ({e.strerror or e}).") from e
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CaseFileError(f"{what} is not a plain file.")
        data = os.read(fd, MAX_KEY_FILE_BYTES + 1)
    except OSError as e:
        raise CaseFileError(f"cannot read the key file {what} ({e.strerror or e}).") from e
    finally:
        os.close(fd)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise CaseFileError(f"{what} is too large to be a public key.")
    return data


def load_public_key_file(path: Path | str) -> Ed25519PublicKey:
    return load_public_key(read_key_file(path), what=str(path))


@dataclass(frozen=True)
class TrustedKey:
    fingerprint: str
    source: str          # "local" (this workstation), "trust_folder", "pinned" (--trust) or "given"
    path: Optional[Path] = None

    def describe(self) -> str:
        if self.source == "local":
            return "this workstation's key"
        if self.source == "trust_folder":
            return f"a key in the trust folder ({self.path.name if self.path else '?'})"
        if self.source == "pinned":
            return f"the key given with --trust ({self.path})"
        return "a trusted key"


@dataclass(frozen=True)
class TrustSet:
    """The keys a verification accepts, where each came from, and what was skipped (stray files)."""
    keys: tuple[TrustedKey, ...]
    pinned: bool = False
    notes: tuple[str, ...] = ()

    @property
    def fingerprints(self) -> set[str]:
        return {k.fingerprint for k in self.keys}

    def find(self, fp: Optional[str]) -> Optional[TrustedKey]:
        return next((k for k in self.keys if k.fingerprint == fp), None)

    @classmethod
    def of(cls, fingerprints: Iterable[str]) -> "TrustSet":
        return cls(tuple(TrustedKey(fp, "given") for fp in sorted(set(fingerprints))), pinned=True)


def local_trust(keys_dir: Path | str | None = None) -> TrustSet:
    """This workstation's public key (signing_key.pub: the private key is never opened) and every
    readable Ed25519 key in `<keys dir>/trusted_keys/`. Unreadable, unsupported or linked files are
    skipped and listed in `notes`, never raised."""
    folder = Path(keys_dir) if keys_dir is not None else default_keys_dir()
    keys: list[TrustedKey] = []
    notes: list[str] = []
    pub = folder / PUBLIC_KEY
    try:
        keys.append(TrustedKey(fingerprint(load_public_key_file(pub)), "local", pub))
    except CaseFileError as e:
        if os.path.lexists(pub) or os.path.lexists(folder / PRIVATE_KEY):
            notes.append(f"this workstation's public key is not usable, so it is not trusted: {e}")
    trusted = folder / TRUSTED_DIR
    try:
        entries = sorted(os.scandir(trusted), key=lambda d: d.name) if trusted.is_dir() else []
    except OSError as e:
        entries = []
        notes.append(f"the trust folder {trusted} cannot be read ({e.strerror or e}).")
    for entry in entries[:1000]:
        try:
            fp = fingerprint(load_public_key_file(entry.path))
        except CaseFileError as e:
            notes.append(f"skipped {entry.path} in the trust folder: {e}")
            continue
        keys.append(TrustedKey(fp, "trust_folder", Path(entry.path)))
    return TrustSet(tuple(keys), pinned=False, notes=tuple(notes))


def pinned_trust(key_files: Iterable[Path | str]) -> TrustSet:
    """Exactly the keys in `key_files` (--trust): nothing else, not even this workstation's key.
    CaseFileError if one cannot be read (a mistyped --trust path is an error, not a silent no-op)."""
    keys = []
    for file in key_files:
        keys.append(TrustedKey(fingerprint(load_public_key_file(file)), "pinned", Path(file)))
    if not keys:
        raise CaseFileError("no key given to trust.")
    return TrustSet(tuple(keys), pinned=True)


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


PassphraseProvider = Callable[[Path], Optional[str]]
_passphrase_provider: Optional[PassphraseProvider] = None


def set_passphrase_provider(provider: Optional[PassphraseProvider]) -> None:
    """Register how a passphrase-protected signing key is unlocked when COMPOSER_KEY_PASSPHRASE is
    not set (the GUI registers a dialog through `SessionPassphrase`; None restores the default:
    a terminal prompt when stdin is a terminal, otherwise none)."""
    global _passphrase_provider
    _passphrase_provider = provider


class SessionPassphrase:
    """A provider that asks once per session (per process) and remembers the answer in memory;
    `forget()` after a wrong passphrase so the next use asks again. Qt-free: `ask(path)` is the
    GUI's dialog (return None when the user cancels)."""

    def __init__(self, ask: Callable[[Path], Optional[str]]) -> None:
        self._ask = ask
        self._cached: Optional[str] = None

    def __call__(self, path: Path) -> Optional[str]:
        if self._cached is None:
            self._cached = self._ask(path)
        return self._cached

    def forget(self) -> None:
        self._cached = None


def _terminal_prompt(path: Path) -> Optional[str]:
    if not (sys.stdin and sys.stdin.isatty()):
        return None
    import getpass
    return getpass.getpass(f"Passphrase for the signing key {path}: ")


def _passphrase(path: Path, explicit: Optional[str]) -> Optional[str]:
    if explicit is not None:
        return explicit
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    return (_passphrase_provider or _terminal_prompt)(path)


def private_pem(key: Ed25519PrivateKey, passphrase: Optional[str] = None) -> bytes:
    """PKCS#8 PEM, encrypted with the passphrase when one is given."""
    enc = (serialization.BestAvailableEncryption(passphrase.encode("utf-8")) if passphrase
           else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def create_signing_key(keys_dir: Path | str | None = None, passphrase: Optional[str] = None) -> "Signer":
    """Make a new workstation key (0600, encrypted when `passphrase`) and its .pub (0644).
    FileExistsError if a key is already there (see `rotate_signing_key`)."""
    folder = Path(keys_dir) if keys_dir is not None else default_keys_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    atomic_write_bytes(folder / PRIVATE_KEY, private_pem(key, passphrase), mode=0o600)
    atomic_write_bytes(folder / PUBLIC_KEY, public_pem(key.public_key()), overwrite=True, mode=0o644)
    return Signer(key, folder / PRIVATE_KEY)


def rotate_signing_key(keys_dir: Path | str | None = None, passphrase: Optional[str] = None) -> tuple[str, str]:
    """Retire the workstation key and make a new one; returns (old fingerprint, new fingerprint).

    The old key pair moves to `<keys dir>/retired/<fingerprint>.pem|.pub` (the private key stays
    0600 and is never used again for signing), and the old public key is copied into
    `trusted_keys/` so cases it signed still verify here. Publish the new .pub to everyone who
    verifies your cases (docs/case-format.md, "Key rotation")."""
    folder = Path(keys_dir) if keys_dir is not None else default_keys_dir()
    old_pub = folder / PUBLIC_KEY
    old_fp = fingerprint(load_public_key_file(old_pub))
    retired = folder / "retired"
    retired.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / TRUSTED_DIR).mkdir(parents=True, exist_ok=True, mode=0o700)
    pub_bytes = read_key_file(old_pub)
    atomic_write_bytes(folder / TRUSTED_DIR / f"retired-{old_fp[:16]}.pub", pub_bytes, overwrite=True, mode=0o644)
    os.replace(folder / PRIVATE_KEY, retired / f"{old_fp}.pem")
    os.replace(old_pub, retired / f"{old_fp}.pub")
    return old_fp, create_signing_key(folder, passphrase).fingerprint


def load_signer(keys_dir: Path | str | None = None, *, create: bool = True,
                passphrase: Optional[str] = None) -> Optional[Signer]:
    """The workstation key, made (0600) on first use when `create`; None if absent and not `create`.

    Only signing opens the private key (verification never does). The key must be a plain file
    (a symbolic link is refused); a key readable by others is made 0600 through its open file
    descriptor, never by following a path. An encrypted key is unlocked with `passphrase`, else
    $COMPOSER_KEY_PASSPHRASE, else the registered provider (`set_passphrase_provider`), else a
    terminal prompt; a key made on first use is encrypted when $COMPOSER_KEY_PASSPHRASE is set."""
    folder = Path(keys_dir) if keys_dir is not None else default_keys_dir()
    path = folder / PRIVATE_KEY
    if not os.path.lexists(path):
        if not create:
            return None
        try:
            return create_signing_key(folder, passphrase if passphrase is not None
                                      else os.environ.get(PASSPHRASE_ENV) or None)
        except FileExistsError:
            pass  # another process made it first: use theirs
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise CaseFileError(f"the signing key {path} is not a plain file.")
            if st.st_mode & 0o077:
                os.fchmod(fd, 0o600)
            pem = os.read(fd, MAX_KEY_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as e:
        why = "it is a symbolic link" if e.errno == errno.ELOOP else (e.strerror or str(e))
        raise CaseFileError(f"the signing key {path} cannot be read ({why}).") from e
    encrypted = b"ENCRYPTED" in pem[:100]
    secret = _passphrase(path, passphrase) if encrypted else None
    if encrypted and not secret:
        raise CaseFileError(f"the signing key {path} is protected by a passphrase: set {PASSPHRASE_ENV} "
                            "or run from a terminal to be asked for it.")
    try:
        key = serialization.load_pem_private_key(pem, password=secret.encode("utf-8") if secret else None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        if encrypted:
            forget = getattr(_passphrase_provider, "forget", None)
            if forget:
                forget()
            raise CaseFileError(f"the passphrase for the signing key {path} is wrong.") from e
        raise CaseFileError(f"the signing key {path} cannot be read ({e}). Move it aside to make a new "
                            "key (cases signed with the old key then need it trusted explicitly).") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise CaseFileError(f"the signing key {path} is not an Ed25519 key; move it aside to make a new one.")
    if not os.path.lexists(folder / PUBLIC_KEY):   # verification trusts the local key through its .pub
        atomic_write_bytes(folder / PUBLIC_KEY, public_pem(key.public_key()), overwrite=True, mode=0o644)
    return Signer(key, path)


def verify_signature(public_key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, data)
        return True
    except InvalidSignature:
        return False


def trusted_fingerprints(keys_dir: Path | str | None = None, extra_key_files: Iterable[Path | str] = ()) -> set[str]:
    """Fingerprints verification accepts: exactly the keys in `extra_key_files` when any are given
    (--trust pins the signer; the local key and the trust folder are then NOT trusted), otherwise
    this workstation's public key and the keys in `<keys dir>/trusted_keys/`."""
    files = list(extra_key_files)
    return (pinned_trust(files) if files else local_trust(keys_dir)).fingerprints
