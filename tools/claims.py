"""List every claim of every chapter, as the executed notebooks of a site build show it.

    python tools/claims.py [_build]          # markdown list per chapter: ✔ holds, ⚠ did not, · not judged

Reads `<build>/jupyter_execute/**/*.ipynb` (Jupyter Book keeps the executed notebooks there). Exits with 1 if a
claim did not hold, so it can also guard a build made without D2LITE_CLAIMS=enforce.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

KINDS = {"claim-holds": "✔", "claim-fails": "⚠", "claim-skipped": "·"}


def claims(notebook: Path) -> list[tuple[str, str]]:
    """(kind, text) for each claim output of an executed notebook, in order."""
    found = []
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            match = re.search(r'class="d2lite-(claim-\w+)"', html)
            if match:
                text = output["data"].get("text/plain", "")
                found.append((match.group(1), "".join(text) if isinstance(text, list) else text))
    return found


def main(build: Path) -> int:
    """Print the claims of every executed chapter; return 1 if any did not hold."""
    executed = sorted((build / "jupyter_execute").rglob("*.ipynb"))
    if not executed:
        print(f"no executed notebooks under {build / 'jupyter_execute'}: build the site first (make site)")
        return 1
    failed = 0
    for notebook in executed:
        found = claims(notebook)
        if not found:
            continue
        print(f"\n### {notebook.stem} ({len(found)} claims)")
        for kind, text in found:
            failed += kind == "claim-fails"
            print(f"- {KINDS[kind]} {text.split(': ', 1)[-1].split('. Results vary')[0]}")
    print(f"\n{failed} claim(s) did not hold." if failed else "\nEvery judged claim held.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("_build")))
