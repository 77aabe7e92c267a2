"""The README's embedding example runs as printed, and shows what it says."""

import ast
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_embedding_example_runs_as_printed():
    text = README.read_text()
    block = re.search(r"### Embedding: host functions and modules\n\n```python\n(.*?)```", text, re.S).group(1)
    lines = block.splitlines()
    scope: dict = {}
    checked = 0
    for node in ast.parse(block).body:
        # `expression    # value`: the line shows what the expression gives.
        comment = lines[node.end_lineno - 1].partition("    # ")[2]
        if isinstance(node, ast.Expr) and comment:
            value = eval(compile(ast.Expression(node.value), "README.md", "eval"), scope)
            assert value == ast.literal_eval(comment), lines[node.end_lineno - 1]
            checked += 1
        else:
            exec(compile(ast.Module([node], []), "README.md", "exec"), scope)
    assert checked == 2
    scope["sb"].close()
