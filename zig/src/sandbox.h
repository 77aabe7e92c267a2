/*
** Forced into every Lua C file (clang -include). It points Lua's few
** configurable I/O hooks at the sandbox, so that no file or stdio code is
** linked and nothing leaves the module except through the documented imports.
*/
#ifndef wc_sandbox_h
#define wc_sandbox_h

#include <stddef.h>
#include <time.h>

/* `print` and lauxlib's messages write to the io library's stdout and
** stderr (lio_sandbox.c), whose text goes into the captured streams. */
void wc_print_write(const char *s, size_t l);
void wc_print_line(void);
void wc_output_error(const char *fmt, const char *arg);
#define lua_writestring(s,l)	wc_print_write((s), (l))
#define lua_writeline()		wc_print_line()
#define lua_writestringerror(fmt,arg)	wc_output_error((fmt), (arg))

/* What lbaselib.c calls instead of luaL_loadfilex, luaL_loadbufferx and
** lua_load (see build.zig): no files, and text chunks only. */
struct lua_State;
int wc_no_files(struct lua_State *L);
int wc_loadbufferx(struct lua_State *L, const char *s, size_t l, const char *name, const char *mode);
int wc_load(struct lua_State *L, const char *(*reader)(struct lua_State *, void *, size_t *),
            void *data, const char *name, const char *mode);

/* What lauxlib.c's buffers allocate with (see build.zig): the allocator with
** a collection before giving up, as Lua's own allocations have. */
void *wc_box_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* Every 'time(NULL)' of Lua (os.time, math.randomseed) reads the host's
** clock (ABI §7), so a host can fix it. */
time_t wc_time(time_t *t);
#define time(t)	wc_time(t)

/* Lua's numbers (lua_number2str, lua_integer2str, string.format's %d %e %f
** %g %a and their kin, %q) are printed by l_sprintf, which luaconf.h makes
** snprintf: src/numfmt.c prints them without wasi-libc's software long
** double, digit for digit as glibc does, and hands every other format to
** libc. */
int wc_snprintf(char *s, size_t n, const char *fmt, ...);
#define snprintf	wc_snprintf

/* A fixed string-hash seed: table iteration order is the same on every host. */
#define luai_makeseed(L)	0x2545F491u

/* table.sort picks pivots from a fixed value instead of the clock: the same
** input is sorted the same way (and as fast) on every host. */
#define l_randomizePivot()	0x9E3779B9u

/* A new thread inherits its creator's hook but not the budget's pending
** event (lhook.c); a freed one stops being the thread the external tables'
** code runs on (lgc_sandbox.c). */
void wc_hook_thread(struct lua_State *L1);
void wc_ext_thread_free(struct lua_State *L1);
#define luai_userstatethread(L,L1)	wc_hook_thread(L1)
#define luai_userstatefree(L,L1)	wc_ext_thread_free(L1)

/* The C loops that can run long within one VM instruction charge the
** deadline's work counter (ABI §7). */
#include "deadline.h"

#endif
