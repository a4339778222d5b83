"""The website: builds with warnings as errors, one page per chapter, launch buttons, no error output."""
import yaml

from chapters import ROOT, toc_chapters


def test_every_chapter_has_a_page_without_errors(built_site):
    for chapter in ["intro"] + toc_chapters():
        page = built_site / f"{chapter}.html"
        assert page.exists(), f"{chapter}.html was not built"
        html = page.read_text()
        assert "Traceback" not in html and "CellExecutionError" not in html, f"{chapter}: an error in the output"


def test_chapter_pages_show_executed_outputs_and_a_colab_button(built_site):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    for chapter in toc_chapters():
        html = (built_site / f"{chapter}.html").read_text()
        assert "Budget: &#39;smoke&#39;" in html or "Budget: 'smoke'" in html, f"{chapter}: no executed output"
        colab = f"colab.research.google.com/github/{slug}/blob/{repo['branch']}/{chapter}.ipynb"
        assert colab in html, f"{chapter}: no Colab launch link to {colab}"


def test_setup_cells_match_the_repository_in_config():
    import subprocess, sys
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "setup_cell.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
