"""Tests of the lme4-style formula parser (statsmodels_crossed.formula.parse)."""
import pytest

from statsmodels_crossed.exceptions import FormulaError
from statsmodels_crossed.formula import ParsedFormula, RandomTerm, parse, parse_formula


def T(expr, *factors):
    return RandomTerm(expr, tuple(factors))


def check(formula, response, fixed, terms):
    parsed = parse_formula(formula)
    assert isinstance(parsed, ParsedFormula)
    assert parsed.formula == formula
    assert parsed.response == response
    assert parsed.fixed == fixed
    assert parsed.random == tuple(terms)
    assert all(isinstance(t.factors, tuple) for t in parsed.random)


# --- the reference cases of /work/shared/reference (formula order, not lme4's sorted order)

@pytest.mark.parametrize("formula, response, fixed, terms", [
    ("Yield ~ 1 + (1 | Batch)", "Yield", "Yield ~ 1", [T("1", "Batch")]),
    ("diameter ~ 1 + (1 | plate) + (1 | sample)", "diameter", "diameter ~ 1",
     [T("1", "plate"), T("1", "sample")]),
    ("strength ~ 1 + (1 | batch/cask)", "strength", "strength ~ 1",
     [T("1", "cask", "batch"), T("1", "batch")]),
    ("Reaction ~ Days + (Days | Subject)", "Reaction", "Reaction ~ Days",
     [T("Days", "Subject")]),
    ("Reaction ~ Days + (Days || Subject)", "Reaction", "Reaction ~ Days",
     [T("1", "Subject"), T("0 + Days", "Subject")]),
    ("Reaction ~ Days + (1 | Subject)", "Reaction", "Reaction ~ Days", [T("1", "Subject")]),
    ("y ~ service + (1 | s) + (1 | d) + (1 | dept:service)", "y", "y ~ service",
     [T("1", "s"), T("1", "d"), T("1", "dept", "service")]),
    ("rt ~ cond + (1 + cond | subj) + (1 + cond | item)", "rt", "rt ~ cond",
     [T("1 + cond", "subj"), T("1 + cond", "item")]),
    ("rating ~ tenure + (1 | employee) + (1 | manager) + (1 | department)", "rating",
     "rating ~ tenure", [T("1", "employee"), T("1", "manager"), T("1", "department")]),
    ("cbind(incidence, size - incidence) ~ period + (1 | herd)",
     "cbind(incidence, size - incidence)", "cbind(incidence, size - incidence) ~ period",
     [T("1", "herd")]),
    ("successes + failures ~ period + (1 | herd)", "successes + failures",
     "successes + failures ~ period", [T("1", "herd")]),
    ("TICKS ~ YEAR + sHEIGHT + (1 | BROOD) + (1 | LOCATION)", "TICKS",
     "TICKS ~ YEAR + sHEIGHT", [T("1", "BROOD"), T("1", "LOCATION")]),
])
def test_reference_formulas(formula, response, fixed, terms):
    check(formula, response, fixed, terms)


def test_group_names_of_reference_cases():
    parsed = parse_formula("strength ~ 1 + (1 | batch/cask)")
    assert [t.group_name for t in parsed.random] == ["cask:batch", "batch"]
    parsed = parse_formula("y ~ service + (1 | s) + (1 | d) + (1 | dept:service)")
    assert [t.group_name for t in parsed.random] == ["s", "d", "dept:service"]


# --- the fixed part

@pytest.mark.parametrize("formula, fixed", [
    ("y ~ (1|g)", "y ~ 1"),
    ("y ~ 0 + (1|g)", "y ~ 0"),
    ("y ~ -1 + (1|g)", "y ~ -1"),
    ("y ~ x - 1 + (1|g)", "y ~ x - 1"),
    ("y ~ (1|g) + x + (1|h)", "y ~ x"),
    ("y ~ x + (1|g) + z", "y ~ x + z"),
    ("y ~ C(cond) + I(x**2) + np.log(z) + (1|g)", "y ~ C(cond) + I(x**2) + np.log(z)"),
    ("y ~ a*b + a:c + (1|g)", "y ~ a*b + a:c"),
    ("y ~ (a + b)**2 + (1|g)", "y ~ (a + b)**2"),
    ("y ~ C(cond, Treatment('a|b')) + (1|g)", "y ~ C(cond, Treatment('a|b'))"),
    ('y ~ C(cond, Treatment("(x")) + (1|g)', 'y ~ C(cond, Treatment("(x"))'),
    ("np.log(y) ~ x + (1|g)", "np.log(y) ~ x"),
])
def test_fixed_part(formula, fixed):
    assert parse_formula(formula).fixed == fixed


def test_whitespace_and_newlines():
    formula = "  y~\n  x  +\n\t( 1 +  cond |\n   subj )\n+(0+Days||g)  "
    check(formula, "y", "y ~ x", [T("1 + cond", "subj"), T("0 + Days", "g")])
    check("y~x+(1|g)", "y", "y ~ x", [T("1", "g")])
    check("y ~ f(a,\n   b) + (1|g)", "y", "y ~ f(a, b)", [T("1", "g")])


