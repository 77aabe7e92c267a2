//! printf's number conversions for Lua (tostring, `..`, string.format, %q),
//! on `double` and `long long` as glibc prints them, for the one-conversion
//! formats Lua hands to snprintf (src/numfmt.c routes them here). wasi-libc's
//! printf widens every float to a software 128-bit `long double`, a quarter
//! of the time of a formatting-heavy script; this takes the exact decimal
//! expansion of the double once, with integers in base 10^9, and rounds it
//! half-to-even at the digit the conversion asks for, as glibc does. It
//! never starts from a shortest representation: rounding twice would differ.
//! A string or a character in a field (%-6s, %3c) is padded here too, which
//! spares it libc's stream machinery.

const std = @import("std");

/// One conversion: `%[-+ #0][width][.precision][ll]conv`.
pub const Spec = struct {
    minus: bool = false,
    plus: bool = false,
    space: bool = false,
    alt: bool = false,
    zero: bool = false,
    width: u32 = 0,
    precision: ?u32 = null,
    long_long: bool = false,
    conv: u8 = 0,
};

/// What the C front passes to va_arg for a format (src/numfmt.c).
pub const Kind = enum(c_int) { libc = 0, integer = 1, float = 2, string = 3, char = 4 };

/// Lua's own limits (lstrlib.c's checkformat: two digits each); a format
/// past them is not one of Lua's and goes to libc.
const digits_in_field_max = 2;

/// The longest result: %f of DBL_MAX with precision 99 is 1 + 309 + 1 + 99
/// bytes; a field is at most 99 wide.
const out_bytes_max = 512;

/// 2^53 * 5^1074, the largest integer the exact expansion of a double
/// needs, has 767 decimal digits.
const digits_max = 770;
const limb_base = 1_000_000_000;
const limbs_max = (digits_max + 8) / 9;

/// Reads a whole one-conversion format, or null for any other text.
pub fn parse(fmt: [*:0]const u8) ?Spec {
    var s: Spec = .{};
    if (fmt[0] != '%') return null;
    var i: usize = 1;
    while (true) : (i += 1) switch (fmt[i]) {
        '-' => s.minus = true,
        '+' => s.plus = true,
        ' ' => s.space = true,
        '#' => s.alt = true,
        '0' => s.zero = true,
        else => break,
    };
    s.width = field(fmt, &i) orelse return null;
    if (fmt[i] == '.') {
        i += 1;
        s.precision = field(fmt, &i) orelse return null;
    }
    s.long_long = fmt[i] == 'l' and fmt[i + 1] == 'l';
    if (s.long_long) i += 2;
    s.conv = fmt[i];
    if (fmt[i] == 0 or fmt[i + 1] != 0) return null;
    if (kind(s.conv, s.long_long) == .libc) return null;
    return s;
}

fn field(fmt: [*:0]const u8, i: *usize) ?u32 {
    var v: u32 = 0;
    var n: usize = 0;
    while (fmt[i.*] >= '0' and fmt[i.*] <= '9') : (i.* += 1) {
        n += 1;
        if (n > digits_in_field_max) return null;
        v = v * 10 + (fmt[i.*] - '0');
    }
    return v;
}

fn kind(conv: u8, long_long: bool) Kind {
    return switch (conv) {
        'd', 'i', 'u', 'o', 'x', 'X' => if (long_long) .integer else .libc,
        'e', 'E', 'f', 'F', 'g', 'G', 'a', 'A' => if (long_long) .libc else .float,
        's' => if (long_long) .libc else .string,
        'c' => if (long_long) .libc else .char,
        else => .libc,
    };
}

/// A result being built, never longer than `out_bytes_max`. Made as
/// `undefined` with `len` set: a default-initialised one is cleared first.
const Out = struct {
    buf: [out_bytes_max]u8,
    len: usize,

    inline fn put(o: *Out, c: u8) void {
        o.buf[o.len] = c;
        o.len += 1;
    }
    fn putSlice(o: *Out, s: []const u8) void {
        @memcpy(o.buf[o.len..][0..s.len], s);
        o.len += s.len;
    }
    fn putRepeat(o: *Out, c: u8, n: usize) void {
        @memset(o.buf[o.len..][0..n], c);
        o.len += n;
    }
    fn slice(o: *const Out) []const u8 {
        return o.buf[0..o.len];
    }
};

