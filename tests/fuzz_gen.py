"""Generators shared by tests/test_fuzz.py and bench/fuzz_campaign.py.

- `LuaGen`: well-formed Lua 5.4 programs from a small grammar (locals, bounded loops,
  tables, strings, closures, pcall/error, coroutines, metatables, `_home`, goto, <close>).
  Every decision goes through a `Choices`, so the same generator runs on a seeded
  `random.Random` (the campaign) or on Hypothesis draws (the tests, which then shrink a
  failing program towards the first alternative of every choice: keep the simplest first).
- `mutate`: byte-level damage to a program, for the parser.
- `home_trees`: Hypothesis strategy for `_home` contents as raw store entries.
- `check_outcome`: the property every eval must satisfy.
"""

from __future__ import annotations

import contextlib
import struct

from hypothesis import strategies as st

# ---- decisions ------------------------------------------------------------------------


class Choices:
    """A source of decisions: `below(n)` is an int in [0, n)."""

    def __init__(self, below):
        self._below = below

    @classmethod
    def from_random(cls, rng) -> "Choices":
        return cls(rng.randrange)

    @classmethod
    def from_hypothesis(cls, data) -> "Choices":
        return cls(lambda n: data.draw(st.integers(0, n - 1)))

    def below(self, n: int) -> int:
        return self._below(n) if n > 1 else 0

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, percent: int) -> bool:
        """True with about `percent` % probability; False is the simpler answer."""
        return self.below(100) >= 100 - percent


# ---- Lua programs ---------------------------------------------------------------------

INTS = ["0", "1", "2", "3", "7", "-1", "10", "255", "1000", "math.maxinteger", "math.mininteger",
        "0x7fffffffffffffff", "0xff", "-0x80", "2147483647", "4294967296", "9007199254740993"]
FLOATS = ["0.5", "1.0", "-0.0", "3.25", "1e308", "1e-310", "2^53", "2^63", "0x1p4", "math.huge",
          "-math.huge", "(0/0)", "math.pi", "1e15", ".5e2"]
STRINGS = ['""', '"a"', '"abc"', '"hello world"', '"10"', '"0x10"', '" 3.5 "', '"1e2"', '"%d"',
           r'"\0\255\n"', r'"\u{48}\u{7FF}\u{10FFFF}"', '"é✓"', r'"a\z   b"', "[[long\nstring]]",
           "[==[]]==]", '"nan"', '"inf"', "'x'", '"%"', '"(%w+)"']
PATTERNS = ['"%a+"', '"(%d+)"', '"[%w_]*"', '"^a"', '"b$"', '"%s"', '"."', '"(.-)x"', '"[^a]"',
            '"%bxy"', '"%f[%w]%w+"', '"(a*(.)%2)"', '"[a-"', '"%"', '"(()"', '"%g+"', '"a-b+c?"',
            '"(%a)(%d)"', '"%1"', '"[]"']
FORMATS = ['"%d"', '"%5.2f"', '"%s"', '"%q"', '"%x"', '"%g"', '"%a"', '"%i"', '"%c"', '"%10s|%-4d"',
           '"%%"', '"%o"', '"%e"', '"%u"', '"%z"', '"%099d"', '"%.99f"', '"%s %s"']
DATE_FORMATS = ['"%Y-%m-%d"', '"!%H:%M:%S"', '"*t"', '"!*t"', '"%c"', '"%Ez"', '"%"', '"%j %U %w"']
BINOPS = ["+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "and", "or",
          "&", "|", "~", "<<", ">>"]
UNOPS = ["-", "not", "#", "~"]
HOME_KEYS = ['"a"', '"b"', '"n"', '"list"', '"cfg"', "1", "2", "3", '"x y"', "-7", "math.maxinteger"]
REP_SEPARATORS = ["", ', ","']
GSUB_REPLACEMENTS = ['"%0%0"', '"x"', "string.upper", "{a = 1}", '"%9"']
PACK_FORMATS = ['"i8"', '"<d"', '"z"', '"s1"', '"i17"', '"j"']
SELECT_INDEXES = ["1", "2", "-1", '"#"', "0"]
GC_OPTIONS = ['"count"', '"step"', "", '"isrunning"', '"incremental"']
METAMETHODS = ["__index", "__newindex", "__add", "__sub", "__mul", "__concat", "__call", "__len",
               "__eq", "__lt", "__le", "__unm", "__tostring", "__name", "__mod", "__idiv", "__band",
               "__shl", "__bnot", "__close", "__metatable", "__pairs"]


