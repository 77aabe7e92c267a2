"""One page per engine for a test module whose tests are parametrized by `engine`: the page is
opened at the engine's first test and kept for the module's other tests of that engine (a
page load, and Pyodide's, costs more than most single runs). Import both fixtures into the
test module: `from .engine_pages import engine_page, pages`.
"""

import pytest


@pytest.fixture(scope="module")
def pages(open_page):
    """The module's pages, by engine; closed when the module is done."""
    opened = {}
    yield opened
    for page in opened.values():
        page.context.close()


@pytest.fixture
def engine_page(pages, open_page, engine):
    if engine not in pages:
        pages[engine] = open_page()
    return pages[engine]