/// snprintf's buffer of `n` bytes: what does not fit is counted, not
/// written, and the text is always terminated.
const Sink = struct {
    s: [*]u8,
    n: usize,
    len: usize = 0,

    fn room(k: *const Sink, want: usize) usize {
        const free = if (k.n > k.len + 1) k.n - 1 - k.len else 0;
        return @min(free, want);
    }
    fn putSlice(k: *Sink, bytes: []const u8) void {
        const w = k.room(bytes.len);
        @memcpy(k.s[k.len..][0..w], bytes[0..w]);
        k.len += bytes.len;
    }
    fn putRepeat(k: *Sink, c: u8, n: usize) void {
        @memset(k.s[k.len..][0..k.room(n)], c);
        k.len += n;
    }
    /// Terminates the text and returns its whole length, as snprintf does.
    fn finish(k: *Sink) c_int {
        if (k.n > 0) k.s[@min(k.len, k.n - 1)] = 0;
        return @intCast(k.len);
    }
};

/// Pads `prefix` (sign, 0x) and `body` to the field's width into `out`: on
/// the right with '-', with zeros between them with '0' where allowed,
/// else on the left.
fn pad(out: *Sink, s: Spec, prefix: []const u8, body: []const u8, zeros_allowed: bool) void {
    const fill = if (s.width > prefix.len + body.len) s.width - prefix.len - body.len else 0;
    if (s.minus) {
        out.putSlice(prefix);
        out.putSlice(body);
        out.putRepeat(' ', fill);
    } else if (s.zero and zeros_allowed) {
        out.putSlice(prefix);
        out.putRepeat('0', fill);
        out.putSlice(body);
    } else {
        out.putRepeat(' ', fill);
        out.putSlice(prefix);
        out.putSlice(body);
    }
}

fn signOf(s: Spec, negative: bool) []const u8 {
    if (negative) return "-";
    if (s.plus) return "+";
    if (s.space) return " ";
    return "";
}

// ---------------------------------------------------------------- integers

/// %d %i (signed) and %u %o %x %X (the same 64 bits unsigned).
pub fn formatInteger(out: *Sink, s: Spec, v: i64) void {
    const signed = s.conv == 'd' or s.conv == 'i';
    const negative = signed and v < 0;
    const magnitude: u64 = if (negative) 0 -% @as(u64, @bitCast(v)) else @bitCast(v);
    const base: u64 = switch (s.conv) {
        'o' => 8,
        'x', 'X' => 16,
        else => 10,
    };
    const alphabet: []const u8 = if (s.conv == 'X') "0123456789ABCDEF" else "0123456789abcdef";
    var digits: [24]u8 = undefined;
    var n: usize = 0;
    var m = magnitude;
    if (base == 10) {
        while (m > std.math.maxInt(u32)) : (m /= 10) {
            n += 1;
            digits[digits.len - n] = '0' + @as(u8, @intCast(m % 10));
        }
        var small: u32 = @intCast(m);
        while (small != 0) : (small = div10(small)) {
            n += 1;
            digits[digits.len - n] = '0' + @as(u8, @intCast(small - 10 * div10(small)));
        }
    } else {
        const shift: u6 = if (base == 8) 3 else 4;
        while (m != 0) : (m >>= shift) {
            n += 1;
            digits[digits.len - n] = alphabet[@intCast(m & (base - 1))];
        }
    }
    var body: Out = undefined;
    body.len = 0;
    const precision = s.precision orelse 1;
    const leading_zeros = if (precision > n) precision - n else 0;
    // '#' with %o makes the first digit a zero.
    const octal_zero = s.alt and s.conv == 'o' and leading_zeros == 0 and (n == 0 or digits[digits.len - n] != '0');
    body.putRepeat('0', leading_zeros + @intFromBool(octal_zero));
    body.putSlice(digits[digits.len - n ..]);
    const prefix: []const u8 = if (s.alt and magnitude != 0 and s.conv == 'x')
        "0x"
    else if (s.alt and magnitude != 0 and s.conv == 'X')
        "0X"
    else if (signed)
        signOf(s, negative)
    else
        "";
    pad(out, s, prefix, body.slice(), s.precision == null);
}