class LuaGen:
    """One program per instance. Budgets bound the size so every program stays small."""

    def __init__(self, c: Choices, statements_max: int = 30, depth_max: int = 3,
                 loop_count_max: int = 20, protect_percent: int = 30):
        self.c = c
        self.protect_percent = protect_percent
        self.statements_left = statements_max
        self.depth_max = depth_max
        self.loop_count_max = loop_count_max
        self.scopes: list[list[str]] = [[]]  # names readable here
        self.writable: list[list[str]] = [[]]  # names assignable here (not <const>, not loop vars)
        self.functions: list[list[tuple[str, int]]] = [[]]  # (name, arity) callable here
        self.counter = 0
        self.loop_labels: list[str | None] = []  # per enclosing loop: a goto label, or None
        self.in_vararg = [True]  # the main chunk is a vararg function

    # -- names and scopes --

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def readable(self) -> list[str]:
        return [n for scope in self.scopes for n in scope]

    def assignable(self) -> list[str]:
        return [n for scope in self.writable for n in scope]

    def callable(self) -> list[tuple[str, int]]:
        return [f for scope in self.functions for f in scope]

    def declare(self, name: str, writable: bool = True) -> None:
        self.scopes[-1].append(name)
        if writable:
            self.writable[-1].append(name)

    def push(self) -> None:
        self.scopes.append([])
        self.writable.append([])
        self.functions.append([])

    def pop(self) -> None:
        self.scopes.pop()
        self.writable.pop()
        self.functions.pop()

    @contextlib.contextmanager
    def function(self, vararg: bool = False):
        """Inside a function body: no `break` or `goto` reaches an enclosing loop, and `...`
        is valid only in a vararg function."""
        saved_labels, self.loop_labels = self.loop_labels, []
        self.in_vararg.append(vararg)
        try:
            yield
        finally:
            self.loop_labels = saved_labels
            self.in_vararg.pop()

    # -- the program --

    def program(self) -> str:
        body = self.block(0)
        if self.c.chance(60):
            body.append("return " + self.explist(0, 3))
        return "\n".join(body) + "\n"

    def block(self, depth: int, n_max: int = 6) -> list[str]:
        """The statements of one block, in the current scope (scoped_block opens one)."""
        out = []
        for _ in range(1 + self.c.below(n_max)):
            if self.statements_left <= 0:
                break
            self.statements_left -= 1
            if self.c.chance(self.protect_percent):
                # In a pcall, so one failing statement does not end the program: later
                # statements get to run. Its locals end with it.
                self.push()
                with self.function():
                    lines = self.statement(depth)
                self.pop()
                out.append("pcall(function()")
                out.extend("  " + line for line in lines)
                out.append("end)")
            else:
                out.extend(self.statement(depth))
        return out

    def scoped_block(self, depth: int, indent: str = "  ", pre=None) -> list[str]:
        self.push()
        try:
            if pre:
                pre()
            return [indent + line for line in self.block(depth + 1)]
        finally:
            self.pop()

    def statement(self, depth: int) -> list[str]:
        simple = [self.st_local, self.st_assign, self.st_call, self.st_home_write, self.st_print]
        compound = [self.st_if, self.st_for_num, self.st_for_in, self.st_while, self.st_repeat,
                    self.st_function, self.st_do, self.st_pcall, self.st_coroutine, self.st_metatable,
                    self.st_close, self.st_load]
        kinds = simple + (compound if depth < self.depth_max else [])
        if self.loop_labels:
            kinds = kinds + [self.st_break, self.st_goto]
        return self.c.pick(kinds)(depth)

    # -- simple statements --

    def st_local(self, depth):
        name = self.fresh("v")
        attrib = self.c.pick(["", "", "", " <const>"])
        line = f"local {name}{attrib} = {self.expr(depth)}"
        self.declare(name, writable=attrib == "")
        return [line]

    def st_assign(self, depth):
        targets = self.assignable()
        form = self.c.below(4)
        if form == 0 or not targets:
            target = self.c.pick(["g1", "g2", "G", "_ENV.g3"])  # globals
        elif form == 1:
            target = self.c.pick(targets)
        else:
            target = f"{self.c.pick(targets)}[ {self.expr(depth + 1)} ]"
        return [f"{target} = {self.expr(depth)}"]

    def st_call(self, depth):
        call = self.call_expr(depth)
        # Only a function call is a statement (`#t` alone is not).
        return [call if call[0].isalpha() else f"print({call})"]

    def st_print(self, depth):
        fn = self.c.pick(["print", "io.write", "warn"])
        if fn == "warn":
            return [f"warn(tostring({self.expr(depth)}))"]
        return [f"{fn}({self.explist(depth, 3)})"]

    def st_home_write(self, depth):
        key = self.c.pick(HOME_KEYS)
        form = self.c.below(7)
        if form == 0:
            return [f"_home[{key}] = {self.expr(depth)}"]
        if form == 1:
            return [f"_home[{key}] = {self.table_cons(depth)}"]
        if form == 2:
            return [f"_home[{key}] = nil"]
        if form == 3:
            return [f"_home[{key}] = (_home[{key}] or 0) + 1"]
        if form == 4:
            name = self.fresh("k")
            return [f"for {name} in pairs(_home) do _home[{name}] = nil end"]
        if form == 5:
            return [f"ext_table.set(_home, {key}, {self.expr(depth)})"]
        return [f"if type(_home[{key}]) == 'table' then _home[{key}][ {self.expr(depth + 1)} ] = "
                f"{self.expr(depth + 1)} end"]

    def st_break(self, depth):
        return ["do break end"]

    def st_goto(self, depth):
        label = self.loop_labels[-1]
        if label is None:
            return ["do break end"]
        return [f"if {self.expr(depth)} then goto {label} end"]

    # -- compound statements --

    def st_if(self, depth):
        out = [f"if {self.expr(depth)} then"] + self.scoped_block(depth)
        for _ in range(self.c.below(3)):
            out += [f"elseif {self.expr(depth)} then"] + self.scoped_block(depth)
        if self.c.chance(50):
            out += ["else"] + self.scoped_block(depth)
        return out + ["end"]

    def count(self) -> str:
        return str(self.c.below(self.loop_count_max + 1))

    def loop_body(self, depth, pre=None, goto_ok=True) -> list[str]:
        label = self.fresh("continue") if goto_ok and self.c.chance(30) else None
        self.loop_labels.append(label)
        try:
            body = self.scoped_block(depth, pre=pre)
        finally:
            self.loop_labels.pop()
        if label:
            body.append(f"  ::{label}::")
        return body

    def st_for_num(self, depth):
        var = self.fresh("i")
        form = self.c.below(4)
        if form == 0:
            head = f"for {var} = 1, {self.count()} do"
        elif form == 1:
            head = f"for {var} = {self.count()}, 1, -1 do"
        elif form == 2:
            head = f"for {var} = {self.c.pick(['0.5', '1', '-3'])}, {self.count()}, {self.c.pick(['1', '0.25', '2', '0'])} do"
        else:  # bounds from expressions: may be floats, strings, huge or wrong types
            head = f"for {var} = {self.expr(depth + 1)}, math.min({self.expr(depth + 1)}, {self.count()}) do"
        return [head] + self.loop_body(depth, pre=lambda: self.declare(var, writable=False)) + ["end"]

    def st_for_in(self, depth):
        k, v = self.fresh("k"), self.fresh("v")
        source = self.c.pick([
            f"pairs({self.table_cons(depth + 1)})", f"ipairs({self.table_cons(depth + 1)})",
            "pairs(_home)", "ipairs(_home)", f"string.gmatch({self.expr(depth + 1)}, {self.c.pick(PATTERNS)})",
            f"next, {self.table_cons(depth + 1)}", f"utf8.codes({self.c.pick(STRINGS)})",
        ])
        if self.readable() and self.c.chance(30):
            source = f"pairs({self.c.pick(self.readable())})"

        def pre():
            self.declare(k, writable=False)
            self.declare(v, writable=False)
        return [f"for {k}, {v} in {source} do"] + self.loop_body(depth, pre=pre) + ["end"]

    def st_while(self, depth):
        n = self.fresh("w")
        body = self.loop_body(depth)
        return ["do", f"  local {n} = 0", f"  while {n} < {self.count()} do", f"    {n} = {n} + 1"] + \
            ["  " + line for line in body] + ["  end", "end"]

    def st_repeat(self, depth):
        n = self.fresh("r")
        # No goto in repeat: its `until` sees the body's locals, so a label before it is not
        # at the end of a block and `goto` could jump into a local's scope.
        body = self.loop_body(depth, goto_ok=False)
        return ["do", f"  local {n} = 0", "  repeat", f"    {n} = {n} + 1"] + \
            ["  " + line for line in body] + [f"  until {n} >= {self.count()} or {self.expr(depth + 1)}", "end"]

    def function_body(self, depth, params: list[str], vararg: bool = False) -> list[str]:
        with self.function(vararg):
            def pre():
                for p in params:
                    self.declare(p)
            body = self.scoped_block(depth, pre=pre)
            self.push()
            for p in params:
                self.declare(p)
            ret = "  return " + self.explist(depth + 1, 2)
            self.pop()
        return body + [ret]

    def st_function(self, depth):
        name = self.fresh("f")
        arity = self.c.below(3)
        params = [self.fresh("p") for _ in range(arity)]
        vararg = self.c.chance(20)
        plist = ", ".join(params + (["..."] if vararg else []))
        # Declared before the body, so it may call itself (recursion ends at a limit or a count).
        self.declare(name, writable=False)
        self.functions[-1].append((name, arity))
        return [f"local function {name}({plist})"] + self.function_body(depth, params, vararg) + ["end"]

    def st_do(self, depth):
        return ["do"] + self.scoped_block(depth) + ["end"]

    def st_pcall(self, depth):
        ok, err = self.fresh("ok"), self.fresh("e")
        with self.function():
            if self.c.chance(30):
                fail = f"  assert({self.expr(depth + 1)}, {self.expr(depth + 1)})"
            else:
                fail = f"  error({self.expr(depth + 1)}, {self.c.pick(['1', '0', '2'])})"
            body = self.scoped_block(depth)
        self.declare(ok)
        self.declare(err)
        fn = self.c.pick(["pcall", "xpcall"])
        handler = ", function(m) return tostring(m) .. '!' end" if fn == "xpcall" else ""
        return [f"local {ok}, {err} = {fn}(function()"] + body + [fail, f"end{handler})"]

    def st_coroutine(self, depth):
        co = self.fresh("co")
        form = self.c.below(2)
        arg = self.fresh("a")
        with self.function():
            body = self.scoped_block(depth, pre=lambda: self.declare(arg))
            yields = [f"  for _ = 1, {self.count()} do coroutine.yield({self.expr(depth + 1)}) end"]
            fn = [f"function({arg})"] + body + yields + [f"  return {self.expr(depth + 1)}", "end"]
        if form == 0:
            out = [f"local {co} = coroutine.wrap({fn[0]}"] + fn[1:-1] + ["end)"]
            calls = [f"{co}({self.expr(depth + 1)})" for _ in range(1 + self.c.below(3))]
        else:
            out = [f"local {co} = coroutine.create({fn[0]}"] + fn[1:-1] + ["end)"]
            calls = [f"coroutine.resume({co}, {self.expr(depth + 1)})" for _ in range(1 + self.c.below(3))]
            calls.append(f"print(coroutine.status({co}), coroutine.isyieldable())")
        self.declare(co)
        return out + calls

    def st_metatable(self, depth):
        name = self.fresh("m")
        fields = []
        for _ in range(1 + self.c.below(4)):
            mm = self.c.pick(METAMETHODS)
            if mm in ("__name", "__metatable"):
                fields.append(f"{mm} = {self.c.pick(STRINGS)}")
            elif mm == "__index" and self.c.chance(50):
                fields.append(f"__index = {self.table_cons(depth + 1)}")
            else:
                a, b = self.fresh("a"), self.fresh("b")
                with self.function():
                    self.push()
                    self.declare(a)
                    self.declare(b)
                    result = self.expr(depth + 1)
                    self.pop()
                fields.append(f"{mm} = function({a}, {b}) return {result} end")
        self.declare(name)
        out = [f"local {name} = setmetatable({self.table_cons(depth + 1)}, {{{', '.join(fields)}}})"]
        with self.function():
            uses = [f"print(pcall(function() return {name} {self.c.pick(BINOPS)} {self.expr(depth + 1)} end))",
                    f"print(pcall(function() return #{name}, tostring({name}), {name}[ {self.expr(depth + 1)} ] end))",
                    f"print(pcall(function() return {name} < {name}, {name} == {self.expr(depth + 1)}, -{name} end))"]
        uses += [f"print(pcall({name}, {self.expr(depth + 1)}))", f"{name}.x = {self.expr(depth + 1)}"]
        for _ in range(self.c.below(4)):
            out.append(self.c.pick(uses))
        return out

    def st_close(self, depth):
        name = self.fresh("c")
        value = self.c.pick(["nil", "false",
                             "setmetatable({}, {__close = function(o, e) print('closed', e) end})",
                             f"setmetatable({{}}, {{__close = function() error({self.c.pick(STRINGS)}) end}})",
                             "{}"])  # a table without __close: a runtime error at the declaration
        return ["do", f"  local {name} <close> = {value}"] + self.scoped_block(depth) + ["end"]

    def st_load(self, depth):
        name = self.fresh("l")
        text = self.c.pick([f'"return {self.c.pick(INTS)} + 1"', '"syntax error here ("', '"return ..."',
                            '"\\27Lua"', "string.rep('x', 10)", f"tostring({self.expr(depth + 1)})"])
        self.declare(name)
        return [f"local {name} = load({text})",
                f"if {name} then print(pcall({name}, {self.expr(depth + 1)})) end"]

    # -- expressions --

    def explist(self, depth, n_max) -> str:
        return ", ".join(self.expr(depth) for _ in range(1 + self.c.below(n_max)))

    def expr(self, depth) -> str:
        if depth >= self.depth_max + 2:
            return self.atom()
        kind = self.c.below(12)
        if kind <= 2:
            return self.atom()
        if kind == 3:
            return f"({self.expr(depth + 1)} {self.c.pick(BINOPS)} {self.expr(depth + 1)})"
        if kind == 4:
            return f"({self.c.pick(UNOPS)} {self.expr(depth + 1)})"  # "- -1", never "--1"
        if kind == 5:
            return self.table_cons(depth + 1)
        if kind == 6:
            return self.call_expr(depth + 1)
        if kind == 7:
            return f"{self.index_base(depth + 1)}[ {self.expr(depth + 1)} ]"
        if kind == 8:
            a = self.fresh("x")
            with self.function():
                self.push()
                self.declare(a)
                body = self.expr(depth + 1)
                self.pop()
            return f"(function({a}) return {body} end)({self.expr(depth + 1)})"
        if kind == 9:
            return f"_home[{self.c.pick(HOME_KEYS)}]"
        if kind == 10:
            s = self.expr(depth + 1)
            method = self.c.pick([f"sub({self.c.pick(INTS)}, {self.c.pick(INTS)})", "upper()", "len()",
                                  f"rep({self.c.below(4)})", "reverse()", f"byte(1, {self.c.below(5)})"])
            return f"({s}):{method}"
        return f"(math.type({self.expr(depth + 1)}) or type({self.expr(depth + 1)}))"

    def index_base(self, depth) -> str:
        names = self.readable()
        if names and self.c.chance(70):
            return self.c.pick(names)
        return self.c.pick(["_home", "string", "math", "_G", "_ENV"]) if self.c.chance(50) else \
            f"({self.table_cons(depth)})"

    def atom(self) -> str:
        names = self.readable()
        kind = self.c.below(8)
        if kind <= 1 and names:
            return self.c.pick(names)
        if kind == 2:
            return self.c.pick(INTS)
        if kind == 3:
            return self.c.pick(FLOATS)
        if kind == 4:
            return self.c.pick(STRINGS)
        if kind == 5:
            return self.c.pick(["nil", "true", "false"])
        if kind == 6 and self.in_vararg[-1]:
            return self.c.pick(["...", "select('#', ...)", "(...)"])
        return self.c.pick(INTS + STRINGS)

    def table_cons(self, depth) -> str:
        if depth >= self.depth_max + 2:
            return "{}"
        items = []
        for _ in range(self.c.below(5)):
            form = self.c.below(3)
            if form == 0:
                items.append(self.expr(depth + 1))
            elif form == 1:
                items.append(f"{self.c.pick(['a', 'b', 'n', 'x'])} = {self.expr(depth + 1)}")
            else:
                items.append(f"[ {self.expr(depth + 1)} ] = {self.expr(depth + 1)}")
        sep = self.c.pick([", ", "; "])
        return "{" + sep.join(items) + "}"

    def call_expr(self, depth) -> str:
        e = lambda: self.expr(depth + 1)  # noqa: E731
        funcs = self.callable()
        if funcs and self.c.chance(25):
            name, arity = self.c.pick(funcs)
            return f"{name}({', '.join(e() for _ in range(arity))})"
        form = self.c.below(30)
        calls = [
            lambda: f"tostring({e()})",
            lambda: f"tonumber({e()})",
            lambda: f"type({e()})",
            lambda: f"math.floor({e()})",
            lambda: f"math.max({e()}, {e()})",
            lambda: f"math.tointeger({e()})",
            lambda: f"math.fmod({e()}, {e()})",
            lambda: f"math.abs({e()})",
            lambda: f"string.rep({e()}, {self.c.pick(['0', '3', '100', '10000', '1e6', '2^31', '-1'])}"
                    f"{self.c.pick(REP_SEPARATORS)})",
            lambda: f"string.format({self.c.pick(FORMATS)}, {e()}, {e()})",
            lambda: f"string.find({e()}, {self.c.pick(PATTERNS)})",
            lambda: f"string.gsub({e()}, {self.c.pick(PATTERNS)}, {self.c.pick(GSUB_REPLACEMENTS)})",
            lambda: f"string.match({e()}, {self.c.pick(PATTERNS)})",
            lambda: f"string.byte({e()}, {self.c.pick(INTS)}, {self.c.pick(INTS)})",
            lambda: f"string.char({self.c.pick(['65', '0', '255', '256', '-1'])})",
            lambda: f"string.pack({self.c.pick(PACK_FORMATS)}, {e()})",
            lambda: f"select({self.c.pick(SELECT_INDEXES)}, {e()}, {e()})",
            lambda: f"table.concat({self.table_cons(depth + 1)}, {e()})",
            lambda: f"table.unpack({self.table_cons(depth + 1)})",
            lambda: f"#{self.table_cons(depth + 1)}",
            lambda: f"utf8.char({self.c.pick(INTS)})",
            lambda: f"utf8.len({e()})",
            lambda: f"rawequal({e()}, {e()})",
            lambda: f"rawlen({e()})",
            lambda: f"pcall(error, {e()})",
            lambda: f"os.date({self.c.pick(DATE_FORMATS)}, {self.c.pick(INTS)})",
            lambda: f"os.time({self.c.pick(['', '{year = 2024, month = 1, day = 1}', '{year = 1e20}'])})",
            lambda: f"collectgarbage({self.c.pick(GC_OPTIONS)})",
            lambda: f"math.random({self.c.pick(['', '10', '1, 6', '0', '3, 1'])})",
            lambda: f"ext_table.size({self.c.pick(['_home', '1', '2', '-1'])})",
        ]
        return calls[form]()


