"""Every Lua string survives every trip of `_home` in the page byte for byte: random keys and
values (valid UTF-8 with byte order marks at the start and inside, noncharacters, NULs, astral
characters; invalid UTF-8 such as overlong forms, encoded surrogates and stray bytes) go in as
a typed JSON snapshot (zig/ABI.md §10), are read and stored again by an eval in the browser,
come back from localStorage after a reload, go through the server engine and the pyodide
engine, and each time the bytes Lua saw, returned, wrote (output and stderr) and stored are the
bytes that went in.

The reference is the Python host's reading of the snapshot (`_homejson.parse`). Hypothesis
draws a few batches of entries, one page round trip each, so the whole test takes seconds.
"""

import base64
import json

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import pytest

from wasm_compute._homejson import parse
from wasm_compute._wire import encode_bytes

from .conftest import wait_ready

ENTRIES_PER_BATCH = 20
BATCHES = 3

# Characters a decoder or a JSON layer is most likely to drop or change.
SPECIAL_CHARS = ["\ufeff", "\ufffe", "\uffff", "\ufdd0", "\ufdef", "\x00", "\ud7ff", "\ue000",
                 "\U0001f600", "\U00010000", "\U0010ffff", "\u2028", "\r\n", "\\", '"', "é"]
# Byte sequences that are not UTF-8: overlong forms, encoded surrogates, past U+10FFFF,
# truncated sequences (a BOM cut short among them), stray continuation and lead bytes.
INVALID_PIECES = [b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf", b"\xed\xa0\x80",
                  b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xef\xbb", b"\xef", b"\x80", b"\xbf",
                  b"\xfe", b"\xff", b"\xf8\x88\x80\x80\x80"]
BOM = "\ufeff"

chars = st.one_of(st.sampled_from(SPECIAL_CHARS), st.characters(exclude_categories=("Cs",)))
text = st.lists(chars, max_size=8).map("".join)
# Text, often behind a BOM (the case a UTF-8 decoder strips unless told not to).
texts = st.one_of(text, text.map(lambda s: BOM + s), text.map(lambda s: BOM + BOM + s))
pieces = st.one_of(texts.map(lambda s: s.encode("utf-8")), st.sampled_from(INVALID_PIECES), st.binary(max_size=4))
raw_bytes = st.lists(pieces, max_size=5).map(b"".join)
strings = st.one_of(texts.map(lambda s: s.encode("utf-8")), raw_bytes)
batches = st.lists(st.tuples(strings, strings), min_size=ENTRIES_PER_BATCH, max_size=ENTRIES_PER_BATCH,
                   unique_by=lambda kv: kv[0])

# Reads every entry of _home.src into Lua strings, returns them as a flat list, writes them
# to the output and to stderr in order, and stores them again (in the same order) in a new
# external table.
COPY_SCRIPT = """
local copy, list, parts = ext_table.new(), {}, {}
for k, v in pairs(_home.src) do
  copy[k .. ""] = v .. ""
  list[#list + 1] = k
  list[#list + 1] = v
  parts[#parts + 1] = k .. v
end
_home.src = copy
io.write(table.concat(parts))
io.stderr:write(table.concat(parts, "\\n"))
return list
"""

SET_HOME = """async (text) => {
  const api = window.wasmCompute;
  await api.ready;
  api.setHome(JSON.parse(text));
  return JSON.stringify(api.home());
}"""

RUN = """async ([code, engine]) => {
  const r = await window.wasmCompute.run(code, { engine });
  return JSON.stringify({ engine: r.engine, output: r.output, outputBase64: r.outputBase64 ?? null,
                          stderr: r.stderr, stderrBase64: r.stderrBase64 ?? null,
                          values: r.values, error: r.error, home: r.home });
}"""

HOME = "async () => { await window.wasmCompute.ready; return JSON.stringify(window.wasmCompute.home()); }"


def wire(b: bytes):
    return encode_bytes(b)


def string_bytes(v) -> bytes:
    """A string of typed JSON as bytes: the Python host's own reading (ABI §10)."""
    (key, value), = parse({"t": [[v, True]]})
    assert value is True
    return key


def src_entries(home: dict) -> list[tuple[bytes, bytes]]:
    (name, entries), = parse(home)
    assert name == b"src"
    return entries


@pytest.fixture(scope="module")
def page(open_page):
    page = open_page()
    yield page
    page.context.close()


def stream(result, name) -> bytes:
    """A run's output or stderr as bytes: its base64 twin when it has one, else its text."""
    exact = result[name + "Base64"]
    return base64.b64decode(exact) if exact is not None else result[name].encode("utf-8")


def check_run(page, engine, entries):
    r = json.loads(page.evaluate(RUN, [COPY_SCRIPT, engine]))
    assert r["engine"] == engine
    assert r["error"] is None, r["error"]
    (values,) = r["values"]
    got = [string_bytes(v) for _, v in values["t"]]
    assert got == [b for kv in entries for b in kv], f"{engine}: the strings Lua returned differ"
    assert stream(r, "output") == b"".join(k + v for k, v in entries), f"{engine}: the output differs"
    assert stream(r, "stderr") == b"\n".join(k + v for k, v in entries), f"{engine}: stderr differs"
    assert src_entries(r["home"]) == entries, f"{engine}: the stored _home differs"
    assert src_entries(json.loads(page.evaluate(HOME))) == entries, f"{engine}: the page's _home differs"


# No shrinking: each step of it is a page round trip; a failure names the engine and the trip.
@settings(max_examples=BATCHES, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(entries=batches)
def test_home_strings_survive_every_trip_byte_for_byte(page, entries):
    snapshot = {"t": [["src", {"t": [[wire(k), wire(v)] for k, v in entries]}]]}
    assert src_entries(snapshot) == entries
    # ensure_ascii: the snapshot crosses into the page as ASCII text, whatever it holds.
    home = json.loads(page.evaluate(SET_HOME, json.dumps(snapshot, ensure_ascii=True)))
    assert src_entries(home) == entries, "setHome changed the strings"
    check_run(page, "browser", entries)
    page.reload()
    wait_ready(page)
    assert src_entries(json.loads(page.evaluate(HOME))) == entries, "the reload from localStorage changed the strings"
    check_run(page, "server", entries)
    check_run(page, "pyodide", entries)
    check_run(page, "browser", entries)
