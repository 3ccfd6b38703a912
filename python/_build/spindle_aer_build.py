"""An in-tree PEP 517 / PEP 660 build backend for spindle_aer.

pyproject.toml names it (build-backend = "spindle_aer_build",
backend-path = ["_build"], requires = []), so `pip install ./python` builds
the wheel with the standard library alone: pip has nothing to download,
and installing works without access to PyPI.

It reads the [project] table of pyproject.toml (name, version,
description, readme, requires-python, dependencies, optional-dependencies)
and the packages to ship from [tool.spindle-aer-build] packages, and
writes:

  - a py3-none-any wheel: the packages' .py files and a .dist-info with
    METADATA (core metadata 2.1), WHEEL and RECORD (sha256 of each file);
  - an sdist (.tar.gz) of the source tree, this backend included, with
    PKG-INFO, from which the same wheel builds;
  - an editable wheel (PEP 660): a .pth file that puts the source tree on
    sys.path.

Archives are reproducible: every entry is dated SOURCE_DATE_EPOCH, or
1980-01-01 when it is not set, with fixed permissions and in sorted order.

Python 3.11 and later parse pyproject.toml with tomllib; older ones with
the small parser below, which accepts the subset this project uses
(tables, strings, single-line arrays of strings, comments) and names the
line of anything else.
"""

import base64
import csv
import gzip
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

__all__ = [
    "get_requires_for_build_wheel", "get_requires_for_build_sdist", "get_requires_for_build_editable",
    "prepare_metadata_for_build_wheel", "prepare_metadata_for_build_editable",
    "build_wheel", "build_sdist", "build_editable",
]

GENERATOR = "spindle_aer_build 1"
TAG = "py3-none-any"

# Directories and files of the source tree that an sdist leaves out.
_SKIP_DIRS = {"__pycache__", "build", "dist"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".egg-info")

_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?$")
_PROJECT_KEYS = {"name", "version", "description", "readme", "requires-python", "dependencies", "optional-dependencies"}


class BuildError(Exception):
    """A pyproject.toml this backend cannot build from."""


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _Project(os.getcwd())
    return _write_dist_info(p, metadata_directory)


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _Project(os.getcwd())
    files = []
    for rel in p.package_files():
        with open(os.path.join(p.root, rel), "rb") as f:
            files.append((rel.replace(os.sep, "/"), f.read()))
    return _write_wheel(p, wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    p = _Project(os.getcwd())
    pth = (os.path.abspath(p.root) + "\n").encode("utf-8")
    return _write_wheel(p, wheel_directory, [("__editable__.%s-%s.pth" % (p.dist_name, p.version), pth)])


def build_sdist(sdist_directory, config_settings=None):
    p = _Project(os.getcwd())
    base = "%s-%s" % (p.dist_name, p.version)
    name = base + ".tar.gz"
    mtime = _epoch()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        entries = [(rel.replace(os.sep, "/"), _read(os.path.join(p.root, rel))) for rel in p.source_files()]
        entries.append(("PKG-INFO", p.metadata()))
        for rel, data in sorted(entries):
            info = tarfile.TarInfo(base + "/" + rel)
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    path = os.path.join(sdist_directory, name)
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=mtime) as gz:
            gz.write(raw.getvalue())
    return name


# The project.

