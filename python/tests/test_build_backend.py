"""Tests of the in-tree build backend (python/_build/spindle_aer_build.py).

    python3 -m unittest discover -s python/tests

They call the PEP 517 hooks as pip does (in the project directory) and
check the archives: the wheel's RECORD against its files, METADATA against
pyproject.toml, the sdist by building the same wheel from it. TestPython
and TestPythonInstall in cmd/spindle install the package with pip.
"""

import base64
import contextlib
import csv
import email.parser
import hashlib
import io
import os
import random
import re
import shutil
import sys
import tarfile
import tempfile
import unittest
import zipfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "_build"))

import spindle_aer_build as backend  # noqa: E402

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None


_TEMP = []


def mkdtemp():
    d = tempfile.mkdtemp(prefix="spindle_aer_build_test")
    _TEMP.append(d)
    return d


def tearDownModule():
    for d in _TEMP:
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def chdir(d):
    old = os.getcwd()
    os.chdir(d)
    try:
        yield
    finally:
        os.chdir(old)


def build(hook, root=ROOT, *args):
    """Runs hook in root, as pip does, writing into a new directory; returns
    the path of what it wrote."""
    out = mkdtemp()
    with chdir(root):
        name = hook(out, *args)
    return os.path.join(out, name)


def read_wheel(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def package_version():
    with open(os.path.join(ROOT, "spindle_aer", "__init__.py")) as f:
        return re.search(r'^__version__ = "([^"]+)"$', f.read(), re.M).group(1)


class TestWheel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = build(backend.build_wheel)
        cls.files = read_wheel(cls.path)
        cls.info = "spindle_aer-%s.dist-info/" % package_version()

    def test_name(self):
        self.assertEqual(os.path.basename(self.path), "spindle_aer-%s-py3-none-any.whl" % package_version())

    def test_contents(self):
        want = sorted("spindle_aer/" + f for f in os.listdir(os.path.join(ROOT, "spindle_aer")) if f.endswith(".py"))
        got = sorted(n for n in self.files if not n.startswith(self.info))
        self.assertEqual(got, want)
        for n in got:
            with open(os.path.join(ROOT, n), "rb") as f:
                self.assertEqual(self.files[n], f.read(), n)
        self.assertEqual(sorted(n for n in self.files if n.startswith(self.info)),
                         [self.info + n for n in ("METADATA", "RECORD", "WHEEL", "top_level.txt")])

    def test_record(self):
        rows = list(csv.reader(io.StringIO(self.files[self.info + "RECORD"].decode("utf-8"))))
        self.assertEqual(sorted(r[0] for r in rows), sorted(self.files))
        for name, digest, size in rows:
            if name == self.info + "RECORD":
                self.assertEqual((digest, size), ("", ""))
                continue
            data = self.files[name]
            h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            self.assertEqual(digest, "sha256=" + h, name)
            self.assertEqual(int(size), len(data), name)

    def test_wheel_file(self):
        w = email.parser.Parser().parsestr(self.files[self.info + "WHEEL"].decode())
        self.assertEqual(w["Wheel-Version"], "1.0")
        self.assertEqual(w["Root-Is-Purelib"], "true")
        self.assertEqual(w.get_all("Tag"), ["py3-none-any"])

    def test_metadata(self):
        m = email.parser.Parser().parsestr(self.files[self.info + "METADATA"].decode("utf-8"))
        self.assertEqual(m["Metadata-Version"], "2.1")
        self.assertEqual(m["Name"], "spindle-aer")
        self.assertEqual(m["Version"], package_version())
        self.assertEqual(m["Requires-Python"], ">=3.9")
        self.assertEqual(m.get_all("Requires-Dist"), ["numpy", 'zstandard; extra == "zstd"'])
        self.assertEqual(m.get_all("Provides-Extra"), ["zstd"])
        self.assertEqual(m["Description-Content-Type"], "text/markdown")
        with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
            self.assertEqual(m.get_payload(), f.read())

    def test_prepare_metadata(self):
        d = mkdtemp()
        with chdir(ROOT):
            info = backend.prepare_metadata_for_build_wheel(d)
        self.assertEqual(info + "/", self.info)
        for n in ("METADATA", "WHEEL"):
            with open(os.path.join(d, info, n), "rb") as f:
                self.assertEqual(f.read(), self.files[self.info + n], n)

    def test_reproducible(self):
        with open(self.path, "rb") as a, open(build(backend.build_wheel), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_without_tomllib(self):
        # Python 3.9 and 3.10 read pyproject.toml with the subset parser.
        saved = sys.modules.get("tomllib")
        sys.modules["tomllib"] = None  # import tomllib raises ImportError
        try:
            path = build(backend.build_wheel)
        finally:
            if saved is None:
                del sys.modules["tomllib"]
            else:
                sys.modules["tomllib"] = saved
        with open(self.path, "rb") as a, open(path, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_no_build_requirements(self):
        for hook in (backend.get_requires_for_build_wheel, backend.get_requires_for_build_sdist,
                     backend.get_requires_for_build_editable):
            self.assertEqual(hook(None), [])


class TestSdist(unittest.TestCase):
    def test_sdist(self):
        path = build(backend.build_sdist)
        base = "spindle_aer-%s" % package_version()
        self.assertEqual(os.path.basename(path), base + ".tar.gz")
        out = mkdtemp()
        with tarfile.open(path) as tar:
            names = tar.getnames()
            for m in tar.getmembers():
                self.assertTrue(m.isfile() and m.name.startswith(base + "/"), m.name)
            tar.extractall(out)
        for n in ("PKG-INFO", "pyproject.toml", "README.md", "_build/spindle_aer_build.py",
                  "spindle_aer/__init__.py", "tests/test_build_backend.py"):
            self.assertIn(base + "/" + n, names)
        for n in names:
            self.assertNotRegex(n, r"__pycache__|\.pyc$|/\.", n)
        # The wheel built from the sdist is the wheel built from the tree.
        with open(build(backend.build_wheel, os.path.join(out, base)), "rb") as a, \
                open(build(backend.build_wheel), "rb") as b:
            self.assertEqual(a.read(), b.read())
        # An sdist of the unpacked sdist is the same sdist.
        with open(build(backend.build_sdist, os.path.join(out, base)), "rb") as a, open(path, "rb") as b:
            self.assertEqual(a.read(), b.read())
        with open(os.path.join(out, base, "PKG-INFO"), "rb") as f:
            self.assertEqual(f.read(), read_wheel(build(backend.build_wheel))[
                "spindle_aer-%s.dist-info/METADATA" % package_version()])


class TestEditable(unittest.TestCase):
    def test_editable(self):
        files = read_wheel(build(backend.build_editable))
        pth = [n for n in files if n.endswith(".pth")]
        self.assertEqual(pth, ["__editable__.spindle_aer-%s.pth" % package_version()])
        self.assertEqual(files[pth[0]].decode(), ROOT + "\n")
        self.assertFalse([n for n in files if n.startswith("spindle_aer/")])


PROJECT = """[build-system]
requires = []
build-backend = "spindle_aer_build"

[project]
name = "demo-pkg"
version = "1.2.3"
dependencies = ["numpy>=1.20; python_version >= '3.9'"]
[project.optional-dependencies]
fast = ["zstandard; platform_system != 'Windows'", "pyzstd"]

[tool.spindle-aer-build]
packages = ["demo"]
"""


class TestProjects(unittest.TestCase):
    def project(self, text, package="demo"):
        d = mkdtemp()
        with open(os.path.join(d, "pyproject.toml"), "w") as f:
            f.write(text)
        if package:
            os.makedirs(os.path.join(d, package))
            with open(os.path.join(d, package, "__init__.py"), "w") as f:
                f.write("")
        return d

    def test_markers(self):
        files = read_wheel(build(backend.build_wheel, self.project(PROJECT)))
        m = email.parser.Parser().parsestr(files["demo_pkg-1.2.3.dist-info/METADATA"].decode())
        self.assertEqual(m.get_all("Requires-Dist"), [
            "numpy>=1.20; python_version >= '3.9'",
            "zstandard; (platform_system != 'Windows') and extra == \"fast\"",
            'pyzstd; extra == "fast"'])
        self.assertEqual(sorted(n for n in files if not n.startswith("demo_pkg-")), ["demo/__init__.py"])

    def test_errors(self):
        cases = [
            (PROJECT.replace('version = "1.2.3"\n', ""), r"pyproject\.toml: \[project\] version: expected a non-empty string"),
            (PROJECT.replace('"1.2.3"', '"one"'), r"version 'one': expected a version"),
            (PROJECT.replace('"demo-pkg"', '"demo pkg"'), r"name 'demo pkg': expected a PEP 508 name"),
            (PROJECT.replace('packages = ["demo"]', 'packages = ["nope"]'), r"nope/__init__\.py does not exist"),
            (PROJECT.replace('packages = ["demo"]', ""), r"packages: expected the packages to ship"),
            (PROJECT.replace("[project]\n", "[project]\nlicense = 'MIT'\n"), r"\[project\] license: not supported"),
            (PROJECT.replace('dependencies = ["numpy>=1.20; python_version >= \'3.9\'"]', 'dependencies = "numpy"'), r"\[project\] dependencies: expected an array of strings"),
        ]
        for text, want in cases:
            with self.subTest(want=want):
                with self.assertRaisesRegex(backend.BuildError, want):
                    build(backend.build_wheel, self.project(text))


class TestTomlSubset(unittest.TestCase):
    def test_table(self):
        cases = [
            ("", {}),
            ("a = 'x'", {"a": "x"}),
            ('a = "x # not a comment" # a comment', {"a": "x # not a comment"}),
            ('a = "q\\"# \\\\ \\u00b5\\n"', {"a": 'q"# \\ \u00b5\n'}),
            ("[t.u]\nk = []\n[t]\nj = ['a', \"b\",]", {"t": {"u": {"k": []}, "j": ["a", "b"]}}),
            ('"quoted-key" = "v"', {"quoted-key": "v"}),
        ]
        for text, want in cases:
            with self.subTest(text=text):
                self.assertEqual(backend.parse_toml_subset(text), want)
                if tomllib:
                    self.assertEqual(tomllib.loads(text), want)

    def test_errors(self):
        cases = [
            ("a = 1", r"pyproject\.toml:1: a: expected a string"),
            ("\n\na = [\n'x']", r":3: a: expected a string or a one-line array"),
            ("a = 'x'\na = 'y'", r":2: a defined twice"),
            ("a = 'x'\n[a]", r":2: \[a\]: a is not a table"),
            ("[a b]", r":1: expected \[table\] or key = value"),
            ('a = "\\q"', r"unsupported escape"),
            ('a = "\\uzzzz"', r"bad escape"),
        ]
        for text, want in cases:
            with self.subTest(text=text):
                with self.assertRaisesRegex(backend.BuildError, want):
                    backend.parse_toml_subset(text)

    def test_this_project(self):
        with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
            text = f.read()
        got = backend.parse_toml_subset(text)
        self.assertEqual(got["project"]["dependencies"], ["numpy"])
        if tomllib:
            self.assertEqual(got, tomllib.loads(text))

    def test_random(self):
        # Documents of the subset agree with tomllib; mutated ones parse
        # or raise BuildError, nothing else.
        rng = random.Random(7)
        alphabet = "ab-_ #'\"\\=[],.\n\u00b5"
        for _ in range(2000):
            text = random_doc(rng)
            got = backend.parse_toml_subset(text)
            if tomllib:
                self.assertEqual(got, tomllib.loads(text), text)
            b = list(text)
            for _ in range(rng.randint(1, 4)):
                b.insert(rng.randint(0, len(b)), rng.choice(alphabet))
            mutated = "".join(b)
            try:
                got = backend.parse_toml_subset(mutated)
            except backend.BuildError:
                continue
            if tomllib:  # what the subset accepts is TOML, read the same
                self.assertEqual(got, tomllib.loads(mutated), mutated)


def random_doc(rng):
    def string():
        s = "".join(rng.choice("ab #=[]',\u00b5") for _ in range(rng.randint(0, 6)))
        if "'" not in s and rng.random() < 0.5:
            return "'%s'" % s, s
        return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"'), s

    lines, seen = [], set()
    for i in range(rng.randint(0, 6)):
        if rng.random() < 0.3:
            lines.append("[t%d.u%d]" % (i, rng.randint(0, 2)))
            seen = set()
            continue
        key = "k%d" % rng.randint(0, 9)
        if key in seen:
            continue
        seen.add(key)
        if rng.random() < 0.5:
            val = string()[0]
        else:
            val = "[" + ", ".join(string()[0] for _ in range(rng.randint(0, 3))) + "]"
        comment = " # c'\"" if rng.random() < 0.3 else ""
        lines.append("%s = %s%s" % (key, val, comment))
    return "\n".join(lines)


if __name__ == "__main__":
    unittest.main()
