"""Writing files so that nothing half-written is ever left behind, and hashing them.

Every artifact is written under a temporary name in its final directory and renamed into
place only once complete (a rename within one file system is atomic). A failure or an
interrupt removes the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterator

#: Errors of a write that say where it failed, not what the code did wrong.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def check_regular_file(
    path: Path, error: type[Exception], expected: str, missing: str = "file not found"
) -> os.stat_result:
    """``path``'s stat, after checking that it is a regular file one can open without waiting
    (a FIFO would block forever); otherwise one ``error`` naming the path and ``expected``."""
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except OSError as err:
        raise error(f"{path}: cannot read ({err.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: a folder, expected {expected}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file (a FIFO or device?), expected {expected}")
    return info


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.stat().st_mode & 0o777 == 0o600:  # mkstemp's mode, unless the block set its own
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    except OSError as err:
        tmp_path.unlink(missing_ok=True)
        if err.filename is None and err.errno in _WRITE_ERRNOS:  # name the file the write was for
            raise OSError(err.errno, err.strerror, str(path)) from None
        raise
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield an empty staging directory; on success it replaces ``path`` as a whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        yield staging
        os.chmod(staging, 0o777 & ~_umask())
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(staging, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_json(path: str | Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


HDF5_SUFFIXES = (".h5", ".hdf5")
HASH_SLICE_BYTES = 64 << 20


def sha256_file(path: str | Path) -> str:
    """Content hash of a file; HDF5 files by what they hold (see :func:`sha256_hdf5`)."""
    path = Path(path)
    if path.suffix in HDF5_SUFFIXES:
        hashed = sha256_hdf5(path)
        if hashed is not None:
            return hashed
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_hdf5(path: Path) -> str | None:
    """Hash of an HDF5 file's groups, datasets (dtype, shape, values) and attributes.

    The same content written twice can differ in its bytes (the HDF5 library leaves
    padding and free-space bytes as it finds them), so the bytes are no content hash.
    None when the file is not readable HDF5 (its bytes are hashed instead).
    """
    import h5py
    import numpy as np

    digest = hashlib.sha256()

    def attributes(node) -> None:
        for key in sorted(node.attrs):
            value = np.asarray(node.attrs[key])
            digest.update(f"@{key}:{value.dtype.str}:{value.shape}".encode())
            digest.update(value.tobytes() if value.dtype.kind != "O" else repr(value.tolist()).encode())

    def visit(name: str, node) -> None:
        digest.update(name.encode())
        attributes(node)
        if isinstance(node, h5py.Dataset):
            if node.dtype.kind == "O" or node.ndim == 0:
                array = np.asarray(node[()])
                digest.update(f":{array.dtype.str}:{array.shape}".encode())
                digest.update(array.tobytes() if array.dtype.kind != "O" else repr(array.tolist()).encode())
                return
            digest.update(f":{node.dtype.str}:{node.shape}".encode())
            # in slices of rows, so that a file of many events is never read whole into memory
            rows = max(1, HASH_SLICE_BYTES // max(1, node.dtype.itemsize * int(np.prod(node.shape[1:]))))
            for start in range(0, node.shape[0], rows):
                digest.update(np.ascontiguousarray(node[start : start + rows]).tobytes())

    try:
        with h5py.File(path, "r") as handle:
            attributes(handle)
            names: list[str] = []
            handle.visit(names.append)
            for name in sorted(names):
                visit(name, handle[name])
    except (OSError, KeyError):
        return None
    return digest.hexdigest()


def sha256_tree(path: str | Path) -> str:
    """Hash of a file, or of every file below a directory (names and contents)."""
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(item.relative_to(path)).encode())
        digest.update(sha256_file(item).encode())
    return digest.hexdigest()


def sha256_json(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=_json_default).encode()).hexdigest()