class _Project:
    """The metadata and files of the project whose pyproject.toml is in root."""

    def __init__(self, root):
        self.root = root
        path = os.path.join(root, "pyproject.toml")
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        doc = _parse_toml(text, path)
        proj = doc.get("project")
        if not isinstance(proj, dict):
            raise BuildError("%s: no [project] table" % path)
        for k in proj:
            if k not in _PROJECT_KEYS:
                raise BuildError("%s: [project] %s: not supported by spindle_aer_build (it reads %s)"
                                 % (path, k, ", ".join(sorted(_PROJECT_KEYS))))
        self.name = _string(proj, "name", path, "[project]", required=True)
        if not _NAME.match(self.name):
            raise BuildError("%s: [project] name %r: expected a PEP 508 name" % (path, self.name))
        self.version = _string(proj, "version", path, "[project]", required=True)
        if not _VERSION.match(self.version):
            raise BuildError("%s: [project] version %r: expected a version such as 1.2.3" % (path, self.version))
        self.description = _string(proj, "description", path, "[project]")
        self.readme = _string(proj, "readme", path, "[project]")
        self.requires_python = _string(proj, "requires-python", path, "[project]")
        self.dependencies = _strings(proj, "dependencies", path, "[project]")
        extras = proj.get("optional-dependencies", {})
        if not isinstance(extras, dict):
            raise BuildError("%s: [project] optional-dependencies: expected a table" % path)
        self.extras = {k: _strings(extras, k, path, "[project.optional-dependencies]") for k in extras}
        tool = doc.get("tool", {}).get("spindle-aer-build", {})
        self.packages = _strings(tool, "packages", path, "[tool.spindle-aer-build]")
        if not self.packages:
            raise BuildError("%s: [tool.spindle-aer-build] packages: expected the packages to ship" % path)
        for pkg in self.packages:
            if not os.path.isfile(os.path.join(root, pkg, "__init__.py")):
                raise BuildError("%s: [tool.spindle-aer-build] packages: %s/__init__.py does not exist" % (path, pkg))
        # The file names of wheels and sdists (PEP 427, PEP 625).
        self.dist_name = re.sub(r"[-_.]+", "_", self.name).lower()

    def metadata(self):
        """The core metadata (METADATA, PKG-INFO), as bytes."""
        lines = ["Metadata-Version: 2.1", "Name: " + self.name, "Version: " + self.version]
        if self.description:
            lines.append("Summary: " + self.description)
        if self.requires_python:
            lines.append("Requires-Python: " + self.requires_python)
        lines += ["Requires-Dist: " + d for d in self.dependencies]
        for extra in sorted(self.extras):
            lines.append("Provides-Extra: " + extra)
            for d in self.extras[extra]:
                req, _, marker = (x.strip() for x in d.partition(";"))
                extra_marker = 'extra == "%s"' % extra
                lines.append("Requires-Dist: %s; %s" % (req, "(%s) and %s" % (marker, extra_marker) if marker else extra_marker))
        body = ""
        if self.readme:
            kind = {".md": "text/markdown", ".rst": "text/x-rst"}.get(os.path.splitext(self.readme)[1].lower(), "text/plain")
            lines.append("Description-Content-Type: " + kind)
            body = _read(os.path.join(self.root, self.readme)).decode("utf-8")
        return ("\n".join(lines) + "\n\n" + body).encode("utf-8")

    def package_files(self):
        """The relative paths of the files a wheel ships: the packages' .py files."""
        out = []
        for pkg in self.packages:
            for rel in self._walk(pkg):
                if rel.endswith(".py") or os.path.basename(rel) == "py.typed":
                    out.append(rel)
        return sorted(out)

    def source_files(self):
        """The relative paths of the files an sdist ships: the source tree
        without dot files, caches and build output (and the PKG-INFO of an
        unpacked sdist, which build_sdist writes anew)."""
        return sorted(rel for rel in self._walk(".") if rel != "PKG-INFO")

    def _walk(self, top):
        out = []
        for d, dirs, files in os.walk(os.path.join(self.root, top)):
            dirs[:] = sorted(x for x in dirs if not (x.startswith(".") or x in _SKIP_DIRS or x.endswith(_SKIP_SUFFIXES)))
            for f in sorted(files):
                if f.startswith(".") or f.endswith(_SKIP_SUFFIXES):
                    continue
                out.append(os.path.normpath(os.path.relpath(os.path.join(d, f), self.root)))
        return out


def _string(table, key, path, where, required=False):
    v = table.get(key)
    if v is None and not required:
        return ""
    if not isinstance(v, str) or not v:
        raise BuildError("%s: %s %s: expected a non-empty string" % (path, where, key))
    return v


def _strings(table, key, path, where):
    v = table.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise BuildError("%s: %s %s: expected an array of strings" % (path, where, key))
    return v


# Wheels.

def _write_dist_info(p, directory):
    info = "%s-%s.dist-info" % (p.dist_name, p.version)
    os.makedirs(os.path.join(directory, info), exist_ok=True)
    for name, data in _dist_info_files(p):
        with open(os.path.join(directory, info, name), "wb") as f:
            f.write(data)
    return info


def _dist_info_files(p):
    wheel = "Wheel-Version: 1.0\nGenerator: %s\nRoot-Is-Purelib: true\nTag: %s\n" % (GENERATOR, TAG)
    top = "".join(pkg + "\n" for pkg in p.packages)
    return [("METADATA", p.metadata()), ("WHEEL", wheel.encode("ascii")), ("top_level.txt", top.encode("utf-8"))]


