"""Build the live edition: a JupyterLite site in the built book, on a self-hosted Pyodide.

``make book`` runs this after the book: ``python scripts/build_lite.py JUPYTER_LITE``, where
JUPYTER_LITE is the ``jupyter-lite`` of the environment book/lite/build-requirements.txt pins.
It writes ``_build/html/lite/``, which holds

* Pyodide's runtime and the packages the chapters need (book/lite/sources.toml), each file
  checked against its pinned sha256 or the official lock's before it is shipped, with a copy of
  the lock that lists only what the site ships;
* this checkout's ``autograd_lib`` as a wheel built now, and the pure-Python wheels Pyodide
  lacks, for the setup cell to install with piplite;
* the workbook (``workbook/``) and the complete chapters (``notebooks/``), set to open in the
  Pyodide kernel;
* ``start.html``, the page the book's "Run live" buttons open: it says what it is, checks that
  the browser can run it and keep the reader's work, then opens the chapter;
* book/lite's ``jupyter-lite.json`` (the kernel offline, the app visible to the browser tests)
  and ``overrides.json``: the reader's work saved every 5 seconds, into the browser's storage,
  and every cell of a chapter kept on the page (windowing "none": JupyterLab 4.4's "full"
  detaches the cells out of view, and with them the widgets' sliders, and its "defer" logs
  errors from the table of contents as cells scroll by), and the arrow keys left to a focused
  slider's handle (the notebook's own arrow shortcuts would take them: they are rebound to every
  focused element but a slider's handle, so the arrows still move between cells).

Downloads are cached in ``_build/.cache/lite/``. Set PYODIDE_DIR to the unpacked folder of
Pyodide's full release archive to take every Pyodide file from there instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LITE = ROOT / "book" / "lite"
SOURCES = tomllib.loads((LITE / "sources.toml").read_text(encoding="utf-8"))
CACHE = ROOT / "_build" / ".cache" / "lite"
WORK = ROOT / "_build" / "lite"
OUTPUT = ROOT / "_build" / "html" / "lite"
CHAPTERS = "[0-9][0-9]_*.ipynb"
# The Pyodide kernel's name: a notebook that names another kernel (python3) opens with a
# "Select Kernel" dialog instead of starting one.
PYODIDE_KERNEL = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}


class BuildError(Exception):
    """A file the site needs that could not be had, or is not the file it should be."""


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checked(path, expected, what, where):
    """``path`` if its sha256 is ``expected``; else a BuildError naming the file and its source."""
    if not path.is_file():
        raise BuildError(f"{what}: {path.name} is missing ({path}). Get it from {where}.")
    found = sha256(path)
    if found != expected:
        raise BuildError(f"{what}: {path.name} has sha256 {found}, expected {expected}: it is "
                         f"not the file this site pins. Get it again from {where}.")
    return path


def download(url, target, expected, npm_spec=None):
    """``target``, downloaded from ``url`` unless a copy with the ``expected`` sha256 is there.

    Where a proxy lets only the registries' own tools out, ``npm pack npm_spec`` fetches the same
    tarball, and the sha256 check decides as before.
    """
    if target.is_file() and sha256(target) == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"downloading {url}")
    try:
        with urllib.request.urlopen(url, timeout=120) as response, open(target, "wb") as f:
            shutil.copyfileobj(response, f)
    except OSError as error:
        packed = npm_spec and shutil.which("npm") and subprocess.run(
            ["npm", "pack", "--silent", npm_spec, "--pack-destination", str(target.parent)],
            capture_output=True, text=True)
        if not packed or packed.returncode != 0:
            raise BuildError(f"could not download {url} ({error}); with no network, unpack "
                             f"{SOURCES['pyodide']['release_archive']} and set PYODIDE_DIR to its "
                             "folder") from None
        (target.parent / packed.stdout.strip().splitlines()[-1]).replace(target)
    return checked(target, expected, "download", url)


def pip_download(requirement, filename, expected, dest):
    """A wheel from PyPI (through pip, so its index settings hold), checked against ``expected``."""
    target = dest / filename
    if target.is_file() and sha256(target) == expected:
        return target
    dest.mkdir(parents=True, exist_ok=True)
    print(f"downloading {requirement} from PyPI")
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                           "--disable-pip-version-check", "--only-binary=:all:", "--dest", str(dest),
                           requirement], capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"pip could not download {requirement}:\n{done.stderr.strip()}")
    return checked(target, expected, "download", f"PyPI ({requirement})")


def wheel_requirement(filename):
    """``name==version`` of a wheel's file name."""
    name, version = filename.split("-")[:2]
    return f"{name}=={version}"


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


