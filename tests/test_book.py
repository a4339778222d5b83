"""The website: builds with warnings as errors, one page per chapter, launch buttons, no error output, and every
chapter's claims shown (held, when the site was built at the cpu or gpu budget).

The site is $D2LITE_SITE when set (CI builds it at the cpu budget with claims enforced), else built here (smoke).
"""
import re

import yaml

from chapters import ROOT, toc_chapters


def site_budget(site) -> str:
    """The budget the site was built with, as its front page prints it."""
    match = re.search(r"Budget: (?:&#39;|')(smoke|cpu|gpu)(?:&#39;|')", (site / "intro.html").read_text())
    assert match, "the front page must say which budget built the site"
    return match.group(1)


def test_every_chapter_has_a_page_without_errors(site):
    for chapter in ["intro"] + toc_chapters():
        page = site / f"{chapter}.html"
        assert page.exists(), f"{chapter}.html was not built"
        html = page.read_text()
        assert "Traceback" not in html and "CellExecutionError" not in html, f"{chapter}: an error in the output"


def test_front_page_says_which_budget_and_data_built_it(site):
    html = (site / "intro.html").read_text()
    site_budget(site)
    assert "Data: Fashion-MNIST" in html


def test_chapter_pages_show_executed_outputs_and_a_colab_button(site):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    budget = site_budget(site)
    for chapter in toc_chapters():
        html = (site / f"{chapter}.html").read_text()
        assert f"Budget: &#39;{budget}&#39;" in html or f"Budget: '{budget}'" in html, f"{chapter}: no executed output"
        colab = f"colab.research.google.com/github/{slug}/blob/{repo['branch']}/{chapter}.ipynb"
        assert colab in html, f"{chapter}: no Colab launch link to {colab}"


def test_every_chapter_states_its_lessons_as_claims_that_hold(site):
    """At least 3 claims per chapter; at the cpu/gpu budget all of them held (smoke does not judge them)."""
    budget = site_budget(site)
    for chapter in toc_chapters():
        html = (site / f"{chapter}.html").read_text()
        kinds = re.findall(r'class="d2lite-(claim-\w+)"', html)
        assert len(kinds) >= 3, f"{chapter}: {len(kinds)} claims; state at least 3 of its main lessons as claims"
        if budget == "smoke":
            assert set(kinds) == {"claim-skipped"}, f"{chapter}: smoke must not judge claims"
        else:
            assert "claim-fails" not in kinds, f"{chapter}: a claim did not hold at the {budget} budget"


def test_setup_cells_match_the_repository_in_config():
    import subprocess, sys
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "setup_cell.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
