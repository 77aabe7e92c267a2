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
    const flags = c_flags ++ [_][]const u8{ "-include", "src/sandbox.h" };
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &lua_core, .flags = &flags });
    // The VM counts its instructions for the budget (src/lvm_budget.h). It
    // is where scripts spend their time: -O3 makes the suite in bench/ ~4%
    // faster in Chromium. The compiler, run once per eval, is built for size
    // instead (-20 KB; a 260 KB source compiles ~8% slower): together they
    // keep lua.wasm well under its size target (bench/README.md).
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"lvm.c"}, .flags = &(flags ++ [_][]const u8{ "-include", "src/lvm_budget.h", "-include", "src/lvm_home.h", "-O3" }) });
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
    // at every step, the table library at every table access, the utf8
    // library by the length of the string it scans.
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"lstrlib.c"}, .flags = &(flags ++ [_][]const u8{ "-include", "src/lstrlib_deadline.h" }) });
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"ltablib.c"}, .flags = &(flags ++ [_][]const u8{
        "-Dlua_geti(L,i,n)=(wc_deadline_spend(1), lua_geti(L,i,n))",
        "-Dlua_seti(L,i,n)=(wc_deadline_spend(1), lua_seti(L,i,n))",
    }) });
    mod.addCSourceFiles(.{ .root = lua_dir, .files = &.{"lutf8lib.c"}, .flags = &(flags ++ [_][]const u8{
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

const lua_compiler = [_][]const u8{ "llex.c", "lparser.c", "lcode.c", "ldump.c", "lundump.c" };

const lua_core = [_][]const u8{
    "lapi.c",   "lctype.c", "ldebug.c", "ldo.c",      "lfunc.c",  "lmem.c",
    "lobject.c", "lopcodes.c", "lstate.c", "lstring.c", "ltable.c", "ltm.c", "lzio.c",
    "lcorolib.c", "lmathlib.c",
};
