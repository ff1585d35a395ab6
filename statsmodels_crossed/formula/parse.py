"""Parse lme4-style mixed-model formulas into a fixed part and random-effects terms.

Grammar (whitespace, newlines included, is free everywhere)::

    formula  := response "~" rhs
    rhs      := summand ("+" summand)*
    summand  := random | fixed        fixed: any patsy text without "|"
    random   := "(" expr bar group ")"   extra enclosing parentheses are allowed
    bar      := "|"                   correlated: one term, expr as written
              | "||"                  uncorrelated: one term per patsy term of expr
    expr     := patsy right-hand side ("1", "Days", "0 + x", "1 + C(cond)")
    group    := nest ("/" nest)*      nesting
    nest     := name (":" name)*      interaction; name is a Python identifier

Expansion follows lme4 (``findbars``, ``expandDoubleVerts``, ``expandSlash``):

* ``(x * z || g)`` -> ``(1 | g)``, ``(0 + x | g)``, ``(0 + z | g)``, ``(0 + x:z | g)``:
  intercept first, then the terms by increasing order, as R's ``terms()`` sorts them.
* ``(1 | a/b/c)`` -> groups ``c:b:a``, ``b:a``, ``a`` (lme4 prints ``c:(b:a)``; the
  levels are the same).  ``a/b:c`` -> ``b:c:a``, ``a``.  A first nest with ``:``
  (``a:b/c``) is rejected: lme4 mangles it.
* ``||`` expands before ``/``: ``(x || a/b)`` -> ``1|b:a``, ``1|a``, ``0+x|b:a``, ``0+x|a``.

Unlike lme4, ``x:(1 | g)``, ``(1 | g) - 1`` (lme4 drops the operator) and parentheses
in the group are errors.
"""
from __future__ import annotations

import functools
import keyword
import re
from dataclasses import dataclass

import patsy

from statsmodels_crossed.exceptions import FormulaError

_OPEN, _CLOSE = "([{", ")]}"
#: Characters that open or close a bracket or a string literal.
_NESTING = re.compile(r"[()\[\]{}'\"]")


@dataclass(frozen=True)
class RandomTerm:
    """One random-effects term ``(expr | group)`` after expansion.

    Parameters
    ----------
    expr : str
        patsy right-hand side of the term's model matrix ("1", "0 + Days", "1 + cond").
    factors : tuple of str
        Grouping variables in lme4's naming order; their interaction is the group.
    """

    expr: str
    factors: tuple[str, ...]

    @property
    def group_name(self) -> str:
        """Name of the grouping factor, ``":".join(factors)`` (e.g. "cask:batch")."""
        return ":".join(self.factors)

    @property
    def has_intercept(self) -> bool:
        """Whether the model matrix of `expr` has an intercept column (patsy rules)."""
        return patsy.INTERCEPT in patsy.ModelDesc.from_formula("~ " + self.expr).rhs_termlist


@dataclass(frozen=True)
class ParsedFormula:
    """A mixed-model formula split into its parts.

    Parameters
    ----------
    formula : str
        The original text.
    response : str
        Left-hand side, whitespace collapsed.
    fixed : str
        ``"response ~ rhs"`` with every random term removed (rhs "1" if nothing is left).
    random : tuple of RandomTerm
        Random-effects terms in formula order, after ``||`` and ``/`` expansion.
    """

    formula: str
    response: str
    fixed: str
    random: tuple[RandomTerm, ...]


def parse_formula(formula: str) -> ParsedFormula:
    """Split an lme4-style formula into its fixed part and its random-effects terms.

    Parameters
    ----------
    formula : str
        For example ``"Reaction ~ Days + (Days || Subject)"``.

    Returns
    -------
    ParsedFormula

    Raises
    ------
    FormulaError
        If the formula is malformed or has no random-effects term.
    """
    if not isinstance(formula, str):
        raise FormulaError(f"formula must be a string, got {type(formula).__name__}")
    return _parse(formula) if type(formula) is str else _parse.__wrapped__(formula)