class PyodideRelease:
    """Pyodide's files, from the npm release and the packages' PyPI wheel, or from PYODIDE_DIR."""

    def __init__(self):
        self.spec = SOURCES["pyodide"]
        self.version = self.spec["version"]
        folder = os.environ.get("PYODIDE_DIR")
        self.folder = Path(folder) if folder else None
        if self.folder is None:
            self._runtime = self._unpack_npm()
            self._packages = zipfile.ZipFile(self._packages_wheel())
        self.lock = json.loads(self.runtime_file("pyodide-lock.json").read_text(encoding="utf-8"))
        if self.lock["info"]["version"] != self.version:
            raise BuildError(f"the lock is Pyodide {self.lock['info']['version']}, not {self.version}")

    def where(self):
        if self.folder is not None:
            return f"Pyodide {self.version}'s release archive, {self.spec['release_archive']}"
        return f"Pyodide {self.version} on npm, {self.spec['npm_tarball']}"

    def _unpack_npm(self):
        tarball = download(self.spec["npm_tarball"], CACHE / f"pyodide-{self.version}.tgz",
                           self.spec["npm_tarball_sha256"], npm_spec=f"pyodide@{self.version}")
        unpacked = CACHE / f"pyodide-{self.version}-npm"
        if not unpacked.is_dir():
            with tarfile.open(tarball) as archive:
                archive.extractall(CACHE / "unpacking", filter="data")
            (CACHE / "unpacking" / "package").rename(unpacked)
            shutil.rmtree(CACHE / "unpacking")
        return unpacked

    def _packages_wheel(self):
        source = self.spec["packages_from"]
        name, version = source["pypi"].split("==")
        filename = f"{normalise(name).replace('-', '_')}-{version}-py3-none-any.whl"
        return pip_download(source["pypi"], filename, source["sha256"], CACHE / "pypi")

    def runtime_file(self, name):
        """A runtime file (or the lock), checked against sources.toml."""
        path = (self.folder or self._runtime) / name
        return checked(path, self.spec["runtime"][name], f"Pyodide {self.version} runtime", self.where())

    def package_file(self, entry, dest):
        """Write a package's file from the lock ``entry`` to ``dest``, checked against the lock."""
        name = entry["file_name"]
        what = f"Pyodide {self.version} package {entry['name']} {entry['version']}"
        if self.folder is not None:
            shutil.copyfile(checked(self.folder / name, entry["sha256"], what, self.where()), dest / name)
        else:
            member = self.spec["packages_from"]["folder"] + name
            source = f"{self.spec['packages_from']['pypi']} on PyPI, or {self.spec['release_archive']}"
            try:
                data = self._packages.read(member)
            except KeyError:
                raise BuildError(f"{what}: {name} is not in {source.split(' on ')[0]}; get it "
                                 f"from {self.spec['release_archive']} and set PYODIDE_DIR") from None
            (dest / name).write_bytes(data)
            checked(dest / name, entry["sha256"], what, source)

    def closure(self, wanted):
        """The lock's entries for ``wanted`` and everything they depend on, by normalised name."""
        entries = {normalise(name): entry for name, entry in self.lock["packages"].items()}
        found, stack = {}, [normalise(n) for n in wanted]
        while stack:
            name = stack.pop()
            if name in found:
                continue
            if name not in entries:
                raise BuildError(f"Pyodide {self.version} has no package {name}")
            found[name] = entries[name]
            stack += [normalise(d) for d in entries[name]["depends"]]
        return found


