# The commands of the README. They make or reuse the course environment (tools/venv.sh), shared by every clone.
#   make site       build the website with every notebook executed, then open it
#   make test       run the test suite (package, notebooks, site build, browser, notebook clients)
#   make lab        open the chapters in JupyterLab (make notebook: in Jupyter Notebook 7)
# D2LITE_PROFILE=smoke|cpu|gpu picks the compute budget (default: gpu with CUDA, else cpu).
VENV := $(shell tools/venv.sh)
ifeq ($(VENV),)
$(error tools/venv.sh could not create the course environment: see its messages above)
endif
export PATH := $(VENV)/bin:$(PATH)
# This clone's d2lite, never another clone's: the shared environment has none installed, and Python, the tests, the
# site build and notebook kernels (they inherit the environment) all find it here first.
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))
# Idle PyTorch threads sleep instead of spinning: the test process, notebook kernels and the site build share few cores.
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: site test lab notebook
site:
	jupyter-book build -W -n --keep-going .
	@echo "Built: file://$(CURDIR)/_build/html/index.html"
	@python -c "import os, webbrowser; os.environ.get('DISPLAY') and webbrowser.open('file://$(CURDIR)/_build/html/index.html')" || true

test:
	python -m pytest $(PYTEST_ARGS)

lab notebook:
	jupyter $@ chapters/
