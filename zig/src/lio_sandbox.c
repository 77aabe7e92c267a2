/*
** The sandbox's 'io' library (ABI §8): upstream liolib.c compiled as it is,
** over three stdio FILEs made with fopencookie. stdin reads the request's
** bytes (ABI §2.2), stdout and stderr write into the result's captured
** streams (output.zig). `print` and lauxlib's messages write through the
** same FILEs (sandbox.h), so everything keeps its order under any setvbuf,
** as in `lua`. No file can be opened: io.open, io.popen and io.tmpfile are
** not registered, and the fopen behind io.input, io.output and io.lines
** fails with EPERM.
*/
#define _GNU_SOURCE
#define LUA_LIB
#include "lprefix.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "lua.h"
#include "lauxlib.h"

/* The captured streams (output.zig). */
void wc_stdout_append(const char *s, size_t l);
void wc_stderr_append(const char *s, size_t l);

enum { STD_IN, STD_OUT, STD_ERR, STD_COUNT };
static FILE *std_files[STD_COUNT];

/* liolib.c's stdin, stdout and stderr are these FILEs: the program's own
** would reach the host through WASI. */
#undef stdin
#undef stdout
#undef stderr
#define stdin	(std_files[STD_IN])
#define stdout	(std_files[STD_OUT])
#define stderr	(std_files[STD_ERR])

static FILE *no_fopen (const char *name, const char *mode) {
  (void)name; (void)mode;
  errno = EPERM;
  return NULL;
}

#define fopen(name,mode)	no_fopen(name, mode)
#define tmpfile()		no_fopen(NULL, NULL)

/* A read from stdout or stderr, or a write to stdin, fails in stdio without
** setting errno; glibc says EBADF there, as for a descriptor opened the
** other way, and so does this. The call goes on and fails as it would. */
static int wrong_way (FILE *f, int writing) {
  if (writing ? f == stdin : (f == stdout || f == stderr))
    errno = EBADF;
  return 0;
}

#define getc(f)			(wrong_way(f, 0), getc(f))
#define fread(p,s,n,f)		(wrong_way(f, 0), fread(p, s, n, f))
#define fwrite(p,s,n,f)		(wrong_way(f, 1), fwrite(p, s, n, f))
#define fprintf(f,...)		(wrong_way(f, 1), write_number(f, snprintf(number, sizeof(number), __VA_ARGS__)))

/* io.write's numbers (its only fprintf) are formatted by snprintf, which
** sandbox.h makes numfmt's, as tostring's are, instead of by libc's printf
** and its software long double; fprintf's result is the length or -1. */
static char number[64];

static int write_number (FILE *f, int len) {
  lua_assert(0 < len && len < (int)sizeof(number));
  return fwrite(number, 1, len, f) == (size_t)len ? len : -1;
}

/* Offsets of 64 bits, as on the 64-bit systems `lua` runs on. */
#define l_fseek(f,o,w)		fseeko(f,o,w)
#define l_ftell(f)		ftello(f)
#define l_seeknum		off_t

/* The errors scripts see are glibc's on Linux, number and text, not WASI's
** and musl's: the few that the files here can raise. */
static const struct { int wasi; int linux; const char *text; } errors[] = {
  {EPERM, 1, "Operation not permitted"},
  {EBADF, 9, "Bad file descriptor"},
  {ENOMEM, 12, "Cannot allocate memory"},
  {EINVAL, 22, "Invalid argument"},
  {ESPIPE, 29, "Illegal seek"},
};

static int linux_errno (int en) {
  size_t i;
  for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].wasi == en) return errors[i].linux;
  return en;
}

static const char *linux_strerror (int en) {
  size_t i;
  for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].wasi == en) return errors[i].text;
  return strerror(en);
}

/* lauxlib's luaL_fileresult, with the error number as Linux numbers it. */
static int fileresult (lua_State *L, int stat, const char *fname) {
  int en = errno;  /* calls to Lua API may change this value */
  if (stat) {
    lua_pushboolean(L, 1);
    return 1;
  }
  else {
    const char *msg;
    luaL_pushfail(L);
    msg = (en != 0) ? linux_strerror(en) : "(no extra info)";
    if (fname)
      lua_pushfstring(L, "%s: %s", fname, msg);
    else
      lua_pushstring(L, msg);
    lua_pushinteger(L, linux_errno(en));
    return 3;
  }
}

#define luaL_fileresult(L,stat,fname)	fileresult(L, stat, fname)
#define strerror(en)	linux_strerror(en)

#include "liolib.c"

#undef fprintf

/* ---------------------------------------------------------------- the FILEs */

/* The request's standard input: a file of its bytes, as `lua f.lua < file`
** sees it (it can seek). */
static struct {
  const char *data;
  size_t len;
  off_t pos;
} input;

static ssize_t input_read (void *cookie, char *buf, size_t size) {
  size_t left = (input.pos < (off_t)input.len) ? input.len - (size_t)input.pos : 0;
  size_t n = (size < left) ? size : left;
  (void)cookie;
  memcpy(buf, input.data + input.pos, n);
  input.pos += (off_t)n;
  return (ssize_t)n;
}

