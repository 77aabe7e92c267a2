"""Lua's numbers as text, byte for byte as native Lua 5.4.8 on glibc prints them: lua.wasm
formats doubles and 64-bit integers itself (zig/src/numfmt.zig), not through wasi-libc's
printf. Every format below runs over values chosen to break a formatter (random bit
patterns, powers of two and ten and their neighbours, exact decimal ties, subnormals, the
ends of the range, -0.0, inf, nan) in the sandbox and in the native `lua`, and the outputs
must be equal, and so must strings and characters in a field; a larger sweep of random doubles is checked against Python's own correctly
rounded formatting. The Zig tests of numfmt.zig run here too.
"""

import math
import random
import struct
import subprocess
import sys
from pathlib import Path

from wasm_compute import Sandbox

from native_lua import native_lua, run_native  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]
# One seed for every run: a failure names a value that fails again.
SEED = 20261129
MiB = 1024 * 1024

FLOAT_FORMATS = [
    "%.14g", "%g", "%.0g", "%.1g", "%.2g", "%.17g", "%#.17g", "%#g", "%.99g", "%G",
    "%e", "%.0e", "%#.0e", "%.1e", "%.16e", "%.99e", "%E", "%-12.4e", "%+.3e",
    "%f", "%.0f", "%#.0f", "%.1f", "%.3f", "%.20f", "%.99f", "%5.1f", "% .5f", "%012.3f",
    "%-+20.10G", "%99.2f", "%099.3e", "%+g", "% 030g",
    "%a", "%A", "%.0a", "%.1a", "%.3a", "%#.13a", "%.20a", "%+020a", "%-30A", "% a",
]
INTEGER_FORMATS = [
    "%d", "%i", "%5d", "%-5d", "%+d", "% d", "%05d", "%.0d", "%.3d", "%-+8.3i", "%099d",
    "%x", "%X", "%#x", "%#X", "%10.4x", "%-#12X", "%#010x", "%.0x",
    "%o", "%#o", "%#.0o", "%.5o", "%#12.3o", "%u", "%-20u", "%.25u",
]
# %s and %c in a field go the same way (zig/src/numfmt.c).
STRING_FORMATS = ["%-6s", "%10s", "%.2s", "%5.1s", "%-99.0s", "%s"]
CHAR_FORMATS = ["%c", "%-3c", "%5c"]
STRINGS = ["", "k", "abc", "hello world", "x" * 99]  # ASCII: run_native reads UTF-8