test "integers take flags, width and precision as glibc's %lld family" {
    const cases = [_]struct { []const u8, i64, []const u8 }{
        .{ "%lld", 0, "0" },
        .{ "%lld", -9223372036854775807 - 1, "-9223372036854775808" },
        .{ "%05lld", -42, "-0042" },
        .{ "%-+6lld", 42, "+42   " },
        .{ "% lld", 7, " 7" },
        .{ "%.0lld", 0, "" },
        .{ "%5.3lld", -7, " -007" },
        .{ "%08.3lld", 7, "     007" },
        .{ "%llx", -1, "ffffffffffffffff" },
        .{ "%#llX", 255, "0XFF" },
        .{ "%#llx", 0, "0" },
        .{ "%#.0llo", 0, "0" },
        .{ "%#llo", 8, "010" },
        .{ "%#5.3llo", 8, "  010" },
        .{ "%llu", -1, "18446744073709551615" },
        .{ "%#010llx", 255, "0x000000ff" },
    };
    for (cases) |case| try expectFormat(case[0], .{ .integer = case[1] }, case[2]);
}

// ---------------------------------------------------------------- exact decimals

/// A non-negative value as 0.d1d2d3... * 10^point, the digits in ASCII
/// with no trailing zero; zero has no digits.
const Decimal = struct {
    digits: [digits_max]u8 = undefined,
    len: usize = 0,
    point: i32 = 0,

    inline fn at(d: *const Decimal, i: i64) u8 {
        return if (i >= 0 and i < d.len) d.digits[@intCast(i)] else '0';
    }

    fn trim(d: *Decimal) void {
        while (d.len > 0 and d.digits[d.len - 1] == '0') d.len -= 1;
    }

    /// Rounds to the first `keep` digits, half to even on an exact tie (the
    /// digits are exact, so a '5' with nothing after it is a tie).
    fn round(d: *Decimal, keep: i64) void {
        if (keep >= d.len) return;
        if (keep < 0) {
            d.len = 0;
            return;
        }
        const k: usize = @intCast(keep);
        const next = d.digits[k];
        const odd = k > 0 and (d.digits[k - 1] - '0') % 2 == 1;
        const up = next > '5' or (next == '5' and (k + 1 < d.len or odd));
        d.len = k;
        if (up) {
            var i = k;
            while (i > 0) {
                i -= 1;
                if (d.digits[i] != '9') {
                    d.digits[i] += 1;
                    d.len = i + 1;
                    return;
                }
            }
            d.digits[0] = '1';
            d.len = 1;
            d.point += 1;
        }
        d.trim();
    }
};

// lua.wasm builds this file for size, where LLVM keeps the division
// instruction, which every engine runs many times slower than a multiply:
// the divisions on the hot paths are multiplications.

/// x / 10 for every 32-bit x: 0xCCCCCCCD / 2^35 is close enough to 1/10.
inline fn div10(x: u32) u32 {
    return @intCast((@as(u64, x) * 0xCCCCCCCD) >> 35);
}

/// t / 10^9 and t % 10^9 for t < 2^62: a double's estimate of the quotient
/// is off by less than one, so one correction either way makes it exact.
inline fn divLimb(t: u64) struct { q: u64, r: u32 } {
    var q: u64 = @intFromFloat(@as(f64, @floatFromInt(t)) * 1e-9);
    var r: i64 = @as(i64, @intCast(t)) - @as(i64, @intCast(q * limb_base));
    if (r < 0) {
        q -= 1;
        r += limb_base;
    } else if (r >= limb_base) {
        q += 1;
        r -= limb_base;
    }
    return .{ .q = q, .r = @intCast(r) };
}

test "the divisions without a division instruction are exact" {
    var x: u32 = 0;
    while (x < 5_000_000) : (x += 1) try std.testing.expectEqual(x / 10, div10(x));
    for ([_]u32{ std.math.maxInt(u32), std.math.maxInt(u32) - 1, 4294967290, 4294967289 }) |y|
        try std.testing.expectEqual(y / 10, div10(y));
    var prng = std.Random.DefaultPrng.init(1);
    const random = prng.random();
    for (0..1_000_000) |_| {
        const y = random.int(u32);
        try std.testing.expectEqual(y / 10, div10(y));
        const t = random.int(u64) >> @intCast(random.uintLessThan(u32, 64) | 2);
        const qr = divLimb(t);
        try std.testing.expectEqual(t / limb_base, qr.q);
        try std.testing.expectEqual(t % limb_base, qr.r);
    }
    for ([_]u64{ 0, 999_999_999, 1_000_000_000, (1 << 62) - 1, 1_000_000_000 * 4_611_686_017 }) |t| {
        const qr = divLimb(t);
        try std.testing.expectEqual(t / limb_base, qr.q);
        try std.testing.expectEqual(t % limb_base, qr.r);
    }
}

