"""The hostile corpus (lua/hostile/): each script with the outcome it must end with.

The first line of a script says it: `-- expect: KIND [truncated]`, where KIND is `ok`,
`instruction_limit`, `memory_limit`, `timeout`, or `error: A|B` (an error whose message
contains A or B). Shared by the Python test and the browser test, which run the same files
under the same limits.
"""

from dataclasses import dataclass
from pathlib import Path

HOSTILE = Path(__file__).resolve().parents[1] / "lua" / "hostile"

LIMITS = {"memory_bytes_max": 64 * 1024 * 1024, "instructions_max": 5_000_000,
          "timeout_ms": 2000, "output_bytes_max": 64 * 1024}


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    kind: str
    fragments: tuple
    truncated: bool

    def check(self, output: str, error: dict | None) -> None:
        """Raises AssertionError unless (output, error) is the documented outcome.
        `error` is None or a dict with "name" and "message"."""
        marker = "[output truncated: more than"
        assert (marker in output) == self.truncated, f"{self.name}: truncation marker {'missing' if self.truncated else 'unexpected'}"
        if self.kind == "ok":
            assert error is None, f"{self.name}: expected success, got {error}"
        elif self.kind == "error":
            assert error is not None, f"{self.name}: expected an error"
            assert any(f in error["message"] for f in self.fragments), f"{self.name}: {error['message'][:300]!r}"
        else:
            assert error is not None and error["name"] == self.kind, f"{self.name}: expected {self.kind}, got {error}"


def cases() -> list[Case]:
    out = []
    for path in sorted(HOSTILE.glob("*.lua")):
        source = path.read_text()
        first = source.split("\n", 1)[0]
        assert first.startswith("-- expect: "), path
        spec = first[len("-- expect: "):]
        if spec.startswith("error:"):
            kind, fragments, truncated = "error", tuple(spec[len("error:"):].strip().split("|")), False
        else:
            words = spec.split()
            kind, fragments, truncated = words[0], (), "truncated" in words[1:]
        out.append(Case(path.name, source, kind, fragments, truncated))
    return out
