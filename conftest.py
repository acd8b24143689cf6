"""For every test run, the tests/ folder's and nbval's over notebooks/ alike."""

import os

# No progress bars in the kernels the tests start (they inherit this), so that the outputs nbval
# compares hold none, as the stored ones do (autograd_lib/course/progress.py).
os.environ["TQDM_DISABLE"] = "1"
# One BLAS thread per kernel: with two test workers on two cores, more threads only fight (the
# course's matrices are small), and the numbers are the same.
os.environ.setdefault("OMP_NUM_THREADS", "1")
