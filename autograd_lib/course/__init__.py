"""The course's machinery, kept apart from the library a reader builds.

``checks`` checks a reader's workbook tasks and plugs a passing piece into the
library; ``gather`` collects a reader's pieces from their chapter notebooks;
``workbook`` makes the reader's edition of the chapters; ``plots``,
``playground``, ``progress`` and ``show`` draw figures, run the XOR and
optimiser sliders, show a progress bar and show source. They import
matplotlib, ipywidgets, tqdm and nbformat only when used.

Importing the course in a notebook makes NumPy's read-only error say why, when
a reader writes into an array the tape holds (``show.explain_read_only_errors``).
"""

from .show import explain_read_only_errors

explain_read_only_errors()