def bits_to_float(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def tricky_floats(rng: random.Random, random_count: int) -> list[float]:
    """Values where digit generation and rounding go wrong first."""
    values = [0.0, -0.0, math.inf, -math.inf, 5e-324, -5e-324, 2.2250738585072014e-308,
              2.2250738585072009e-308, 1.7976931348623157e308, -1.7976931348623157e308,
              0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.5, 1.5, 2.5, 0.125, 0.375, 1e23, 9007199254740993.0,
              2.0 ** 63, -2.0 ** 63, 2.0 ** 53 + 2, 123456789012345.0, 99999999999999.5,
              999999.5, 0.0001, 0.00001, 1e15, 1e16, 1e17, 9.5, 0.95, 0.995, 1.005, 1e-5]
    values += [2.0 ** e for e in range(-1074, 1024, 7)]
    for e in range(-323, 309):
        x = float(f"1e{e}")
        values += [x, math.nextafter(x, math.inf), math.nextafter(x, 0.0)]
    # Exact ties at every position: k/2^n is a tie when printed with n decimals.
    for n in range(1, 12):
        values += [(2 * k + 1) / 2 ** n for k in range(0, 40, 3)]
    values += [(2 * k + 1) * 5.0 for k in range(30)]
    values += [bits_to_float(rng.getrandbits(64)) for _ in range(random_count)]
    values += [bits_to_float(rng.getrandbits(52)) for _ in range(random_count // 10)]  # subnormals
    values += [rng.uniform(-1e6, 1e6) for _ in range(random_count)]
    values += [round(rng.uniform(-1e4, 1e4), rng.randrange(6)) for _ in range(random_count)]
    return [v for v in values if not math.isnan(v)]


def tricky_integers(rng: random.Random, random_count: int) -> list[int]:
    values = [0, 1, -1, 2 ** 63 - 1, -2 ** 63, -2 ** 63 + 1, 7, 8, 255, -255]
    for e in range(1, 63):
        values += [2 ** e - 1, 2 ** e, -2 ** e]
    for e in range(1, 19):
        values += [10 ** e - 1, 10 ** e, -10 ** e]
    values += [rng.getrandbits(64) - 2 ** 63 for _ in range(random_count)]
    values += [rng.randrange(-100000, 100000) for _ in range(random_count)]
    return values


def lua_float(x: float) -> str:
    """A Lua numeral for exactly `x` (hexadecimal keeps every bit)."""
    if math.isinf(x):
        return "(1/0)" if x > 0 else "(-1/0)"
    if x == 0:
        return "(-0.0)" if math.copysign(1, x) < 0 else "0.0"
    return f"({x.hex()})"


def lua_strings(items) -> str:
    """A Lua table constructor of the items as quoted strings."""
    return "{" + ",".join(f'"{x}"' for x in items) + "}"


def format_each(loop: str, var: str, formats) -> list[str]:
    """Lua lines that format each value of `loop`'s `var` with each of `formats`."""
    return [f"{loop} do",
            f"  for _, f in ipairs({lua_strings(formats)}) do",
            f"    out[#out + 1] = string.format(f, {var})",
            "  end",
            "end"]


def script(floats: list[float], integers: list[int]) -> str:
    """A chunk that prints every value in every format, and with tostring, `..`, %q."""
    return "\n".join([
        "local F = {" + ",".join(lua_float(x) for x in floats) + ", 0/0, -(0/0)}",
        "local I = {" + ",".join(str(i) if i != -2 ** 63 else "math.mininteger" for i in integers) + "}",
        "local out = {}",
        "for _, x in ipairs(F) do",
        "  out[#out + 1] = tostring(x) .. ' ' .. x .. string.format(' %q', x)",
        "end",
        *format_each("for _, x in ipairs(F)", "x", FLOAT_FORMATS),
        "for _, i in ipairs(I) do",
        "  out[#out + 1] = tostring(i) .. ' ' .. i .. string.format(' %q', i)",
        "end",
        *format_each("for _, i in ipairs(I)", "i", INTEGER_FORMATS),
        *format_each(f"for _, s in ipairs({lua_strings(STRINGS)})", "s", STRING_FORMATS),
        *format_each("for c = 0, 127, 3", "c", CHAR_FORMATS),
        "io.write(table.concat(out, '\\n'), '\\n')",
    ]) + "\n"


def run_sandbox(code: str) -> str:
    with Sandbox(output_bytes_max=256 * MiB, memory_bytes_max=512 * MiB, code_bytes_max=16 * MiB,
                 instructions_max=10 ** 10, timeout_ms=600_000) as sb:
        r = sb.eval(code)
    assert r.error is None, r.error
    return r.output


def first_difference(got: str, want: str) -> str:
    for n, (g, w) in enumerate(zip(got.split("\n"), want.split("\n")), 1):
        if g != w:
            return f"line {n}: lua.wasm {g!r}, native {w!r}"
    return f"lengths differ: {len(got)} and {len(want)}"


def test_every_format_matches_native_lua(native_lua, tmp_path):  # noqa: F811
    rng = random.Random(SEED)
    code = script(tricky_floats(rng, 400), tricky_integers(rng, 300))
    native = run_native(native_lua, code, tmp_path)
    assert native.returncode == 0, native.stderr
    got = run_sandbox(code)
    assert got == native.stdout, first_difference(got, native.stdout)


def test_random_doubles_match_python_formatting():
    """Python's float formatting is correctly rounded too: a fast oracle for a larger sweep."""
    rng = random.Random(SEED + 1)
    formats = ["%.14g", "%.17g", "%.3f", "%.12e", "%#.6g", "%.0f"]
    values = [bits_to_float(rng.getrandbits(64)) for _ in range(8000)]
    values += [rng.uniform(-1e9, 1e9) for _ in range(4000)]
    values = [v for v in values if math.isfinite(v)]
    code = "\n".join([
        "local F = {" + ",".join(lua_float(x) for x in values) + "}",
        f"local FF = {lua_strings(formats)}",
        "local out = {}",
        "for _, x in ipairs(F) do for _, f in ipairs(FF) do out[#out + 1] = string.format(f, x) end end",
        "io.write(table.concat(out, '\\n'), '\\n')",
    ]) + "\n"
    want = "".join(f % x + "\n" for x in values for f in formats)
    got = run_sandbox(code)
    assert got == want, first_difference(got, want)


def test_zig_unit_tests_pass():
    """numfmt.zig's own tests, built for this machine."""
    r = subprocess.run([sys.executable, "-m", "ziglang", "test", "src/numfmt.zig"],
                       cwd=ROOT / "zig", capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
