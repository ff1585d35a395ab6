"""Run the code examples of a Markdown page, in order, in one namespace.

A page's fenced blocks are executed top to bottom as a reader would type them:

* ```` ```pycon ```` blocks are doctests: each ``>>>`` example runs and its
  printed output must match the text below it (:class:`NumericOutputChecker`);
* ```` ```python ```` blocks run as a script (no output is checked);
* other blocks (``bash``, ``r``, ``text``) are not run.

A block whose info string carries ``norun`` (```` ```python norun ````) is
not run either; the pages use it only for code that needs data the reader has
and we do not.
"""
import doctest
import re
import textwrap

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)\n"
                    r"(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
                    re.MULTILINE | re.DOTALL)

#: A number that stands alone, not part of a name such as ``S01`` or ``T.1``.
_NUMBER = re.compile(r"(?<![\w.\]])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
#: Rules of a table (``=====``, ``-----``), whose length follows the column widths.
_RULE = re.compile(r"[=\-]{5,}")

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def code_blocks(text):
    """The fenced code blocks of Markdown ``text``: list of (language, options, code, line)."""
    blocks = []
    for match in _FENCE.finditer(text):
        info = match.group("info").strip().split()
        lang = info[0].lower() if info else ""
        body = textwrap.dedent(match.group("body"))
        line = text.count("\n", 0, match.start()) + 2
        blocks.append((lang, info[1:], body, line))
    return blocks


class NumericOutputChecker(doctest.OutputChecker):
    """Doctest output checker that compares numbers with a tolerance.

    Outputs match when they match as text (whitespace normalized, ``...``
    allowed), or when, after table rules are shortened and numbers replaced
    by a placeholder, the texts match and every number agrees with the one
    written on the page to half a unit of its last printed digit (plus
    ``rtol`` relative, for the optimizer's last digits).  The pages print lme4's values (rounded), so a match is parity
    with lme4 at the printed precision.
    """

    rtol = 1e-5

    def check_output(self, want, got, optionflags):
        if super().check_output(want, got, optionflags):
            return True
        want_n, got_n = _RULE.sub("=====", want), _RULE.sub("=====", got)
        wnums, gnums = _NUMBER.findall(want_n), _NUMBER.findall(got_n)
        if len(wnums) != len(gnums):
            return False
        if not super().check_output(_NUMBER.sub("#", want_n), _NUMBER.sub("#", got_n),
                                    optionflags):
            return False
        return all(_close(w, g, self.rtol) for w, g in zip(wnums, gnums))


def _close(want, got, rtol):
    w, g = float(want), float(got)
    mantissa = want.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(want.lower().split("e")[1]) if "e" in want.lower() else 0
    unit = 10.0 ** (exponent - decimals)
    return abs(w - g) <= rtol * abs(w) + 0.5 * unit


def run_blocks(blocks, name, namespace=None):
    """Execute ``blocks`` (from :func:`code_blocks`) in order; return the namespace.

    Raises AssertionError naming the page and line of the first failing block.
    """
    ns = {"__name__": "__docs__"} if namespace is None else namespace
    parser = doctest.DocTestParser()
    checker = NumericOutputChecker()
    for lang, options, code, line in blocks:
        if "norun" in options or lang not in ("python", "pycon"):
            continue
        where = f"{name}, code block at line {line}"
        if lang == "python":
            try:
                exec(compile(code, where, "exec"), ns)
            except Exception as exc:
                raise AssertionError(f"{where} raised {type(exc).__name__}: {exc}") from exc
            continue
        test = parser.get_doctest(code, ns, where, name, line)
        runner = doctest.DocTestRunner(checker=checker, optionflags=FLAGS)
        report = []
        runner.run(test, out=report.append, clear_globs=False)
        ns.update(test.globs)          # DocTest runs in a copy of the namespace
        if runner.failures:
            raise AssertionError("".join(report))
    return ns
