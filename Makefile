# upconv-lectures: `make lab` opens the lectures, `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
COLAB_WIDGETS := $(VENV)/colab-ipywidgets

# Everything the tools write stays under data/ (git-ignored): Jupyter runtime files,
# IPython and matplotlib caches.
export JUPYTER_RUNTIME_DIR := $(CURDIR)/data/.jupyter/runtime
export IPYTHONDIR          := $(CURDIR)/data/.ipython
export MPLCONFIGDIR        := $(CURDIR)/data/.matplotlib
export PATH                := $(CURDIR)/$(BIN):$(PATH)

# Tests and committed outputs use the offline MNIST subset on the CPU, so they are the
# same on every machine; `make lab` uses the full MNIST when it can download it.
REPRO := UPCONV_MNIST_SOURCE=subset CUDA_VISIBLE_DEVICES=
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg

.PHONY: install lab test test-portable test-colab test-full lint notebooks student site slides sync bench clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed: a second `make test` starts at once.
$(STAMP): pyproject.toml | $(BIN)/python
	mkdir -p $(JUPYTER_RUNTIME_DIR) $(IPYTHONDIR) $(MPLCONFIGDIR)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Colab's ipywidgets, beside (not in) the venv: tests/test_colab_versions.py runs
	# every widget against it in a subprocess.
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(COLAB_WIDGETS) \
		ipywidgets==7.7.1 ipython_genutils==0.2.0
	touch $(STAMP)

# JupyterLab refuses to run as root unless told (containers, cloud machines).
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check helpers tests tools notebooks

test: lint
	$(REPRO) $(BIN)/python -m pytest tests notebooks $(NBVAL) --durations=15

# Every notebook under strict nbval as another machine runs it: ATen's plain (non-vector)
# CPU kernels, one thread, and other initial weights (UPCONV_SEED is added to every
# set_seed). A notebook that passes only where it was executed fails here.
PORTABLE := ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 UPCONV_SEED=$(or $(UPCONV_SEED),1)
test-portable: $(STAMP)
	$(REPRO) $(PORTABLE) $(BIN)/python -m pytest notebooks $(NBVAL) -p no:cacheprovider

# Every notebook and the widget tests on Google Colab's own stack (tools/colab-stack.txt),
# in .venv-colab (Python 3.13); fails if installing the package would replace a pin.
test-colab: $(STAMP)
	$(BIN)/python tools/test_colab.py $(NB)

# Every notebook on a full-size MNIST stand-in (60,000 / 10,000 digits) against twice its
# subset time; about 15 minutes on a 2-core CPU (not part of `make test`).
test-full: $(STAMP)
	$(BIN)/python tools/full_mnist.py $(NB)

notebooks: $(STAMP)
	$(REPRO) $(BIN)/python tools/sync_notebooks.py --execute $(NB)

# The notebooks without their solution cells, for students: data/student/.
student: $(STAMP)
	$(BIN)/python tools/student_version.py $(NB)

# The series as a static site (Sphinx + myst-nb, committed outputs, no execution): data/site/.
site: $(STAMP)
	$(BIN)/python tools/build_site.py

# A reveal.js deck of each notebook's core: data/slides/ (serve data/, e.g. python -m http.server -d data).
slides: $(STAMP)
	$(BIN)/python tools/build_slides.py $(NB)

# The lecture's autoencoder recipe against notebook 04's (not part of `make test`).
bench: $(STAMP)
	$(REPRO) $(BIN)/python tests/bench_autoencoders.py

sync: $(STAMP)
	$(BIN)/python tools/sync_notebooks.py

clean:
	rm -rf $(VENV) data/.jupyter data/.ipython data/.matplotlib .pytest_cache .ruff_cache