def lua_program(c: Choices, **kw) -> str:
    return LuaGen(c, **kw).program()


# ---- byte-level damage ----------------------------------------------------------------

TOKENS = [b"end", b"(", b")", b"{", b"}", b"[[", b"]]", b"--", b"--[[", b'"', b"'", b"\\", b"=", b"==",
          b"local", b"function", b"goto", b"::", b"...", b"\x00", b"\xff", b"\n", b"\x1bLua", b"0x",
          b"1e", b"[=[", b"#", b"~", b"<close>", b"return", b"break", b"until", b"\\u{", b"\\z"]


def mutate(c: Choices, program: bytes, edits_max: int = 4) -> bytes:
    data = bytearray(program)
    for _ in range(1 + c.below(edits_max)):
        at = c.below(len(data) + 1)
        kind = c.below(4)
        if kind == 0:
            data[at:at] = c.pick(TOKENS)
        elif kind == 1 and data:
            del data[at:at + 1 + c.below(8)]
        elif kind == 2 and data:
            data[min(at, len(data) - 1)] = c.below(256)
        else:  # a slice of the program copied elsewhere
            start = c.below(len(data) + 1)
            data[at:at] = data[start:start + c.below(16)]
    return bytes(data)


# ---- _home contents -------------------------------------------------------------------

