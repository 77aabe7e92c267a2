"""web/home-merge.js, case by case in Chromium: what a tab keeps when its run ends after
another tab committed (`mergeHome(base, mine, theirs)`, typed JSON of zig/ABI.md §10).
e2e/test_storage.py shows the same through two real tabs."""

import pytest

I1, I2, I3 = {"i": "1"}, {"i": "2"}, {"i": "3"}


def t(*pairs):
    return {"t": [list(p) for p in pairs]}


CASES = [
    ("the run changed nothing: theirs", t(("a", I1)), t(("a", I1)), t(("a", I2)), t(("a", I2))),
    ("they changed nothing: mine", t(("a", I1)), t(("a", I2)), t(("a", I1)), t(("a", I2))),
    ("both the same change", t(("a", I1)), t(("a", I2)), t(("a", I2)), t(("a", I2))),
    ("different keys: both", t(("a", I1)), t(("a", I1), ("m", I2)), t(("a", I1), ("x", I3)),
     t(("a", I1), ("x", I3), ("m", I2))),
    ("one key changed by both: mine", t(("a", I1)), t(("a", I2)), t(("a", I3)), t(("a", I2))),
    ("they deleted a key the run did not touch: deleted", t(("a", I1), ("b", I2)), t(("a", I1), ("b", I3)),
     t(("b", I2)), t(("b", I3))),
    ("the run deleted a key they did not touch: deleted", t(("a", I1), ("b", I2)), t(("b", I2)),
     t(("a", I1), ("b", I2), ("x", I3)), t(("b", I2), ("x", I3))),
    ("they deleted a key the run changed: the run's value", t(("a", I1)), t(("a", I2)), t(), t(("a", I2))),
    ("nested tables merge inside", t(("cfg", t(("x", I1)))), t(("cfg", t(("x", I1), ("y", I2)))),
     t(("cfg", t(("x", I3)))), t(("cfg", t(("x", I3), ("y", I2))))),
    ("a table both created at a new key: merged", t(), t(("n", t(("m", I1)))), t(("n", t(("x", I2)))),
     t(("n", t(("x", I2), ("m", I1))))),
    ("a scalar against a table: the run's", t(("a", I1)), t(("a", t(("k", I1)))), t(("a", I2)),
     t(("a", t(("k", I1))))),
    ("integer and string keys stay apart", t(), t(({"i": "1"}, "int")), t(("1", "str")),
     t(("1", "str"), ({"i": "1"}, "int"))),
]


@pytest.mark.parametrize("base, mine, theirs, want", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_merge(page, base, mine, theirs, want):
    got = page.evaluate("""async ([base, mine, theirs]) => {
        const { mergeHome } = await import("/home-merge.js");
        return mergeHome(base, mine, theirs);
    }""", [base, mine, theirs])
    assert got == want