/// A natural number in base 10^9, least significant limb first.
const Big = struct {
    limbs: [limbs_max]u32 = undefined,
    len: usize = 0,

    /// Sets `b` to v < 2^53 (in place: the limbs are not copied or cleared).
    fn set(b: *Big, v: u64) void {
        b.len = 0;
        b.append(v);
    }

    /// Puts v's limbs above the top one.
    fn append(b: *Big, v: u64) void {
        var m = v;
        while (m != 0) {
            const qr = divLimb(m);
            b.limbs[b.len] = qr.r;
            b.len += 1;
            m = qr.q;
        }
    }

    /// factor ≤ 5^13, so that a limb's product and carry stay below 2^61.
    fn mul(b: *Big, factor: u32) void {
        var carry: u64 = 0;
        for (b.limbs[0..b.len]) |*limb| {
            const qr = divLimb(@as(u64, limb.*) * factor + carry);
            limb.* = qr.r;
            carry = qr.q;
        }
        b.append(carry);
    }

    /// Multiplies by 2^n (n ≤ 971) in steps of 2^29, the largest power of
    /// two whose product with a limb stays within 64 bits.
    fn shiftLeft(b: *Big, n: u32) void {
        var left = n;
        while (left >= 29) : (left -= 29) b.mul(1 << 29);
        if (left > 0) b.mul(@as(u32, 1) << @intCast(left));
    }

    /// Multiplies by 5^n (n ≤ 1074) in steps of 5^13, likewise.
    fn mulPow5(b: *Big, n: u32) void {
        var left = n;
        while (left >= 13) : (left -= 13) b.mul(1220703125);
        var f: u32 = 1;
        while (left > 0) : (left -= 1) f *= 5;
        b.mul(f);
    }

    /// Writes the first `wanted` digits or a few more (whole limbs), then
    /// one nonzero digit if any of the rest is not zero: rounding at any
    /// digit before `wanted` sees what it would see in all of them.
    fn writeDigits(b: *const Big, d: *Decimal, wanted: i64) void {
        var top = b.limbs[b.len - 1];
        var head: [9]u8 = undefined;
        var n: usize = 0;
        while (top != 0) : (top = div10(top)) {
            n += 1;
            head[9 - n] = '0' + @as(u8, @intCast(top - 10 * div10(top)));
        }
        @memcpy(d.digits[0..n], head[9 - n ..]);
        d.len = n;
        var i = b.len - 1;
        while (i > 0 and d.len < wanted) {
            i -= 1;
            var limb = b.limbs[i];
            var j: usize = 9;
            while (j > 0) : (limb = div10(limb)) {
                j -= 1;
                d.digits[d.len + j] = '0' + @as(u8, @intCast(limb - 10 * div10(limb)));
            }
            d.len += 9;
        }
        while (i > 0) {
            i -= 1;
            if (b.limbs[i] != 0) {
                d.digits[d.len] = '1';
                d.len += 1;
                break;
            }
        }
    }
};

/// Which digits a conversion keeps: so many significant ones (%e, %g), or
/// so many after the decimal point (%f).
const Keep = union(enum) { significant: u32, fraction: u32 };

/// The decimal expansion of a finite, non-negative double, exact as far as
/// rounding to `keep` can tell (Big.writeDigits), written into `d` in place
/// (neither it nor the big integer is copied or cleared).
fn exact(d: *Decimal, x: f64, keep: Keep) void {
    d.len = 0;
    d.point = 0;
    const bits: u64 = @bitCast(x);
    const biased: i32 = @intCast((bits >> 52) & 0x7ff);
    var m: u64 = bits & ((@as(u64, 1) << 52) - 1);
    var e: i32 = -1074;
    if (biased != 0) {
        m |= @as(u64, 1) << 52;
        e = biased - 1075;
    }
    if (m == 0) return;
    const tz = @ctz(m);
    m >>= @intCast(tz);
    e += tz;
    var big: Big = undefined;
    big.set(m);
    // x = m * 2^e; with e < 0 it is m * 5^-e / 10^-e.
    if (e > 0) big.shiftLeft(@intCast(e)) else if (e < 0) big.mulPow5(@intCast(-e));
    // The number of digits, and so the point, is known before they are written.
    const top_digits: i64 = std.math.log10_int(big.limbs[big.len - 1]) + 1;
    const total: i64 = top_digits + 9 * @as(i64, @intCast(big.len - 1));
    d.point = @intCast(total + @min(e, 0));
    const wanted = switch (keep) {
        .significant => |p| @as(i64, p) + 1,
        .fraction => |p| @as(i64, d.point) + p + 1,
    };
    big.writeDigits(d, wanted);
    d.trim();
}