static int input_seek (void *cookie, off_t *offset, int whence) {
  off_t base = (whence == SEEK_SET) ? 0 : (whence == SEEK_CUR) ? input.pos : (off_t)input.len;
  (void)cookie;
  if (*offset < -base || *offset > INT64_MAX - base) {  /* before the start, or past any end */
    errno = EINVAL;
    return -1;
  }
  input.pos = base + *offset;
  *offset = input.pos;
  return 0;
}

static ssize_t output_write (void *cookie, const char *buf, size_t size) {
  (void)cookie;
  wc_stdout_append(buf, size);
  return (ssize_t)size;
}

static ssize_t error_write (void *cookie, const char *buf, size_t size) {
  (void)cookie;
  wc_stderr_append(buf, size);
  return (ssize_t)size;
}

/* The captured streams are pipes: what was written cannot be sought. */
static int pipe_seek (void *cookie, off_t *offset, int whence) {
  (void)cookie; (void)offset; (void)whence;
  errno = ESPIPE;
  return -1;
}

/* Buffers of the size stdio gives a FILE, put back at each eval after a
** script's setvbuf. */
static char buffers[2][BUFSIZ + 8];

/* The handles' registry key (its address): they are kept for good. */
static const char key_handles = 0;

static void anchor_handles (lua_State *L, int lib) {
  static const char *const names[STD_COUNT] = {"stdin", "stdout", "stderr"};
  int i;
  lua_createtable(L, STD_COUNT, 0);
  for (i = 0; i < STD_COUNT; i++) {
    lua_getfield(L, lib, names[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_handles);
}

static const luaL_Reg sandbox_iolib[] = {
  {"close", io_close},
  {"flush", io_flush},
  {"input", io_input},
  {"lines", io_lines},
  {"output", io_output},
  {"read", io_read},
  {"type", io_type},
  {"write", io_write},
  {NULL, NULL}
};

int luaopen_sandbox_io (lua_State *L) {
  static const cookie_io_functions_t in = {input_read, NULL, input_seek, NULL};
  static const cookie_io_functions_t out = {NULL, output_write, pipe_seek, NULL};
  static const cookie_io_functions_t err = {NULL, error_write, pipe_seek, NULL};
  if (stdin == NULL) {
    stdin = fopencookie(NULL, "r", in);
    stdout = fopencookie(NULL, "w", out);
    stderr = fopencookie(NULL, "w", err);
    if (stdin == NULL || stdout == NULL || stderr == NULL)
      return luaL_error(L, "not enough memory");
  }
  luaL_newlib(L, sandbox_iolib);
  createmeta(L);
  createstdfile(L, stdin, IO_INPUT, "stdin");
  createstdfile(L, stdout, IO_OUTPUT, "stdout");
  createstdfile(L, stderr, NULL, "stderr");
  anchor_handles(L, lua_gettop(L));
  return 1;
}

/* Starts an eval: stdin reads 'data' from its start (no end of file, error
** or pushed-back character left), and each file has the buffering `lua`
** starts with: stdin and stdout full, stderr none. */
void wc_io_begin (const char *data, size_t len) {
  int i;
  input.data = data;
  input.len = len;
  fseeko(stdin, 0, SEEK_SET);
  setvbuf(stdin, buffers[0], _IOFBF, sizeof buffers[0]);
  setvbuf(stdout, buffers[1], _IOFBF, sizeof buffers[1]);
  setvbuf(stderr, NULL, _IONBF, 0);
  for (i = 0; i < STD_COUNT; i++) clearerr(std_files[i]);
}

/* Ends an eval: what the files hold goes into the captured streams. */
void wc_io_flush (void) {
  fflush(stdout);
  fflush(stderr);
}

/* Part of the restore after an eval (sandbox.zig): the default files and
** the handles' metatable, which io.input, io.output and debug.setmetatable
** change. The tables themselves are restored with the other libraries. */
void wc_io_restore (lua_State *L) {
  int i;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_handles);
  for (i = 0; i < STD_COUNT; i++) {
    LStream *p;
    lua_rawgeti(L, -1, i + 1);
    p = (LStream *)lua_touserdata(L, -1);
    p->f = std_files[i];
    p->closef = &io_noclose;
    /* Only a changed one is set again: setting a metatable with __gc marks the
    ** handle for finalization, which would make every eval finalize it. */
    if (luaL_testudata(L, -1, LUA_FILEHANDLE) == NULL)
      luaL_setmetatable(L, LUA_FILEHANDLE);
    if (i == STD_IN) lua_setfield(L, LUA_REGISTRYINDEX, IO_INPUT);
    else if (i == STD_OUT) lua_setfield(L, LUA_REGISTRYINDEX, IO_OUTPUT);
    else lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* `print` (sandbox.h): upstream's lua_writestring and lua_writeline. */
void wc_print_write (const char *s, size_t l) {
  fwrite(s, sizeof(char), l, stdout);
}

void wc_print_line (void) {
  fwrite("\n", sizeof(char), 1, stdout);
  fflush(stdout);
}

/* lauxlib's lua_writestringerror (sandbox.h), as upstream defines it. */
void wc_output_error (const char *fmt, const char *arg) {
  fprintf(stderr, fmt, arg);
  fflush(stderr);
}

/* The sandbox's own messages to stderr (warnings, notices). */
void wc_error_write (const char *s, size_t l) {
  fwrite(s, sizeof(char), l, stderr);
  fflush(stderr);
}