def _write_wheel(p, directory, files):
    """Writes the wheel of files (archive path, bytes) and the .dist-info,
    returning its file name."""
    info = "%s-%s.dist-info" % (p.dist_name, p.version)
    entries = sorted(files) + [(info + "/" + n, d) for n, d in _dist_info_files(p)]
    record = io.StringIO()
    w = csv.writer(record, lineterminator="\n")
    for name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
        w.writerow([name, "sha256=" + digest, len(data)])
    w.writerow([info + "/RECORD", "", ""])
    entries.append((info + "/RECORD", record.getvalue().encode("utf-8")))
    name = "%s-%s-%s.whl" % (p.dist_name, p.version, TAG)
    stamp = time.gmtime(_epoch())[:6]
    with zipfile.ZipFile(os.path.join(directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for arc, data in entries:
            zi = zipfile.ZipInfo(arc, stamp)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return name


def _epoch():
    """The date of every archive entry: SOURCE_DATE_EPOCH, or 1980-01-01
    (the earliest a zip file can hold)."""
    v = os.environ.get("SOURCE_DATE_EPOCH", "")
    return max(int(v), 315532800) if v.isdigit() else 315532800


def _read(path):
    with open(path, "rb") as f:
        return f.read()


# pyproject.toml.

def _parse_toml(text, path):
    try:
        import tomllib
    except ImportError:
        return parse_toml_subset(text, path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BuildError("%s: %s" % (path, e)) from None


_KEY = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_STR = "(?:%s|%s)" % (_BASIC, _LITERAL)
_TABLE_RE = re.compile(r"^\[\s*(%s(?:\s*\.\s*%s)*)\s*\]$" % (_KEY, _KEY))
_PAIR_RE = re.compile(r"^(%s|%s)\s*=\s*(.*)$" % (_KEY, _STR))
_ARRAY_RE = re.compile(r"^\[\s*(?:%s\s*(?:,\s*%s\s*)*,?\s*)?\]$" % (_STR, _STR))
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def parse_toml_subset(text, path="pyproject.toml"):
    """Parses the TOML of this project's pyproject.toml without tomllib:
    [tables] and [dotted.tables], key = "string" or 'string', key = [an
    array of strings on one line], and # comments. Anything else is an
    error naming the line."""
    doc = cur = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        m = _TABLE_RE.match(line)
        if m:
            cur = doc
            for part in (x.strip() for x in m.group(1).split(".")):
                cur = cur.setdefault(part, {})
                if not isinstance(cur, dict):
                    raise BuildError("%s:%d: [%s]: %s is not a table" % (path, n, m.group(1), part))
            continue
        m = _PAIR_RE.match(line)
        if not m:
            raise BuildError("%s:%d: expected [table] or key = value (this parser reads strings and "
                             "one-line arrays of strings; Python 3.11 reads any TOML)" % (path, n))
        key, val = m.group(1), m.group(2).strip()
        if key[0] in "\"'":
            key = _unquote(key)
        if key in cur:
            raise BuildError("%s:%d: %s defined twice" % (path, n, key))
        if re.fullmatch(_STR, val):
            cur[key] = _unquote(val)
        elif _ARRAY_RE.match(val):
            cur[key] = [_unquote(s) for s in re.findall(_STR, val)]
        else:
            raise BuildError("%s:%d: %s: expected a string or a one-line array of strings" % (path, n, key))
    return doc


def _strip_comment(line):
    quote, i = None, 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1  # the escaped character cannot end the string
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            return line[:i]
        i += 1
    return line


def _unquote(s):
    if s[0] == "'":
        return s[1:-1]
    out, body, i = [], s[1:-1], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            e = body[i + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
            elif e in "uU":
                width = 4 if e == "u" else 8
                try:
                    out.append(chr(int(body[i + 2:i + 2 + width], 16)))
                except ValueError:
                    raise BuildError("bad escape \\%s in %s" % (body[i + 1:i + 2 + width], s)) from None
                i += 2 + width
            else:
                raise BuildError("unsupported escape \\%s in %s" % (e, s))
        else:
            out.append(c)
            i += 1
    return "".join(out)
