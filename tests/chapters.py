"""The chapters listed in _toc.yml, in course order (shared by the notebook, book and browser tests).

The reader itself lives in tools/book.py, shared with the benchmarks.
"""
from tools.book import ROOT, toc_chapters  # noqa: F401
