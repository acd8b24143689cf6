# Setup: where the course's autograd_lib is not installed (Colab, or any
# Jupyter without the course), install the release this book was built from.
# Where it is (make lab, Binder, the book build) this cell does nothing. A
# failed install stops here.
import importlib
import importlib.metadata
import subprocess
import sys

RELEASE = "0.3.0"
try:
    installed = importlib.metadata.version("backprop-from-scratch")
except importlib.metadata.PackageNotFoundError:
    print(f"Installing the course's autograd_lib {RELEASE}...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "backprop-from-scratch @ git+https://github.com/"
                    f"backprop-from-scratch/backprop-from-scratch@v{RELEASE}"],
                   check=True)
    importlib.invalidate_caches()
else:
    if installed != RELEASE:
        print(f"Note: autograd_lib {installed} is installed; this chapter was "
              f"written for {RELEASE}.")