test "the expansion is exact down to the smallest subnormal" {
    var tiny: Decimal = undefined;
    exact(&tiny, std.math.floatTrueMin(f64), .{ .significant = digits_max });
    try std.testing.expectEqual(@as(i32, -323), tiny.point);
    try std.testing.expectEqual(@as(usize, 751), tiny.len);
    try std.testing.expectEqualStrings("494065645841246544176568792868", tiny.digits[0..30]);
    var big: Decimal = undefined;
    exact(&big, std.math.floatMax(f64), .{ .significant = digits_max });
    try std.testing.expectEqual(@as(i32, 309), big.point);
    try std.testing.expectEqualStrings("17976931348623157", big.digits[0..17]);
    var tenth: Decimal = undefined;
    exact(&tenth, 0.1, .{ .significant = digits_max });
    try std.testing.expectEqualStrings("1000000000000000055511151231257827021181583404541015625", tenth.digits[0..tenth.len]);
    try std.testing.expectEqual(@as(i32, 0), tenth.point);
}

// ---------------------------------------------------------------- floats

/// %e %f %g %a and their capitals.
pub fn formatFloat(out: *Sink, s: Spec, x: f64) void {
    const bits: u64 = @bitCast(x);
    const negative = bits >> 63 != 0;
    const upper = s.conv == 'E' or s.conv == 'F' or s.conv == 'G' or s.conv == 'A';
    const sign = signOf(s, negative);
    if (std.math.isNan(x) or std.math.isInf(x)) {
        const word: []const u8 = if (std.math.isNan(x)) (if (upper) "NAN" else "nan") else if (upper) "INF" else "inf";
        return pad(out, s, sign, word, false);
    }
    var body: Out = undefined;
    body.len = 0;
    if (s.conv == 'a' or s.conv == 'A') {
        hex(&body, s, bits, upper);
        var prefix: [3]u8 = undefined;
        @memcpy(prefix[0..sign.len], sign);
        @memcpy(prefix[sign.len..][0..2], if (upper) "0X" else "0x");
        return pad(out, s, prefix[0 .. sign.len + 2], body.slice(), true);
    }
    switch (s.conv) {
        'e', 'E' => {
            const p = s.precision orelse 6;
            var d: Decimal = undefined;
            exact(&d, @abs(x), .{ .significant = p + 1 });
            d.round(@as(i64, p) + 1);
            scientific(&body, &d, p, s.alt, upper);
        },
        'f', 'F' => {
            const p = s.precision orelse 6;
            var d: Decimal = undefined;
            exact(&d, @abs(x), .{ .fraction = p });
            d.round(@as(i64, d.point) + p);
            fixed(&body, &d, p, s.alt);
        },
        else => {
            const p: u32 = @max(s.precision orelse 6, 1);
            var d: Decimal = undefined;
            exact(&d, @abs(x), .{ .significant = p });
            const x10_unrounded: i64 = if (d.len == 0) 0 else d.point - 1;
            d.round(p);
            const x10: i64 = if (d.len == 0) 0 else d.point - 1;
            // glibc counts the digits after the point before rounding: a
            // value of p integer digits that rounds up to the next power of
            // ten prints with none, '#' or not (%#g of 999999.5 is 1.e+06).
            if (s.alt and x10_unrounded == p - 1 and x10 == p) {
                scientific(&body, &d, 0, true, upper);
                return pad(out, s, sign, body.slice(), true);
            }
            // Without '#', %g drops the zeros that end the fraction: the
            // digits are rounded already, so past `len` they are all zeros.
            if (x10 >= -4 and x10 < p) {
                const wanted: u32 = @intCast(p - 1 - x10);
                const needed: i64 = @max(@as(i64, @intCast(d.len)) - d.point, 0);
                fixed(&body, &d, if (s.alt) wanted else @intCast(@min(wanted, needed)), s.alt);
            } else {
                const needed: u32 = @intCast(@max(d.len, 1) - 1);
                scientific(&body, &d, if (s.alt) p - 1 else @min(p - 1, needed), s.alt, upper);
            }
        },
    }
    pad(out, s, sign, body.slice(), true);
}

