# Setup: where the course's autograd_lib is not installed, install it. In the
# book's live edition (Python in your browser) it comes from the site's own
# files; on Colab, or any Jupyter without the course, the release this book
# was built from comes from GitHub. Where it is installed (make lab, Binder,
# the book build) this cell does nothing. A failed install stops here.
import importlib
import importlib.metadata
import subprocess
import sys

RELEASE = "0.3.0"
try:
    installed = importlib.metadata.version("backprop-from-scratch")
except importlib.metadata.PackageNotFoundError:
    installed = None
if installed is None and sys.platform == "emscripten":
    import piplite
    await piplite.install(["backprop-from-scratch", "ipywidgets", "matplotlib", "tqdm"])
    print("Installed autograd_lib "
          f"{importlib.metadata.version('backprop-from-scratch')} from this site. "
          "Python runs in your browser; your work is saved in its storage "
          "(File > Download keeps a copy).")
elif installed is None:
    print(f"Installing the course's autograd_lib {RELEASE}...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "backprop-from-scratch @ git+https://github.com/"
                    f"backprop-from-scratch/backprop-from-scratch@v{RELEASE}"],
                   check=True)
    importlib.invalidate_caches()
elif installed != RELEASE:
    print(f"Note: autograd_lib {installed} is installed; this chapter was "
          f"written for {RELEASE}.")
