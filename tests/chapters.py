"""The chapters listed in _toc.yml, in course order (shared by the notebook, book and browser tests)."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_chapters() -> list[str]:
    """Chapter paths from _toc.yml without suffix, e.g. 'chapters/lenet'."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = list(toc.get("chapters", []))
    for part in toc.get("parts", []):
        entries += part.get("chapters", [])
    return [e["file"] for e in entries]
