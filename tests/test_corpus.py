"""The parity corpus (lua/corpus/) on the Python host: every case, step by step, gives exactly
its expected file (output, values, error code/name/message, `_home`). The browser and the
server engines are held to the same files by e2e/test_parity.py."""

import importlib.util
from pathlib import Path

import pytest

_REGEN = Path(__file__).resolve().parents[1] / "lua" / "corpus" / "regen.py"
_spec = importlib.util.spec_from_file_location("corpus_regen", _REGEN)
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


def _params():
    for name in corpus.cases():
        reason = corpus.known_bug(name, "python")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_params()))
def test_case(name):
    difference = corpus.first_difference(name, corpus.run_python(corpus.read_steps(name)))
    if difference:
        pytest.fail(difference, pytrace=False)


def test_every_case_has_its_expected_file():
    names = corpus.cases()
    assert len(names) >= 40
    for name in names:
        assert corpus.expected_path(name).is_file(), f"{name}: no expected file; run lua/corpus/regen.py"
    orphans = {p.name for p in corpus.CORPUS.glob("*.expected.json")} - {f"{n}.expected.json" for n in names}
    assert not orphans, f"expected files without a case: {sorted(orphans)}"
    assert set(corpus.KNOWN_BUGS) <= set(names)
