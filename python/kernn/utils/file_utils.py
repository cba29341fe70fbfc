"""`get_file`: download a file once into kernn's cache, verified by hash and never left half-written."""
import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings

_CHUNK = 1 << 20


def kernn_home():
    """kernn's cache root: `$KERNN_HOME` when set, else `~/.kernn`."""
    return os.path.expanduser(os.environ.get("KERNN_HOME") or os.path.join("~", ".kernn"))


def resolve_hasher(algorithm, file_hash=None):
    """`"sha256"`, `"md5"` or `"auto"` (sha256 for a 64-character hash, else md5) -> hashlib constructor."""
    if algorithm == "sha256" or (algorithm == "auto" and (file_hash is None or len(file_hash) == 64)):
        return hashlib.sha256
    if algorithm in ("md5", "auto"):
        return hashlib.md5
    raise ValueError(f"`hash_algorithm` must be 'auto', 'sha256' or 'md5'. Received: hash_algorithm={algorithm!r}")


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """Hex digest of a file, read in chunks (`algorithm`: "sha256" or "md5")."""
    h = resolve_hasher(algorithm)()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """Whether the file's sha256 (or md5) digest equals `file_hash`."""
    name = "md5" if resolve_hasher(algorithm, file_hash) is hashlib.md5 else "sha256"
    return hash_file(fpath, name, chunk_size) == str(file_hash).lower()


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Downloads a file from a URL if it is not already in the cache.

    The file at `origin` is saved as `<cache_dir>/<cache_subdir>/<fname>`,
    where `cache_dir` defaults to `$KERNN_HOME` or `~/.kernn`. The download is
    written to a temporary file in the same folder, checked against
    `file_hash` when one is given, and only then renamed to its final name;
    a failed or corrupted download leaves no file behind. A cached file whose
    hash does not match is downloaded again.

    Args:
        fname: Name of the file. An absolute path saves the file there.
            Defaults to the last component of `origin`'s path.
        origin: Original URL of the file.
        untar: Not supported by kernn (archives are read in place).
        md5_hash: Deprecated in favor of `file_hash`: md5 hash of the file.
        file_hash: The expected hash string of the file after download
            (sha256 or md5).
        cache_subdir: Subdirectory under the cache dir where the file is
            saved. Defaults to `"datasets"`.
        hash_algorithm: `"md5"`, `"sha256"` or `"auto"` (detected from the
            length of the hash). Defaults to `"auto"`.
        extract: Not supported by kernn (archives are read in place).
        archive_format: Ignored (kept for Keras compatibility).
        cache_dir: Location of the cache root. Defaults to `$KERNN_HOME` or
            `~/.kernn`.
        force_download: If `True`, download the file even when it is cached.

    Returns:
        Path to the downloaded file.

    Raises:
        ValueError: if the downloaded file's hash differs from `file_hash`
            (the message names the file and both hashes), or for bad arguments.
        OSError: if the file cannot be fetched (`urllib.error.URLError`).
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if untar or extract:
        raise NotImplementedError("kernn's get_file does not extract archives; open them with tarfile/zipfile.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if fname is None:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                             "Please specify the `fname` argument.")
    root = kernn_home() if cache_dir is None else os.path.expanduser(cache_dir)
    datadir = os.path.join(root, cache_subdir)
    try:
        os.makedirs(datadir, exist_ok=True)
        probe_ok = os.access(datadir, os.W_OK)
    except OSError:
        probe_ok = False
    if not probe_ok:
        datadir = os.path.join(tempfile.gettempdir(), ".kernn", cache_subdir)
        os.makedirs(datadir, exist_ok=True)
    fpath = os.path.join(datadir, fname)
    os.makedirs(os.path.dirname(fpath), exist_ok=True)

    if os.path.exists(fpath) and not force_download:
        if file_hash is None or validate_file(fpath, file_hash, hash_algorithm):
            return fpath
        warnings.warn(f"A local file was found, but it seems to be incomplete or outdated because the "
                      f"{_algo_name(hash_algorithm, file_hash)} file hash does not match the original value of "
                      f"{file_hash} so we will re-download the data.", stacklevel=2)
    print(f"Downloading data from {origin}")
    _download(origin, fpath, file_hash, hash_algorithm)
    return fpath


def _algo_name(algorithm, file_hash):
    return "md5" if resolve_hasher(algorithm, file_hash) is hashlib.md5 else "sha256"


def _download(url, fpath, file_hash, hash_algorithm, timeout=60):
    """Streams `url` into a temporary sibling of `fpath`, checks the hash, then renames it into place."""
    hasher = resolve_hasher(hash_algorithm, file_hash)()
    folder, name = os.path.split(fpath)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    for chunk in iter(lambda: response.read(_CHUNK), b""):
                        hasher.update(chunk)
                        out.write(chunk)
            except urllib.error.HTTPError as e:
                raise OSError(f"URL fetch failure on {url}: {e.code} -- {e.msg}") from e
            except urllib.error.URLError as e:
                raise OSError(f"URL fetch failure on {url}: {e.reason}") from e
        got = hasher.hexdigest()
        if file_hash is not None and got != str(file_hash).lower():
            raise ValueError(f"Downloaded file '{name}' from {url} is corrupted or incomplete: its "
                             f"{_algo_name(hash_algorithm, file_hash)} hash is {got} but {file_hash} was "
                             "expected. The partial download was deleted; please try again.")
        os.chmod(tmp, 0o644)
        os.replace(tmp, fpath)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