@functools.lru_cache(maxsize=256)
def _parse(formula):
    """:func:`parse_formula` of a string, kept for the formula's next model.

    A pure function of the text whose result is immutable (frozen dataclasses
    and tuples): models fitted in a loop (:func:`~statsmodels_crossed.batch.fit_many`,
    simulations) parse their formula once.  Errors are raised each time.
    """
    depth = _depths(formula, check=True)
    tildes = [i for i, ch in enumerate(formula) if ch == "~" and depth[i] == 0]
    usage = "write it as response ~ terms, e.g. 'y ~ x + (1 | g)'"
    if len(tildes) != 1:
        raise FormulaError(f"formula '{formula}' has {len(tildes) or 'no'} '~'; {usage}")
    response, rhs = _squash(formula[:tildes[0]]), _squash(formula[tildes[0] + 1:])
    if not response or not rhs:
        side = "left (the response)" if not response else "right"
        raise FormulaError(f"formula '{formula}' has nothing on the {side} of '~'; {usage}")
    if "|" in _code(response):
        raise FormulaError(f"response '{response}' contains '|'; random-effects terms "
                           "belong on the right-hand side of '~'")
    fixed, random = [], []
    for summand in map(str.strip, _split(rhs, "+")[0]):
        if not summand:
            raise FormulaError(f"formula '{formula}' has an empty term: a '+' with "
                               "nothing before or after it")
        terms = _random_terms(summand)
        if terms is None:
            fixed.append(summand)
        else:
            random.extend(terms)
    if not random:
        for summand in fixed:
            bare = re.fullmatch(r"\(\s*([\w.+ ]+?)\s*[ /\\]\s*(\w+)\s*\)", summand)
            if bare:
                raise FormulaError(f"'{summand}' looks like a random-effects term without "
                                   f"'|': write ({bare.group(1)} | {bare.group(2)})")
        raise FormulaError(f"formula '{formula}' has no random-effects term; use "
                           "statsmodels OLS/GLM for a model without random effects, "
                           "or add a term like (1 | g)")
    return ParsedFormula(formula, response, f"{response} ~ {' + '.join(fixed) or '1'}",
                         tuple(random))


def _random_terms(summand):
    """Expand one ``+``-separated summand; None if it is a fixed-effects summand."""
    if "|" not in _code(summand):
        return None
    inner = summand
    while _enclosed(inner):
        inner = inner[1:-1].strip()
    depth = _depths(inner)
    bars = [i for i, ch in enumerate(inner) if ch == "|" and depth[i] == 0]
    if bars and inner == summand:
        raise FormulaError(f"'|' outside parentheses in '{summand}'; write a "
                           "random-effects term in parentheses, as (expr | group)")
    if not bars:
        ops = [ch for ch, d in zip(inner, depth) if d == 0 and ch in "*:-/^%+"]
        how = f"by '{ops[0]}'" if ops else "inside an expression"
        raise FormulaError(f"random-effects term in '{summand}' is combined with other "
                           f"terms {how}; a random-effects term must stand alone, "
                           "added with '+': y ~ x + (expr | group)")
    expr, group = inner[:bars[0]].strip(), inner[bars[-1] + 1:].strip()
    for bad, problem in [
            ("|" in _code(expr + group),
             "has nested bars; write each term on its own: (expr | g1) + (expr | g2)"),
            (bars[-1] - bars[0] + 1 != len(bars),
             "has more than one '|'; write it as (expr | group)"),
            (len(bars) > 2, "has a triple bar; write (expr | group) or (expr || group)"),
            (not expr, "has no expression; write it as (expr | group), e.g. (1 | group)"),
            (not group, "has no grouping factor; write it as (expr | group)")]:
        if bad:
            raise FormulaError(f"random-effects term '{summand}' {problem}")
    try:
        terms = ([patsy.INTERCEPT] if expr == "1"     # (1 | g), without patsy's parser
                 else patsy.ModelDesc.from_formula("~ " + expr).rhs_termlist)
    except patsy.PatsyError as exc:
        raise FormulaError(f"cannot parse '{expr}' in random-effects term '{summand}': "
                           f"{getattr(exc, 'message', exc)}") from None
    if not terms:
        raise FormulaError(f"random-effects term '{summand}' has no columns; write "
                           "(1 | group) or (0 + x | group)")
    if len(bars) == 2:
        ordered = sorted(terms, key=lambda t: len(t.factors))
        exprs = ["1" if t == patsy.INTERCEPT else "0 + " + t.name() for t in ordered]
    else:
        exprs = [_tidy(expr)]
    groups = _expand_group(group, expr, summand)
    return [RandomTerm(e, factors) for e in exprs for factors in groups]


