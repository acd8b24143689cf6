# Setup: where autograd_lib is not installed (Colab, a fresh Binder), install it from the
# course repository. Where it is importable (make lab, the book build) this does nothing.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("autograd_lib") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "backprop-from-scratch @ git+https://github.com/backprop-from-scratch/backprop-from-scratch"],
                   check=True)