/// d.ddde±XX from rounded digits.
fn scientific(o: *Out, d: *const Decimal, p: u32, alt: bool, upper: bool) void {
    o.put(d.at(0));
    if (p > 0 or alt) o.put('.');
    var i: i64 = 1;
    while (i <= p) : (i += 1) o.put(d.at(i));
    o.put(if (upper) 'E' else 'e');
    const x10: i64 = if (d.len == 0) 0 else d.point - 1;
    o.put(if (x10 < 0) '-' else '+');
    const a: u64 = @abs(x10);
    if (a >= 100) o.put('0' + @as(u8, @intCast(a / 100)));
    o.put('0' + @as(u8, @intCast(a / 10 % 10)));
    o.put('0' + @as(u8, @intCast(a % 10)));
}

/// ddd.ddd from rounded digits.
fn fixed(o: *Out, d: *const Decimal, p: u32, alt: bool) void {
    if (d.len == 0 or d.point <= 0) {
        o.put('0');
    } else {
        var i: i64 = 0;
        while (i < d.point) : (i += 1) o.put(d.at(i));
    }
    if (p > 0 or alt) o.put('.');
    var j: i64 = 0;
    while (j < p) : (j += 1) o.put(d.at(d.point + j));
}

/// glibc's %a of a double: the leading digit is 1 (0 for a subnormal, whose
/// exponent is -1022), then the 52 fraction bits as 13 hex digits, without
/// their trailing zeros unless a precision says how many; rounding up may
/// make the leading digit 2.
fn hex(o: *Out, s: Spec, bits: u64, upper: bool) void {
    const alphabet: []const u8 = if (upper) "0123456789ABCDEF" else "0123456789abcdef";
    const biased: i32 = @intCast((bits >> 52) & 0x7ff);
    var frac: u64 = bits & ((@as(u64, 1) << 52) - 1);
    var lead: u64 = if (biased == 0) 0 else 1;
    const e2: i32 = if (biased == 0) (if (frac == 0) 0 else -1022) else biased - 1023;
    var n: u32 = 13;
    if (s.precision) |p| {
        if (p < 13) {
            const drop: u6 = @intCast(4 * (13 - p));
            const rest = frac & ((@as(u64, 1) << drop) - 1);
            const half = @as(u64, 1) << (drop - 1);
            frac >>= drop;
            const odd = (if (p == 0) lead else frac) & 1 == 1;
            if (rest > half or (rest == half and odd)) {
                frac += 1;
                if (frac >> @intCast(4 * p) != 0) {
                    frac = 0;
                    lead += 1;
                }
            }
        }
        n = @min(p, 13);
    } else {
        while (n > 0 and frac & 0xf == 0) : (n -= 1) frac >>= 4;
    }
    o.put(alphabet[@intCast(lead)]);
    const shown = s.precision orelse n;
    if (shown > 0 or s.alt) o.put('.');
    var i: u32 = n;
    while (i > 0) {
        i -= 1;
        o.put(alphabet[@intCast((frac >> @intCast(4 * i)) & 0xf)]);
    }
    o.putRepeat('0', shown - n);
    o.put(if (upper) 'P' else 'p');
    o.put(if (e2 < 0) '-' else '+');
    var digits: [4]u8 = undefined;
    var k: usize = 0;
    var a: u32 = @abs(e2);
    while (true) {
        k += 1;
        digits[4 - k] = '0' + @as(u8, @intCast(a % 10));
        a /= 10;
        if (a == 0) break;
    }
    o.putSlice(digits[4 - k ..]);
}

test "%.14g as tostring prints it" {
    const cases = [_]struct { f64, []const u8 }{
        .{ 0.1, "0.1" },
        .{ 1.0 / 3.0, "0.33333333333333" },
        .{ 2.0 / 3.0, "0.66666666666667" },
        .{ 1e15, "1e+15" },
        .{ 123456789012345.0, "1.2345678901234e+14" },
        .{ 99999999999999.5, "1e+14" },
        .{ 1e-5, "1e-05" },
        .{ 0.0001, "0.0001" },
        .{ -0.0, "-0" },
        .{ 0.0, "0" },
        .{ std.math.floatTrueMin(f64), "4.9406564584125e-324" },
        .{ std.math.floatMax(f64), "1.7976931348623e+308" },
        .{ 9223372036854775808.0, "9.2233720368548e+18" },
        .{ std.math.inf(f64), "inf" },
        .{ -std.math.inf(f64), "-inf" },
        .{ -std.math.nan(f64), "-nan" },
    };
    for (cases) |case| try expectFormat("%.14g", .{ .float = case[0] }, case[1]);
}