def stage_pyodide(lite_dir):
    """Pyodide in ``lite_dir/static/pyodide``, where the kernel's build finds and configures it."""
    release = PyodideRelease()
    dest = lite_dir / "static" / "pyodide"
    dest.mkdir(parents=True)
    for name in release.spec["runtime"]:
        if name != "pyodide-lock.json":
            shutil.copyfile(release.runtime_file(name), dest / name)
    shipped = release.closure(SOURCES["pyodide"]["ship"]["packages"])
    for entry in shipped.values():
        release.package_file(entry, dest)
    lock = dict(release.lock, packages={name: entry for name, entry in release.lock["packages"].items()
                                        if normalise(name) in shipped})
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    return sorted(shipped)


def stage_wheels(lite_dir):
    """The piplite wheels: this checkout's autograd_lib, built now, and the pinned ones."""
    dest = lite_dir / "pypi"
    dest.mkdir(parents=True)
    for filename, expected in SOURCES["wheels"].items():
        shutil.copyfile(pip_download(wheel_requirement(filename), filename, expected, CACHE / "pypi"),
                        dest / filename)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--no-build-isolation", "--disable-pip-version-check",
                            "--wheel-dir", str(dest), str(ROOT)], capture_output=True, text=True)
    if built.returncode != 0:
        raise BuildError(f"could not build autograd_lib's wheel:\n{built.stderr.strip()}")
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' scratch folder
    return sorted(p.name for p in dest.glob("*.whl"))


def stage_contents(contents):
    """The workbook and the complete chapters, each set to open in the Pyodide kernel."""
    for folder in ("workbook", "notebooks"):
        (contents / folder).mkdir(parents=True)
        for path in sorted((ROOT / folder).glob(CHAPTERS)):
            nb = json.loads(path.read_text(encoding="utf-8"))
            nb["metadata"]["kernelspec"] = PYODIDE_KERNEL
            (contents / folder / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                                                       encoding="utf-8")


def name_the_icon(page):
    """Name the app's icon in its page: JupyterLab sets it only once it runs, and a page that names
    none at load makes the browser ask the server's root for /favicon.ico, which is not the
    site's (an error in the console wherever the book is served)."""
    html = page.read_text(encoding="utf-8")
    if "<title>" not in html:
        raise BuildError(f"{page} has no <title>: JupyterLite's page has changed")
    page.write_text(html.replace("<title>", '<link rel="icon" href="./favicon.ico" />\n    <title>', 1),
                    encoding="utf-8")


def folder_size(path):
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(jupyter_lite):
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.rmtree(OUTPUT, ignore_errors=True)
    lite_dir, contents = WORK / "site", WORK / "contents"
    lite_dir.mkdir(parents=True)
    for settings in ("jupyter-lite.json", "overrides.json"):
        shutil.copyfile(LITE / settings, lite_dir / settings)
    packages = stage_pyodide(lite_dir)
    wheels = stage_wheels(lite_dir)
    stage_contents(contents)
    done = subprocess.run([jupyter_lite, "build", "--lite-dir", str(lite_dir), "--contents", str(contents),
                           "--output-dir", str(OUTPUT), "--apps", "lab", "--no-sourcemaps",
                           "--no-unused-shared-packages"], cwd=WORK, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"jupyter lite build failed:\n{done.stdout}\n{done.stderr}")
    shutil.copyfile(LITE / "start.html", OUTPUT / "start.html")
    name_the_icon(OUTPUT / "lab" / "index.html")
    settings = json.loads((OUTPUT / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = settings["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    if not kernel.get("pyodideUrl", "").startswith("./") or not kernel.get("disablePyPIFallback"):
        raise BuildError(f"the site's kernel settings do not keep it offline: {kernel}")
    print(f"live edition: {OUTPUT.relative_to(ROOT)}, {folder_size(OUTPUT) / 1e6:.1f} MB; "
          f"Pyodide {SOURCES['pyodide']['version']} with {len(packages)} packages; wheels: {', '.join(wheels)}")


def main(argv):
    if len(argv) != 1:
        print("usage: python scripts/build_lite.py JUPYTER_LITE", file=sys.stderr)
        return 2
    try:
        build(os.path.abspath(argv[0]))
    except BuildError as error:
        print(f"The live edition could not be built: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
