const std = @import("std");

pub fn build(b: *std.Build) void {
    var query: std.Target.Query = .{ .cpu_arch = .wasm32, .os_tag = .wasi };
    query.cpu_features_add = std.Target.wasm.featureSet(&.{.exception_handling});
    const target = b.resolveTargetQuery(query);
    const optimize = b.standardOptimizeOption(.{ .preferred_optimize_mode = .ReleaseFast });
    const lua_dir = b.path("../lua/lua-5.4.8");

    const tc = b.addTranslateC(.{ .root_source_file = b.path("src/lua_api.h"), .target = target, .optimize = optimize });
    tc.addIncludePath(lua_dir);

    const mod = b.createModule(.{ .root_source_file = b.path("src/main.zig"), .target = target, .optimize = optimize, .link_libc = true, .strip = true });
    mod.addImport("c", tc.createModule());
    // The number formatter (src/numfmt.zig) is built for size: it is short
    // work beside the conversions it replaces, and lua.wasm has a size target.
    mod.addImport("numfmt", b.createModule(.{ .root_source_file = b.path("src/numfmt.zig"), .target = target, .optimize = .ReleaseSmall, .strip = true }));
    mod.addIncludePath(lua_dir);
    mod.addIncludePath(b.path("src"));
    mod.addCMacro("WC_HEADERS_DIGEST", headersDigest(b));
    mod.addIncludePath(editedUpstream(b));
    const flags = c_flags ++ [_][]const u8{ "-include", "src/sandbox.h" };
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &lua_libs, .flags = &(flags ++ stack_charged) });
    // The core that scripts spend their time in, with the VM that counts its
    // instructions for the budget (src/lvm_budget.h) and the table library,
    // is one translation unit (src/lcore_unit.c says why): bench/'s nbody,
    // sort and collatz 5-20% faster in Chromium and wasmtime. -O2 rather than
    // -O3 keeps lua.wasm under its size target (bench/README.md) for the same
    // speed. The rest of the core (error messages, debug info, state
    // creation) and the compiler, run once per eval, are built for size
    // (the compiler: -20 KB; a 260 KB source compiles ~8% slower).
    // The VM dispatches with one switch rather than upstream's computed
    // gotos (LUA_USE_JUMPTABLE, on for clang): wasm has no indirect jump, so
    // LLVM turns the gotos into one br_table anyway, and each of the ~80
    // copies of the fetch then carries the budget's count and re-entry
    // (src/lvm_budget.h). One copy: Chromium 13-17% faster on bench/'s
    // VM-bound programs, wasmtime within noise, lua.wasm 6.7 KB smaller.
    mod.addCSourceFiles(.{ .files = &.{"src/lcore_unit.c"}, .flags = &(flags ++ [_][]const u8{ "-I", "../lua/lua-5.4.8", "-O2", "-DLUA_USE_JUMPTABLE=0" }) });
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &lua_core_cold, .flags = &(flags ++ [_][]const u8{"-Os"}) });
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &lua_compiler, .flags = &(flags ++ [_][]const u8{"-Os"}) });
    // The base library's dofile/loadfile are removed at run time; pointing
    // them away from luaL_loadfilex keeps stdio's file code out of the link.
    // Its `load` stays upstream's, with the chunk loaders that refuse binary.
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"lbaselib.c"}, .flags = &(flags ++ [_][]const u8{
        "-DluaL_loadfilex(L,f,m)=wc_no_files(L)",
        "-DluaL_loadbufferx(L,s,l,n,m)=wc_loadbufferx(L,s,l,n,m)",
        "-Dlua_load(L,r,d,n,m)=wc_load(L,r,d,n,m)",
    }) });
    // lauxlib's buffers (string.rep, table.concat, ...) allocate through
    // lua_getallocf, which would skip Lua's collect-and-retry on failure.
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"lauxlib.c"}, .flags = &(flags ++ [_][]const u8{
        "-Dlua_getallocf(L,ud)=(*(ud) = (L), wc_box_alloc)",
    }) });
    // The C loops that can run long within one VM instruction charge the
    // deadline's work counter (src/deadline.h, ABI §7): the pattern matcher
    // at every step, the table library at every table access (in
    // src/lcore_unit.c), the utf8 library by the length of the string it
    // scans.
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"lstrlib.c"}, .flags = &(flags ++ stack_charged ++ [_][]const u8{ "-include", "src/lstrlib_deadline.h" }) });
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"lutf8lib.c"}, .flags = &(flags ++ stack_charged ++ [_][]const u8{
        "-DluaL_checklstring(L,a,l)=wc_deadline_string(luaL_checklstring(L,a,l), l)",
    }) });
    // Upstream libraries wrapped for the sandbox (os, io, debug, package), the collector
    // with the finalization an eval ends with (lgc_sandbox.c includes lgc.c),
    // the hook slot, the restore and the snprintf of Lua's numbers.
    mod.addCSourceFiles(.{ .files = &.{ "src/los_sandbox.c", "src/lio_sandbox.c", "src/ldb_sandbox.c", "src/lpackage_sandbox.c", "src/lgc_sandbox.c", "src/lhook.c", "src/lrestore.c", "src/numfmt.c" }, .flags = &(flags ++ [_][]const u8{ "-I", "../lua/lua-5.4.8" }) });
    mod.addAssemblyFile(b.path("src/longjmp_tag.s"));
    mod.linkSystemLibrary("wasi-emulated-signal", .{});

    const exe = b.addExecutable(.{ .name = "lua", .root_module = mod });
    exe.entry = .disabled;
    exe.rdynamic = true;
    exe.wasi_exec_model = .reactor;
    b.installArtifact(exe);
}