test "exact ties round half to even, anything above a tie rounds up" {
    const cases = [_]struct { []const u8, f64, []const u8 }{
        .{ "%.0f", 0.5, "0" },
        .{ "%.0f", 1.5, "2" },
        .{ "%.0f", 2.5, "2" },
        .{ "%.1f", 0.25, "0.2" },
        .{ "%.1f", 0.35, "0.3" }, // 0.34999999999999997779...
        .{ "%.2f", 1.005, "1.00" }, // 1.00499999999999989...
        .{ "%.0e", 25.0, "2e+01" },
        .{ "%.0e", 35.0, "4e+01" },
        .{ "%.3g", 0.0625, "0.0625" },
        .{ "%.2g", 0.0625, "0.062" },
        .{ "%.0f", 0.50000000000000011, "1" },
        .{ "%.2f", 0.001, "0.00" },
        .{ "%.2f", 0.005, "0.01" }, // 0.005000000000000000104...
        .{ "%.2f", 0.995, "0.99" }, // 0.99499999999999999556...
        .{ "%.1f", 9.96, "10.0" },
    };
    for (cases) |case| try expectFormat(case[0], .{ .float = case[1] }, case[2]);
}

test "flags, width, precision and the %g switch" {
    const cases = [_]struct { []const u8, f64, []const u8 }{
        .{ "%5.1f", 3.14159, "  3.1" },
        .{ "%-+11.3e", 12345.678, "+1.235e+04 " },
        .{ "%#g", 1.0, "1.00000" },
        .{ "%#.0f", 1.0, "1." },
        .{ "%#.0e", 1.0, "1.e+00" },
        .{ "%010.2f", -2.5, "-000002.50" },
        .{ "%010f", -std.math.inf(f64), "      -inf" },
        .{ "% g", 1e-5, " 1e-05" },
        .{ "%G", 1e20, "1E+20" },
        .{ "%E", std.math.nan(f64), "NAN" },
        .{ "%g", 100000.0, "100000" },
        .{ "%g", 1000000.0, "1e+06" },
        .{ "%g", 0.0001, "0.0001" },
        .{ "%g", 0.00001234, "1.234e-05" },
        .{ "%.0g", 0.0, "0" },
        .{ "%#.3g", 0.0, "0.00" },
        .{ "%#g", 999999.5, "1.e+06" },
        .{ "%#.3g", 999.6, "1.e+03" },
        .{ "%#.3g", 9.996, "10.0" },
        .{ "%#.2g", 996.0, "1.0e+03" },
        .{ "%e", 0.0, "0.000000e+00" },
        .{ "%.3e", 1e300, "1.000e+300" },
        .{ "%g", 1e-300, "1e-300" },
        .{ "%.20f", 0.1, "0.10000000000000000555" },
        .{ "%.0f", 1e22, "10000000000000000000000" },
        .{ "%.0f", 1e23, "99999999999999991611392" },
    };
    for (cases) |case| try expectFormat(case[0], .{ .float = case[1] }, case[2]);
}

test "Lua's largest precision and widest %f" {
    var buf: [out_bytes_max]u8 = undefined;
    const e = buf[0..@intCast(wc_fmt_float(&buf, buf.len, "%.99e", 1.0))];
    try std.testing.expectEqual(@as(usize, 105), e.len);
    try std.testing.expectEqualStrings("1.00", e[0..4]);
    try std.testing.expectEqualStrings("00e+00", e[99..]);
    const f = buf[0..@intCast(wc_fmt_float(&buf, buf.len, "%99.99f", 1e308))];
    try std.testing.expectEqual(@as(usize, 409), f.len);
    try std.testing.expectEqualStrings("100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336.000", f[0..313]);
}

test "%a as glibc prints a double" {
    const cases = [_]struct { []const u8, f64, []const u8 }{
        .{ "%a", 1.0, "0x1p+0" },
        .{ "%a", 0.1, "0x1.999999999999ap-4" },
        .{ "%a", 0.0, "0x0p+0" },
        .{ "%a", -0.0, "-0x0p+0" },
        .{ "%a", std.math.floatTrueMin(f64), "0x0.0000000000001p-1022" },
        .{ "%A", std.math.floatMax(f64), "0X1.FFFFFFFFFFFFFP+1023" },
        .{ "%.0a", 1.5, "0x2p+0" },
        .{ "%.0a", 2.5, "0x1p+1" },
        .{ "%.3a", 1.0 / 3.0, "0x1.555p-2" },
        .{ "%.15a", 1.0, "0x1.000000000000000p+0" },
        .{ "%#a", 1.0, "0x1.p+0" },
        .{ "%+012a", 1.0, "+0x000001p+0" },
        .{ "%-10a", 2.0, "0x1p+1    " },
    };
    for (cases) |case| try expectFormat(case[0], .{ .float = case[1] }, case[2]);
}