# --- single-bar terms

@pytest.mark.parametrize("text, expr", [
    ("1", "1"), ("Days", "Days"), ("0+Days", "0 + Days"), ("1+cond", "1 + cond"),
    ("-1 + x", "-1 + x"), ("x-1", "x - 1"), ("1 + C(cond)", "1 + C(cond)"),
    ("1 + I(x**2) + np.log(z)", "1 + I(x**2) + np.log(z)"),
    ("1 + I(x - 1)", "1 + I(x - 1)"), ("x:z", "x:z"), ("  x  *  z ", "x * z"),
])
def test_expression_normalised(text, expr):
    assert parse_formula(f"y ~ ({text} | g)").random == (T(expr, "g"),)


def test_several_terms_on_one_factor():
    check("y ~ (1|g) + (0+x|g)", "y", "y ~ 1", [T("1", "g"), T("0 + x", "g")])


def test_extra_parentheses_around_term():
    check("y ~ x + ((1|g))", "y", "y ~ x", [T("1", "g")])


# --- double bar

@pytest.mark.parametrize("text, exprs", [
    ("Days", ["1", "0 + Days"]),
    ("1 + x", ["1", "0 + x"]),
    ("0 + x", ["0 + x"]),
    ("-1 + x", ["0 + x"]),
    ("1", ["1"]),
    ("x*z", ["1", "0 + x", "0 + z", "0 + x:z"]),
    ("x:z + w", ["1", "0 + w", "0 + x:z"]),  # R's terms() sorts by order
    ("0 + x + z", ["0 + x", "0 + z"]),
    ("C(cond)", ["1", "0 + C(cond)"]),
    ("I(x**2) + np.log(z)", ["1", "0 + I(x ** 2)", "0 + np.log(z)"]),
])
def test_double_bar(text, exprs):
    assert parse_formula(f"y ~ ({text} || g)").random == tuple(T(e, "g") for e in exprs)


def test_double_bar_with_nesting_expands_bars_first():
    parsed = parse_formula("y ~ (x || a/b)")
    assert parsed.random == (T("1", "b", "a"), T("1", "a"),
                             T("0 + x", "b", "a"), T("0 + x", "a"))


# --- grouping factors

@pytest.mark.parametrize("group, factors", [
    ("g", [("g",)]),
    ("dept:service", [("dept", "service")]),
    ("a:b:c", [("a", "b", "c")]),
    ("batch/cask", [("cask", "batch"), ("batch",)]),
    ("a/b/c", [("c", "b", "a"), ("b", "a"), ("a",)]),
    ("a/b:c", [("b", "c", "a"), ("a",)]),
    ("a/b/c:d", [("c", "d", "b", "a"), ("b", "a"), ("a",)]),
    ("a/b:c/d", [("d", "b", "c", "a"), ("b", "c", "a"), ("a",)]),
    (" a / b ", [("b", "a"), ("a",)]),
    ("_g2", [("_g2",)]),
])
def test_groups(group, factors):
    parsed = parse_formula(f"y ~ (1 + x | {group})")
    assert parsed.random == tuple(RandomTerm("1 + x", f) for f in factors)


def test_group_name_of_three_level_nesting():
    names = [t.group_name for t in parse_formula("y ~ (1 | a/b/c)").random]
    assert names == ["c:b:a", "b:a", "a"]


# --- RandomTerm

@pytest.mark.parametrize("expr, has_intercept", [
    ("1", True), ("Days", True), ("1 + cond", True), ("cond", True), ("C(cond)", True),
    ("0 + Days", False), ("-1 + x", False), ("x - 1", False), ("0 + x:z", False),
])
def test_has_intercept(expr, has_intercept):
    assert RandomTerm(expr, ("g",)).has_intercept is has_intercept


def test_random_term_is_frozen_and_hashable():
    term = T("1", "a", "b")
    assert term.group_name == "a:b"
    assert {term, T("1", "a", "b")} == {term}
    with pytest.raises(AttributeError):
        term.expr = "0 + x"


# --- errors