INT64 = st.integers(-(2**63), 2**63 - 1)


class Tree(list):
    """A nested table of a generated `_home`: a list of (key, value) pairs in order."""


def _float_from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


store_keys = st.one_of(
    st.integers(1, 6),  # sequences
    INT64,
    st.sampled_from([0, -1, 2**63 - 1, -(2**63), 2**53 + 1]),
    st.binary(max_size=8),
    st.text(max_size=6).map(lambda s: s.encode("utf-8", "surrogatepass")),
)

store_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-0.0, 0.0, float("inf"), float("-inf"), float("nan"), 5e-324, -5e-324, 2.0**53]),
    st.integers(0, 2**64 - 1).map(_float_from_bits),  # every bit pattern: NaN payloads, signs
)

store_scalars = st.one_of(
    st.booleans(),
    INT64,
    store_floats,
    st.binary(max_size=24),
    st.text(max_size=12).map(lambda s: s.encode("utf-8", "surrogatepass")),
)


def _tree(children):
    return st.lists(st.tuples(store_keys, children), max_size=6, unique_by=lambda kv: kv[0]).map(Tree)


home_values = st.recursive(store_scalars, _tree, max_leaves=30)
home_trees = _tree(home_values)  # the root: always a table


def load_tree(store, tree: Tree, tid: int = 1) -> None:
    """Writes `tree` into table `tid` of `store` in one transaction (the store's own API)."""
    store.begin()
    try:
        stack = [(tid, tree)]
        while stack:
            t, items = stack.pop()
            for key, value in items:
                if isinstance(value, Tree):
                    stack.append((store.set_new_table(t, key), value))
                else:
                    store.set(t, key, value)
    except BaseException:
        store.rollback()
        raise
    store.commit()