const c_flags = [_][]const u8{
    "-std=c99",
    "-D_WASI_EMULATED_SIGNAL",
    "-mllvm", "-wasm-enable-sjlj",
    "-mllvm", "-wasm-use-legacy-eh=false",
    "-mexception-handling",
};

// The libraries whose calls can fill the stack with many values charge
// the deadline for it (src/deadline_stack.h).
const stack_charged = [_][]const u8{ "-include", "src/deadline_stack.h" };

const lua_compiler = [_][]const u8{ "llex.c", "lparser.c", "lcode.c", "ldump.c", "lundump.c" };

const lua_core_cold = [_][]const u8{ "lctype.c", "lopcodes.c", "lzio.c", "lstate.c", "ldebug.c" };

const lua_libs = [_][]const u8{"lmathlib.c"};

/// The digest of src/'s headers, a macro of every C file: Zig's cache does not
/// follow a C file's includes (a change of src/lvm_home.h or src/deadline.h
/// alone left lua.wasm as it was), so a header's change must change the
/// compilation itself.
fn headersDigest(b: *std.Build) []const u8 {
    const io = b.graph.io;
    // Zig caches build.zig's configuration too: these say what it read.
    b.dependOnDirectoryContents(b.path("src"));
    var dir = b.root.openDir(io, "src", .{ .iterate = true }) catch |e| std.debug.panic("zig/src: {t}", .{e});
    defer dir.close(io);
    var names: std.ArrayList([]const u8) = .empty;
    var it = dir.iterate();
    while (it.next(io) catch |e| std.debug.panic("zig/src: {t}", .{e})) |entry| {
        if (std.mem.endsWith(u8, entry.name, ".h")) names.append(b.allocator, b.dupe(entry.name)) catch @panic("out of memory");
    }
    std.mem.sort([]const u8, names.items, {}, struct {
        fn less(_: void, x: []const u8, y: []const u8) bool {
            return std.mem.lessThan(u8, x, y);
        }
    }.less);
    var digest = std.crypto.hash.sha2.Sha256.init(.{});
    for (names.items) |name| {
        b.dependOnFileContents(b.path(b.fmt("src/{s}", .{name})));
        const text = dir.readFileAlloc(io, name, b.allocator, .unlimited) catch |e| std.debug.panic("zig/src/{s}: {t}", .{ name, e });
        digest.update(name);
        digest.update(text);
    }
    const bytes = digest.finalResult();
    return b.fmt("{x}", .{bytes[0..8]});
}