@pytest.mark.parametrize("formula, match", [
    ("y + (1|g)", r"formula 'y \+ \(1\|g\)' has no '~'; write it as response ~ terms"),
    ("y ~ x ~ (1|g)", r"has 2 '~'"),
    ("~ x + (1|g)", r"nothing on the left \(the response\) of '~'"),
    ("y ~ ", r"nothing on the right of '~'"),
    ("y ~ x + (1|g", r"unbalanced parentheses: '\(' is never closed at character 9"),
    ("y ~ x) + (1|g)", r"unbalanced parentheses: '\)' has no opening at character 6"),
    ("y ~ (1|g]", r"unbalanced parentheses: '\]' has no opening at character 9"),
    ("y ~ C(x, Treatment('a)) + (1|g)", r"unterminated string.* at character 20"),
    ("y ~ ( | g)", r"random-effects term '\( \| g\)' has no expression"),
    ("y ~ (1 | )", r"random-effects term '\(1 \| \)' has no grouping factor; "
                   r"write it as \(expr \| group\)"),
    ("y ~ (|)", r"'\(\|\)' has no expression"),
    ("y ~ x + 1 | g", r"'\|' outside parentheses in '1 \| g'; write a random-effects term"),
    ("y ~ x | g", r"'\|' outside parentheses in 'x \| g'"),
    ("y ~ (x ||| g)", r"'\(x \|\|\| g\)' has a triple bar"),
    ("y ~ (1 | g | h)", r"'\(1 \| g \| h\)' has more than one '\|'"),
    ("y ~ (1|(1|g))", r"'\(1\|\(1\|g\)\)' has nested bars"),
    ("y ~ ((1|g)|h)", r"'\(\(1\|g\)\|h\)' has nested bars"),
    ("y ~ x", r"formula 'y ~ x' has no random-effects term; use statsmodels OLS/GLM "
              r"for a model without random effects, or add a term like \(1 \| g\)"),
    ("y ~ x * (1|g)", r"random-effects term in 'x \* \(1\|g\)' is combined with other "
                      r"terms by '\*'; a random-effects term must stand alone"),
    ("y ~ x:(1|g)", r"in 'x:\(1\|g\)' is combined with other terms by ':'"),
    ("y ~ (1|g) - 1", r"in '\(1\|g\) - 1' is combined with other terms by '-'"),
    ("y ~ x - (1|g)", r"combined with other terms by '-'"),
    ("y ~ (x + (1|g))", r"in '\(x \+ \(1\|g\)\)' is combined with other terms by '\+'"),
    ("y ~ log((1|g))", r"combined with other terms inside an expression"),
    ("y ~ (1 | log(g))", r"grouping factor 'log\(g\)' of random-effects term "
                         r"'\(1 \| log\(g\)\)' must be variable names"),
    ("y ~ (1 | a*b)", r"grouping factor 'a\*b'"),
    ("y ~ (1 | a + b)", r"grouping factor 'a \+ b'"),
    ("y ~ (1 | (g))", r"grouping factor '\(g\)'"),
    ("y ~ (1 | 2g)", r"grouping factor '2g'"),
    ("y ~ (1 | a b)", r"grouping factor 'a b'"),
    ("y ~ (1 | a/)", r"grouping factor 'a/'"),
    ("y ~ (1 | a:b/c)", r"'a:b/c' .* nests within an interaction.*"
                        r"\(1 \| c:a:b\) \+ \(1 \| a:b\)"),
    ("y ~ (0 | g)", r"'\(0 \| g\)' has no columns"),
    ("y ~ (x + | g)", r"cannot parse 'x \+' in random-effects term '\(x \+ \| g\)'"),
    ("y ~ x + + (1|g)", r"empty term"),
    ("y ~ x + (1|g) +", r"empty term"),
    ("y | z ~ (1|g)", r"response 'y \| z' contains '\|'"),
])
def test_errors(formula, match):
    with pytest.raises(FormulaError, match=match):
        parse_formula(formula)


def test_unbalanced_error_points_at_the_bracket():
    with pytest.raises(FormulaError) as info:
        parse_formula("y ~ x +\n(1|g")
    assert str(info.value).endswith("\n    y ~ x + (1|g\n            ^")


def test_formula_error_is_value_error():
    with pytest.raises(ValueError):
        parse_formula("y ~ x")


def test_non_string_formula():
    with pytest.raises(FormulaError, match="formula must be a string, got int"):
        parse_formula(3)


# -- the memo of parsed formulas, the bracket-depth shortcut ---------------------------
def test_parser_memo_returns_equal_results_and_raises_each_time():
    parse._parse.cache_clear()
    first = parse_formula("y ~ x + (x || g) + (1 | a/b)")
    assert parse_formula("y ~ x + (x || g) + (1 | a/b)") is first
    assert parse._parse.__wrapped__("y ~ x + (x || g) + (1 | a/b)") == first
    for _ in range(2):
        with pytest.raises(FormulaError, match="no random-effects term"):
            parse_formula("y ~ x")
    with pytest.raises(FormulaError, match="must be a string"):
        parse_formula(["y ~ x + (1 | g)"])

    class Text(str):
        pass

    text = Text("y ~ x + (1 | g)")
    assert parse_formula(text).formula is text            # subclasses: not memoized


@pytest.mark.parametrize("text", ["y ~ x + z", "1", "a:b / c", "x \\ y", "", "  ",
                                  "(1 | g)", "y ~ I(x ** 2) + ('a|b' | g)", "[x]", "{",
                                  "x]"])
def test_depth_shortcut_as_the_scan(text):
    # a trailing "()" forces the full scan and leaves the depths before it alone
    assert parse._depths(text) == parse._depths(text + "()")[:len(text)]