def exact(value, nan_payloads: bool = True):
    """A form of a scalar where equality is exact: type and IEEE bits for floats (with
    nan_payloads=False, every NaN is the same: the typed JSON has one "nan")."""
    if type(value) is float:
        if value != value and not nan_payloads:
            return ("float", "nan")
        return ("float", struct.pack("<d", value))
    return (type(value).__name__, value)


def canonical_tree(tree: Tree, nan_payloads: bool = True) -> list:
    return [(exact(k), canonical_tree(v, nan_payloads) if isinstance(v, Tree) else exact(v, nan_payloads))
            for k, v in tree]


def canonical_store(store, tid: int = 1, nan_payloads: bool = True) -> list:
    from wasm_compute._store import TableRef
    return [(exact(k), canonical_store(store, v.id, nan_payloads) if type(v) is TableRef
             else exact(v, nan_payloads)) for k, v in store.entries(tid)]


def canonical_raw(value, nan_payloads: bool = True):
    """A raw result value (Result.raw_values: LuaTable of pairs) in the same form."""
    from wasm_compute._abi import LuaTable
    if isinstance(value, LuaTable):
        return [(exact(k), canonical_raw(v, nan_payloads)) for k, v in value]
    return exact(value, nan_payloads)


# ---- the property every eval must satisfy ---------------------------------------------

DOCUMENTED_ERRORS = {  # name -> ABI status (zig/ABI.md §5)
    "syntax": -3, "runtime": -4, "memory_limit": -6, "instruction_limit": -7, "timeout": -9,
    "code_size": -2,
}


def check_outcome(result) -> None:
    """Raises AssertionError unless the eval ended with a result or a documented error."""
    err = result.error
    if err is None:
        return
    assert err.name in DOCUMENTED_ERRORS, f"undocumented error {err.name!r}: {err.message!r}"
    assert err.code == DOCUMENTED_ERRORS[err.name], f"{err.name} with code {err.code}"
    assert isinstance(err.message, str) and err.message.strip(), f"{err.name} without a message"
