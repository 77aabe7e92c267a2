"""README.md's JavaScript embedding example runs as printed in Chromium, and shows what it
says: each line `expression   // value` is checked (values compared as JSON, BigInt as text)."""

import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_javascript_embedding_example_runs_as_printed(page):
    text = README.read_text()
    block = re.search(r"### Embedding in JavaScript: host functions and modules\n\n```js\n(.*?)```", text, re.S).group(1)
    body = []
    checks = 0
    for line in block.splitlines():
        if line.startswith("import "):
            # A module's static import, as the page's dynamic import of the same file.
            names, source = re.fullmatch(r'import (\{.*\}) from "\./(.*)";', line).groups()
            line = f'const {names} = await import("/{source}");'
        code, _, shown = line.partition("   // ")
        if shown and not code.rstrip().endswith(";") and not code.startswith(" "):
            body.append(f"check({code.strip()}, ({shown}), {json.dumps(line)});")
            checks += 1
        else:
            body.append(line)
    script = """async () => {
      const plain = (v) => JSON.stringify(v, (k, x) => (typeof x === "bigint" ? `${x}n` : x));
      const failures = [];
      const check = (got, want, line) => { if (plain(got) !== plain(want)) failures.push(`${line}\\n  gave ${plain(got)}`); };
      %s
      return failures;
    }""" % "\n".join(body)
    assert checks == 5
    assert page.evaluate(script) == []