// ---------------------------------------------------------------- C

/// What the C front passes to va_arg for `fmt`, and so which of the
/// functions below it calls (they parse it again: it is a few bytes).
export fn wc_fmt_kind(fmt: [*:0]const u8) c_int {
    const spec = parse(fmt) orelse return @intFromEnum(Kind.libc);
    return @intFromEnum(kind(spec.conv, spec.long_long));
}

export fn wc_fmt_integer(s: [*]u8, n: usize, fmt: [*:0]const u8, v: i64) c_int {
    var sink: Sink = .{ .s = s, .n = n };
    formatInteger(&sink, parse(fmt).?, v);
    return sink.finish();
}

export fn wc_fmt_float(s: [*]u8, n: usize, fmt: [*:0]const u8, v: f64) c_int {
    var sink: Sink = .{ .s = s, .n = n };
    formatFloat(&sink, parse(fmt).?, v);
    return sink.finish();
}

export fn wc_fmt_string(s: [*]u8, n: usize, fmt: [*:0]const u8, str: [*:0]const u8) c_int {
    const spec = parse(fmt).?;
    const limit = spec.precision orelse std.math.maxInt(u32);
    var len: usize = 0;
    while (len < limit and str[len] != 0) len += 1;
    var sink: Sink = .{ .s = s, .n = n };
    pad(&sink, spec, "", str[0..len], false);
    return sink.finish();
}

export fn wc_fmt_char(s: [*]u8, n: usize, fmt: [*:0]const u8, c: c_int) c_int {
    const byte = [1]u8{@truncate(@as(c_uint, @bitCast(c)))};
    var sink: Sink = .{ .s = s, .n = n };
    pad(&sink, parse(fmt).?, "", &byte, false);
    return sink.finish();
}

const TestValue = union(enum) { integer: i64, float: f64 };

fn expectFormat(fmt: []const u8, v: TestValue, expected: []const u8) !void {
    var z: [32:0]u8 = undefined;
    @memcpy(z[0..fmt.len], fmt);
    z[fmt.len] = 0;
    var buf: [out_bytes_max]u8 = undefined;
    const len = switch (v) {
        .integer => |i| wc_fmt_integer(&buf, buf.len, &z, i),
        .float => |f| wc_fmt_float(&buf, buf.len, &z, f),
    };
    try std.testing.expectEqualStrings(expected, buf[0..@intCast(len)]);
}

test "strings and characters in a field" {
    var buf: [16]u8 = undefined;
    try std.testing.expectEqualStrings("k     ", buf[0..@intCast(wc_fmt_string(&buf, buf.len, "%-6s", "k"))]);
    try std.testing.expectEqualStrings("   ab", buf[0..@intCast(wc_fmt_string(&buf, buf.len, "%5.2s", "abc"))]);
    try std.testing.expectEqualStrings("\x00  ", buf[0..@intCast(wc_fmt_char(&buf, buf.len, "%-3c", 0))]);
    try std.testing.expectEqualStrings("  x", buf[0..@intCast(wc_fmt_char(&buf, buf.len, "%3c", 'x'))]);
}

test "snprintf's contract: cut to the buffer, terminated, whole length returned" {
    var buf: [4]u8 = undefined;
    try std.testing.expectEqual(@as(c_int, 6), wc_fmt_float(&buf, buf.len, "%.4f", 1.0));
    try std.testing.expectEqualStrings("1.0\x00", &buf);
    try std.testing.expectEqual(Kind.libc, @as(Kind, @enumFromInt(wc_fmt_kind("%d"))));
    try std.testing.expectEqual(Kind.libc, @as(Kind, @enumFromInt(wc_fmt_kind("0x%llx"))));
    try std.testing.expectEqual(Kind.libc, @as(Kind, @enumFromInt(wc_fmt_kind("%100.2f"))));
    try std.testing.expectEqual(Kind.libc, @as(Kind, @enumFromInt(wc_fmt_kind("%p"))));
    try std.testing.expectEqual(Kind.string, @as(Kind, @enumFromInt(wc_fmt_kind("%-6s"))));
    try std.testing.expectEqual(Kind.integer, @as(Kind, @enumFromInt(wc_fmt_kind("%-05lld"))));
    try std.testing.expectEqual(Kind.float, @as(Kind, @enumFromInt(wc_fmt_kind("%.14g"))));
}
