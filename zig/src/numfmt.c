/*
** snprintf for every Lua C file (sandbox.h renames it): the one-conversion
** formats of Lua's numbers (tostring, string.format, %q) go to numfmt.zig,
** which prints a double and a long long as glibc does without wasi-libc's
** software long double, and a string or a character in a field (%-6s)
** without libc's stream machinery; anything else (%p, other text) to libc.
*/
#include <stdarg.h>
#include <stdio.h>

enum { FMT_LIBC = 0, FMT_INTEGER = 1, FMT_FLOAT = 2, FMT_STRING = 3, FMT_CHAR = 4 };

int wc_fmt_kind(const char *fmt);
int wc_fmt_integer(char *s, size_t n, const char *fmt, long long v);
int wc_fmt_float(char *s, size_t n, const char *fmt, double v);
int wc_fmt_string(char *s, size_t n, const char *fmt, const char *v);
int wc_fmt_char(char *s, size_t n, const char *fmt, int v);

int wc_snprintf (char *restrict s, size_t n, const char *restrict fmt, ...) {
  va_list ap;
  int len;
  va_start(ap, fmt);
  switch (wc_fmt_kind(fmt)) {
    case FMT_INTEGER: len = wc_fmt_integer(s, n, fmt, va_arg(ap, long long)); break;
    case FMT_FLOAT: len = wc_fmt_float(s, n, fmt, va_arg(ap, double)); break;
    case FMT_STRING: len = wc_fmt_string(s, n, fmt, va_arg(ap, const char *)); break;
    case FMT_CHAR: len = wc_fmt_char(s, n, fmt, va_arg(ap, int)); break;
    default: len = vsnprintf(s, n, fmt, ap); break;
  }
  va_end(ap);
  return len;
}
