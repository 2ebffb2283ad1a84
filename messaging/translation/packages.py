"""Argos Translate packages (`.argosmodel` zips) on disk: list, install from a file, install from
a package index. Works without argostranslate installed (it only reads and writes files), so an
operator can stage models before the translation requirements are in place."""

import json
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin

import requests
from django.conf import settings

from .languages import normalise

logger = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 4 * 1024**3  # a real model is a few hundred MB; refuse zip bombs
DOWNLOAD_TIMEOUT = 60


class PackageError(Exception):
    """The file or index is not a usable Argos translation package; the message says why."""


@dataclass(frozen=True)
class ArgosPackage:
    path: Path
    from_code: str
    to_code: str
    version: str

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)


def packages_dir() -> Path:
    """Where Argos packages live: settings.ARGOS_PACKAGES_DIR (default var/argos-packages)."""
    configured = getattr(settings, "ARGOS_PACKAGES_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "argos-packages"


def _read_package(path: Path) -> ArgosPackage | None:
    try:
        metadata = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(metadata, dict) or metadata.get("type", "translate") != "translate":
        return None
    from_code, to_code = normalise(metadata.get("from_code")), normalise(metadata.get("to_code"))
    if not from_code or not to_code or not (path / "model").is_dir():
        return None
    return ArgosPackage(
        path=path, from_code=from_code, to_code=to_code, version=str(metadata.get("package_version", ""))
    )


def installed_packages(directory: Path | None = None) -> list[ArgosPackage]:
    """The translation packages installed in `directory`, by pair."""
    directory = directory or packages_dir()
    if not directory.is_dir():
        return []
    found = (_read_package(child) for child in sorted(directory.iterdir()) if child.is_dir())
    return sorted((package for package in found if package), key=lambda package: package.pair)


def _checked_members(archive: zipfile.ZipFile) -> tuple[str, dict]:
    """The archive's one top-level folder and its metadata; refuses anything unsafe or incomplete."""
    names = archive.namelist()
    tops = set()
    unpacked = 0
    for info in archive.infolist():
        parts = PurePosixPath(info.filename).parts
        if not parts or info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise PackageError(f"unsafe path in archive: {info.filename!r}")
        tops.add(parts[0])
        unpacked += info.file_size
    if unpacked > MAX_UNPACKED_BYTES:
        raise PackageError("archive unpacks to more than 4 GB")
    if len(tops) != 1:
        raise PackageError("an .argosmodel holds exactly one folder")
    top = tops.pop()
    if f"{top}/metadata.json" not in names:
        raise PackageError("no metadata.json in the package folder")
    if not any(name.startswith(f"{top}/model/") for name in names):
        raise PackageError("no model/ folder (CTranslate2 model) in the package")
    if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
        raise PackageError("no sentencepiece.model or bpe.model in the package")
    try:
        metadata = json.loads(archive.read(f"{top}/metadata.json"))
    except ValueError as error:
        raise PackageError(f"metadata.json is not JSON: {error}") from error
    if not isinstance(metadata, dict) or not metadata.get("from_code") or not metadata.get("to_code"):
        raise PackageError("metadata.json lacks from_code/to_code")
    if metadata.get("type", "translate") != "translate":
        raise PackageError(f"not a translation package (type {metadata.get('type')!r})")
    return top, metadata


def install_from_file(path: Path | str, directory: Path | None = None) -> ArgosPackage:
    """Unpack the `.argosmodel` at `path` into `directory`, replacing any package for the same pair."""
    path = Path(path)
    directory = directory or packages_dir()
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{path} is not an .argosmodel (zip) file")
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        top, metadata = _checked_members(archive)
        pair = (normalise(metadata["from_code"]), normalise(metadata["to_code"]))
        with tempfile.TemporaryDirectory(dir=directory, prefix=".installing-") as staging:
            archive.extractall(staging)  # noqa: S202 - every member was checked above
            for package in installed_packages(directory):
                if package.pair == pair:
                    shutil.rmtree(package.path)
            destination = directory / top
            if destination.exists():
                shutil.rmtree(destination)
            Path(staging, top).rename(destination)
    package = _read_package(destination)
    if package is None:
        raise PackageError(f"{path} installed but does not read back as a translation package")
    from .engines.argos import forget_loaded

    forget_loaded()
    logger.info("Installed Argos package %s→%s from %s", package.from_code, package.to_code, path)
    return package


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in str(version).split("."))


def index_entry(index_url: str, source: str, target: str) -> dict:
    """The newest package for source→target in the Argos package index at `index_url` (the
    index.json itself, or the folder holding it)."""
    url = index_url if index_url.endswith(".json") else index_url.rstrip("/") + "/index.json"
    try:
        response = requests.get(url, timeout=DOWNLOAD_TIMEOUT)
        response.raise_for_status()
        index = response.json()
    except (requests.RequestException, ValueError) as error:
        raise PackageError(f"could not read the package index at {url}: {error}") from error
    if not isinstance(index, list):
        raise PackageError("the package index is not a JSON list")
    source, target = normalise(source), normalise(target)
    matches = [
        entry
        for entry in index
        if isinstance(entry, dict)
        and entry.get("type", "translate") == "translate"
        and normalise(entry.get("from_code")) == source
        and normalise(entry.get("to_code")) == target
    ]
    if not matches:
        raise PackageError(f"the index has no {source}→{target} package")
    entry = max(matches, key=lambda entry: _version_key(entry.get("package_version", "")))
    entry["links"] = [urljoin(url, link) for link in entry.get("links", [])]
    return entry


def install_from_index(index_url: str, source: str, target: str, directory: Path | None = None) -> ArgosPackage:
    """Download the source→target package named by the index and install it."""
    directory = directory or packages_dir()
    entry = index_entry(index_url, source, target)
    if not entry["links"]:
        raise PackageError("the index entry has no download links")
    directory.mkdir(parents=True, exist_ok=True)
    errors = []
    for link in entry["links"]:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".download-", suffix=".argosmodel") as download:
            try:
                with requests.get(link, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
                    response.raise_for_status()
                    for chunk in response.iter_content(chunk_size=1024 * 1024):
                        download.write(chunk)
                download.flush()
            except requests.RequestException as error:
                errors.append(f"{link}: {error}")
                continue
            return install_from_file(Path(download.name), directory)
    raise PackageError("every download failed: " + "; ".join(errors))
