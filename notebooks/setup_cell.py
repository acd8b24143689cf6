# Setup: where autograd_lib is not installed (Colab, or any Jupyter without the course), install
# it from the course repository's main branch, the branch the launch buttons open. Where it is
# importable (make lab, Binder, the book build) this cell does nothing. A failed install stops here.
import importlib
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("autograd_lib") is None:
    print("autograd_lib is not installed here: installing it from the course repository...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "backprop-from-scratch @ git+https://github.com/backprop-from-scratch/backprop-from-scratch@main"],
                   check=True)
    importlib.invalidate_caches()