/// One exact-match edit of an upstream file; each `old` must occur exactly once.
const Edit = struct { file: []const u8, old: []const u8, new: []const u8 };

/// The yields that return instead of throwing (src/lyield.h says when and why).
const upstream_edits = [_]Edit{
    .{ .file = "ldo.c", .old =
    \\    if ((ci->u.c.k = k) != NULL)  /* is there a continuation? */
    \\      ci->u.c.ctx = ctx;  /* save context */
    \\    luaD_throw(L, LUA_YIELD);
    , .new =
    \\    if ((ci->u.c.k = k) != NULL)  /* is there a continuation? */
    \\      ci->u.c.ctx = ctx;  /* save context */
    \\    else if (wc_yield_returns(L))
    \\      return 0;  /* its callers return up to lua_resume */
    \\    luaD_throw(L, LUA_YIELD);
    },
    .{ .file = "ldo.c", .old =
    \\  api_checknelems(L, n);
    \\  luaD_poscall(L, ci, n);
    \\  return n;
    , .new =
    \\  api_checknelems(L, n);
    \\  if (l_unlikely(L->status == LUA_YIELD))
    \\    return n;  /* a yield that returned: the call is not over */
    \\  luaD_poscall(L, ci, n);
    \\  return n;
    },
    .{ .file = "ldo.c", .old =
    \\  while ((ci = L->ci) != &L->base_ci) {  /* something in the stack */
    , .new =
    \\  while ((ci = L->ci) != &L->base_ci && L->status != LUA_YIELD) {
    },
    .{ .file = "ldo.c", .old =
    \\  status = precover(L, status);
    , .new =
    \\  status = precover(L, status);
    \\  if (status == LUA_OK)
    \\    status = L->status;  /* LUA_YIELD for a yield that returned */
    },
    .{ .file = "lvm.c", .old =
    \\        if ((newci = luaD_precall(L, ra, nresults)) == NULL)
    \\          updatetrap(ci);  /* C call; nothing else to be done */
    , .new =
    \\        if ((newci = luaD_precall(L, ra, nresults)) == NULL) {
    \\          if (l_unlikely(L->status == LUA_YIELD))
    \\            return;  /* a yield that returned */
    \\          updatetrap(ci);  /* C call; nothing else to be done */
    \\        }
    },
    .{ .file = "lvm.c", .old =
    \\          ci->func.p -= delta;  /* restore 'func' (if vararg) */
    , .new =
    \\          if (l_unlikely(L->status == LUA_YIELD))
    \\            return;  /* a yield that returned */
    \\          ci->func.p -= delta;  /* restore 'func' (if vararg) */
    },
};

/// A folder with upstream's ldo.c and lvm.c as `ldo_wc.c` and `lvm_wc.c`,
/// with `upstream_edits` applied (src/lcore_unit.c includes them).
fn editedUpstream(b: *std.Build) std.Build.LazyPath {
    const io = b.graph.io;
    const files = b.addWriteFiles();
    var dir = b.root.openDir(io, "../lua/lua-5.4.8", .{}) catch |e| std.debug.panic("lua/lua-5.4.8: {t}", .{e});
    defer dir.close(io);
    for ([_][]const u8{ "ldo.c", "lvm.c" }) |name| {
        b.dependOnFileContents(b.path(b.fmt("../lua/lua-5.4.8/{s}", .{name})));
        var text: []const u8 = dir.readFileAlloc(io, name, b.allocator, .unlimited) catch |e| std.debug.panic("lua/lua-5.4.8/{s}: {t}", .{ name, e });
        for (upstream_edits) |edit| {
            if (!std.mem.eql(u8, edit.file, name)) continue;
            if (std.mem.count(u8, text, edit.old) != 1) std.debug.panic("{s}: an edit's text is not there exactly once:\n{s}", .{ name, edit.old });
            text = std.mem.replaceOwned(u8, b.allocator, text, edit.old, edit.new) catch @panic("out of memory");
        }
        _ = files.add(b.fmt("{s}_wc.c", .{name[0 .. name.len - 2]}), text);
    }
    return files.getDirectory();
}