def _expand_group(group, expr, summand):
    """Factor tuples of `group` in lme4's order: a/b/c -> (c,b,a), (b,a), (a,)."""
    nests = [tuple(name.strip() for name in nest.split(":")) for nest in group.split("/")]
    for name in (name for nest in nests for name in nest):
        if not name.isidentifier() or keyword.iskeyword(name):
            raise FormulaError(f"grouping factor '{group}' of random-effects term "
                               f"'{summand}' must be variable names joined by ':' "
                               "(interaction) or '/' (nesting), e.g. (1 | subject), "
                               "(1 | dept:service), (1 | batch/cask)")
    groups = [sum(reversed(nests[:k]), ()) for k in range(len(nests), 0, -1)]
    if len(nests) > 1 and len(nests[0]) > 1:
        spelled = " + ".join(f"({expr} | {':'.join(factors)})" for factors in groups)
        raise FormulaError(f"grouping factor '{group}' of random-effects term '{summand}' "
                           f"nests within an interaction, which lme4 mis-expands; "
                           f"write the terms out: {spelled}")
    return groups


def _tidy(expr):
    """Collapse whitespace and put single spaces around top-level '+' and '-'."""
    pieces, ops = _split(_squash(expr), "+-")
    out = pieces[0].strip()
    for op, piece in zip(ops, pieces[1:]):
        out = f"{out} {op} {piece.strip()}" if out else f"{op}{piece.strip()}"
    return out


def _depths(text, check=False):
    """Bracket depth of each character of `text`, -1 inside string literals.

    With ``check=True``, raise FormulaError on unbalanced brackets or quotes.
    """
    if not _NESTING.search(text):             # most pieces of a formula: nothing nests
        return [0] * len(text)
    depth, stack, quote, escaped = [], [], None, False
    for i, ch in enumerate(text):
        if quote is not None:
            depth.append(-1)
            quote = None if ch == text[quote] and not escaped else quote
            escaped = ch == "\\" and not escaped
            continue
        if ch in "'\"":
            quote = i
        elif ch in _CLOSE and stack and text[stack[-1]] == _OPEN[_CLOSE.index(ch)]:
            stack.pop()
        elif ch in _CLOSE and check:
            raise _unbalanced(text, i, f"unbalanced parentheses: '{ch}' has no opening")
        depth.append(-1 if quote is not None else len(stack))
        if ch in _OPEN:
            stack.append(i)
    if check and quote is not None:
        raise _unbalanced(text, quote, "unterminated string: the quote is never closed")
    if check and stack:
        raise _unbalanced(text, stack[-1],
                          f"unbalanced parentheses: '{text[stack[-1]]}' is never closed")
    return depth


def _unbalanced(text, pos, what):
    """FormulaError pointing at character `pos` of `text`."""
    flat = "".join(" " if ch.isspace() else ch for ch in text)
    return FormulaError(f"{what} at character {pos + 1} of formula '{text}'"
                        f"\n    {flat}\n    {' ' * pos}^")


def _code(text):
    """`text` with string literals blanked out, so their contents are not syntax."""
    return "".join(ch if d >= 0 else " " for ch, d in zip(text, _depths(text)))


def _split(text, seps, nested=False):
    """Split `text` at `seps` outside strings, at top level or, if `nested`, at any depth.

    Returns the pieces and the separators between them.
    """
    pieces, ops, start = [], [], 0
    for i, (ch, d) in enumerate(zip(text, _depths(text))):
        if ch in seps and (d == 0 or nested and d > 0):
            pieces.append(text[start:i])
            ops.append(ch)
            start = i + 1
    return pieces + [text[start:]], ops


def _squash(text):
    """Strip `text` and collapse whitespace runs outside string literals to one space."""
    return " ".join(piece for piece in _split(text, " \t\r\n\f\v", nested=True)[0] if piece)


def _enclosed(text):
    """Whether `text` is one bracketed group: "(...)" with its ')' at the end."""
    depth = _depths(text)
    return (len(text) >= 2 and text[0] == "(" and text[-1] == ")"
            and all(d != 0 for d in depth[1:-1]))
