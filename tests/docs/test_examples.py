"""Every code example of the documentation runs, and prints what the page shows.

The pages (``docs/*.md`` and the top-level README) are executed block by block
(:mod:`tests.docs.runner`); the plot scripts of ``docs/plots`` are run with
matplotlib's Agg backend and must draw a figure.  Numbers printed on the pages
are lme4's (rounded), so these tests also check parity at the printed precision.
"""
import runpy
import warnings
from pathlib import Path

import pytest

from tests.docs.runner import NumericOutputChecker, code_blocks, run_blocks

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]
PLOTS = sorted((DOCS / "plots").glob("*.py"))
#: Pages that must hold runnable examples (the entry page may have none).
CONTENT = {"concepts.md", "quickstart.md", "python_users.md", "diagnostics.md",
           "README.md"}


def _runnable(path):
    return [b for b in code_blocks(path.read_text()) if b[0] in ("python", "pycon")
            and "norun" not in b[1]]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_examples_run(page):
    blocks = _runnable(page)
    if page.name in CONTENT:
        assert blocks, f"{page.name} has no runnable example: check its code fences"
    with warnings.catch_warnings():
        # The pages show fits that warn on purpose (singular fits, MixedLM's
        # convergence notes); what is printed is checked, not the warnings.
        warnings.simplefilter("ignore")
        run_blocks(blocks, str(page.relative_to(ROOT)))


@pytest.mark.parametrize("script", PLOTS, ids=lambda p: p.name)
def test_plot_scripts_draw(script):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(str(script), run_name="__main__")
    figs = [plt.figure(n) for n in plt.get_fignums()]
    assert figs and all(f.axes for f in figs), f"{script.name} drew no figure"
    plt.close("all")


def test_readme_quickstart_matches_docs_entry_page():
    """The README's example is the docs entry page's, character for character."""
    def first_python(path):
        return next(b[2] for b in code_blocks(path.read_text()) if b[0] == "python")

    assert first_python(ROOT / "README.md") == first_python(DOCS / "index.md")
    assert "docs/index.md" in (ROOT / "README.md").read_text()


def test_plots_are_referenced():
    """Each plot script is used by a page (``.. plot:: name.py``), and vice versa."""
    text = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    for script in PLOTS:
        assert script.name in text, f"docs/plots/{script.name} is not used by any page"


# -- the machinery itself -----------------------------------------------------------
def test_code_blocks_are_found_with_language_and_line():
    text = "intro\n\n```pycon\n>>> 1 + 1\n2\n```\n\n```python norun\nx = 1\n```\n"
    blocks = code_blocks(text)
    assert [(b[0], b[1], b[3]) for b in blocks] == [("pycon", [], 4), ("python", ["norun"], 9)]
    assert blocks[0][2] == ">>> 1 + 1\n2\n"


def test_doctest_output_is_checked():
    ok = code_blocks("```pycon\n>>> print(0.1 + 0.2)\n0.3\n```\n")
    run_blocks(ok, "ok")
    bad = code_blocks("```pycon\n>>> print(0.36)\n0.3\n```\n")
    with pytest.raises(AssertionError, match="Expected"):
        run_blocks(bad, "bad")
    broken = code_blocks("```python\nraise KeyError('x')\n```\n")
    with pytest.raises(AssertionError, match="KeyError"):
        run_blocks(broken, "broken")


def test_blocks_share_one_namespace_in_order():
    blocks = code_blocks("```python\nx = 41\n```\n\n```pycon\n>>> x + 1\n42\n```\n")
    assert run_blocks(blocks, "ns")["x"] == 41


@pytest.mark.parametrize("want, got, same", [
    ("660.09", "660.0857", True),              # within half a unit of the last digit
    ("660.09", "660.0757", False),
    ("660.09", "660.1057", False),
    ("10234.10", "10234.1021", True),
    ("1e-05", "1.00000001e-05", True),
    ("S01  95.4", "S01  95.37", True),         # digits inside names are text
    ("S01  95.4", "S02  95.37", False),
    ("cond[T.incongruent]  34.62", "cond[T.incongruent]  34.6178", True),
    ("a = 1.5", "b = 1.5", False),
    ("====\nx  1.0\n==", "=========\nx  1.0\n=====", False),   # short rules are text
    ("=======\nx  1.0", "==========\nx  1.0", True),          # long rules: any length
    ("1.0  2.0", "1.0", False),
])
def test_numeric_checker(want, got, same):
    checker = NumericOutputChecker()
    assert checker.check_output(want + "\n", got + "\n", 0) is same
