# Two commands for a new user: `make book` builds the course, `make test` checks everything.
# Both create .venv and install the pinned packages (constraints.txt) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book lite test unit lab workbook notebooks bench mutants lock clean

# The caches and temporary files of the build and the tests stay in _build/.cache, which git
# ignores: nothing is written to HOME or /tmp, and a HOME that cannot be written is no problem
# (matplotlib's warning about one would otherwise fail the build).
CACHE := $(CURDIR)/_build/.cache
IN_REPO := MPLCONFIGDIR=$(CACHE)/matplotlib IPYTHONDIR=$(CACHE)/ipython \
	JUPYTER_CONFIG_DIR=$(CACHE)/jupyter/config JUPYTER_DATA_DIR=$(CACHE)/jupyter/data \
	JUPYTER_RUNTIME_DIR=$(CACHE)/jupyter/runtime XDG_CACHE_HOME=$(CACHE) TMPDIR=$(CACHE)/tmp
# Stored and built outputs: TQDM_DISABLE, no progress bars (autograd_lib/course/progress.py);
# OMP_NUM_THREADS=1, the course's matrices are small, and BLAS threads fighting for two busy
# cores made chapter 7 five times slower; one thread gives the same numbers.
QUIET := TQDM_DISABLE=1 OMP_NUM_THREADS=1

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt pip setuptools
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation \
		-c constraints.txt -e ".[course,test]"
	touch $@

# The environment that builds the live edition (JupyterLite and its Pyodide kernel), apart from
# .venv: the site must carry the widgets' lab extension made for JupyterLite's JupyterLab 4.4.
LITE := .lite-venv
$(LITE)/.installed: book/lite/build-requirements.txt
	rm -rf $(LITE)
	$(PYTHON) -m venv $(LITE)
	$(LITE)/bin/python -m pip install --quiet --disable-pip-version-check -r book/lite/build-requirements.txt
	touch $@

# Every chapter is executed during the build; any warning or cell error fails it. A build that
# did not finish (interrupted, or failed) leaves pages Sphinx would take as done next time, and
# a search index without them, so the next build after one starts from nothing. Then the live
# edition goes into _build/html/lite: Pyodide and its packages (downloaded once into
# _build/.cache/lite, each file checked), this checkout's autograd_lib, and the chapters.
BOOK_DONE := _build/.book-complete
BUILD_LITE = $(BIN)/python scripts/build_lite.py $(LITE)/bin/jupyter-lite

book: $(STAMP) $(LITE)/.installed
	@if [ -e _build/html ] && [ ! -e $(BOOK_DONE) ]; then \
		echo "The last build did not finish: building the whole book again."; \
		rm -rf _build/html _build/.doctrees _build/jupyter_execute; fi
	rm -f $(BOOK_DONE)
	mkdir -p $(CACHE)/tmp
	$(IN_REPO) $(QUIET) $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	$(IN_REPO) $(BUILD_LITE)
	touch $(BOOK_DONE)
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"
	@echo "Its live edition needs a web server: make lite"

# The built book over http on this machine, where its live edition runs (a file:// page cannot
# start Python in the browser).
lite:
	@test -e $(BOOK_DONE) || { echo "Build the book first: make book"; exit 1; }
	@echo "Serving the book at http://127.0.0.1:8000/ (live edition: http://127.0.0.1:8000/lite/start.html); Ctrl-C stops"
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory _build/html 8000

# Your work lives in my-work/ (git ignores it): chapters missing there are copied from the
# workbook, and none is ever overwritten. Jupyter refuses to run as root unless told;
# containers and CI machines often are root.
lab: $(STAMP)
	$(BIN)/python -m autograd_lib.course.workbook start . my-work
	$(BIN)/jupyter lab my-work/01_tensors.ipynb $(if $(filter 0,$(shell id -u)),--allow-root)

# The reader's edition of the chapters, made from them: run after changing a chapter, and commit.
workbook: $(STAMP)
	$(BIN)/python -m autograd_lib.course.workbook make .

# Two more environments the tests run the chapters in, built once and then reused: Google
# Colab's runtime (tests/colab_runtime.txt, with Python 3.13 where this machine has one), and
# Binder's (binder/postBuild over repo2docker's Notebook 7.4.7, tests/binder_base.txt).
COLAB := .colab-venv
BINDER := .binder-venv
COLAB_PYTHON ?= $(firstword $(foreach p,python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13),\
	$(if $(shell $(p) -c 'print(1)' 2>/dev/null),$(p))) $(PYTHON))

$(COLAB)/.installed: tests/colab_runtime.txt pyproject.toml
	rm -rf $(COLAB)
	$(COLAB_PYTHON) -m venv $(COLAB)
	$(COLAB)/bin/python -m pip install --quiet --disable-pip-version-check -r tests/colab_runtime.txt
	$(COLAB)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(BINDER)/.installed: tests/binder_base.txt binder/postBuild constraints.txt pyproject.toml
	rm -rf $(BINDER)
	$(PYTHON) -m venv $(BINDER)
	$(BINDER)/bin/python -m pip install --quiet --disable-pip-version-check -r tests/binder_base.txt
	PATH="$(CURDIR)/$(BINDER)/bin:$$PATH" bash binder/postBuild
	touch $@

# The book first (its tests read _build/html), then the library tests, every notebook
# through nbval (cells of one notebook stay on one worker: --dist loadfile), the chapters on
# Colab's and Binder's versions, and the browser checks. The workers take the files in the
# order tests/conftest.py gives them, longest first (--no-loadscope-reorder: not by count).
test: book $(COLAB)/.installed $(BINDER)/.installed
	mkdir -p $(CACHE)/tmp
	$(IN_REPO) $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

# The fast tier: the library's and the checks' tests, without the files marked slow (the built
# book, the browsers, the other environments, whole notebooks); for a change to one VJP.
unit: $(STAMP)
	$(IN_REPO) $(BIN)/python -m pytest -n 2 -q -m "not slow" tests

# Re-run every chapter and store its outputs (nbval compares later runs with them), then
# make the workbook from the chapters again.
notebooks: $(STAMP)
	mkdir -p $(CACHE)/tmp
	$(IN_REPO) $(QUIET) $(BIN)/python scripts/run_notebooks.py
	$(BIN)/python -m autograd_lib.course.workbook make .

# Every benchmark runs, even after one that misses its target (it says so, and make bench fails
# at the end); the live edition's needs the built book.
BENCHMARKS := bench_step bench_guards bench_digits_epoch bench_playground bench_graph bench_lite
bench: $(STAMP)
	@test -e $(BOOK_DONE) || { echo "The live edition's timings need the built book: make book"; exit 1; }
	@missed=""; for b in $(BENCHMARKS); do \
		echo "== benchmarks/$$b.py"; \
		$(IN_REPO) $(BIN)/python benchmarks/$$b.py || missed="$$missed $$b"; done; \
	if [ -n "$$missed" ]; then echo "Missed a target or failed:$$missed"; exit 1; fi

# Plant each of a list of small bugs in a copy of the library, one at a time, and check that
# the unit tests fail on every one (scripts/mutants.py holds the list).
mutants: $(STAMP)
	mkdir -p $(CACHE)/tmp
	$(IN_REPO) $(BIN)/python scripts/mutants.py

# Re-resolve every pin from pyproject.toml's extras for the oldest supported Python, whatever
# Python runs it (needs the package index; scripts/lock.py says how).
lock: $(STAMP)
	$(BIN)/python scripts/lock.py

clean:
	rm -rf _build .pytest_cache .hypothesis $(COLAB) $(BINDER) $(LITE)
