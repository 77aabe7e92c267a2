// Share links, two kinds: /s/<id> (the code and its input stored by the
// server, POST /api/share) and #code=<lz-string>&input=<lz-string> (both
// inside the link itself, for a page without a server; no input, no
// "&input="). Shared code and input are only ever put into the page as text.

import LZString from "lz-string";

/** A fragment longer than this goes through the server when it can. */
export const FRAGMENT_CHARS_MAX = 2000;
const HEALTH_TIMEOUT_MS = 1500;

export class ShareNotFound extends Error {}

/** The #code=… fragment (without "#") that carries `code` and `input`. */
export function fragmentFor({ code, input = "" }) {
  const fragment = "code=" + LZString.compressToEncodedURIComponent(code);
  return input === "" ? fragment : fragment + "&input=" + LZString.compressToEncodedURIComponent(input);
}

/** The {code, input} of a location.hash: both "" when it carries none, null
 *  when it carries some that cannot be read (a link cut short, say). */
export function shareFromFragment(hash) {
  // Not URLSearchParams: it would read the "+" of lz-string's alphabet as a space.
  const match = /^#?code=([A-Za-z0-9+\-$]*)(?:&input=([A-Za-z0-9+\-$]*))?$/.exec(hash);
  if (!match) return hash.startsWith("#code=") ? null : { code: "", input: "" };
  const code = unpack(match[1]);
  const input = unpack(match[2] ?? "");
  return code === null || input === null ? null : { code, input };
}

// lz-string gives "" (or null) for what it cannot read; only "" itself packs to "".
function unpack(packed) {
  if (packed === "") return "";
  return LZString.decompressFromEncodedURIComponent(packed) || null;
}

/** The share id of a page opened as <root>s/<id>, else null. */
export function shareIdFromPath(location, root) {
  const rootPath = new URL(root).pathname;
  if (!location.pathname.startsWith(rootPath + "s/")) return null;
  const id = decodeURIComponent(location.pathname.slice(rootPath.length + 2));
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : null;
}

/** The {code, input} of share `id` (GET /api/share/<id>); ShareNotFound for an unknown id. */
export async function loadShared(id, root) {
  const response = await fetch(new URL(`api/share/${encodeURIComponent(id)}`, root));
  if (response.status === 404) throw new ShareNotFound(`shared script not found: ${id}`);
  const body = await response.json().catch(() => null);
  if (!response.ok || typeof body?.code !== "string") {
    throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
  }
  return { code: body.code, input: typeof body.input === "string" ? body.input : "" };
}

/** Whether the playground's server answers (GET /api/health), within a moment. */
export async function serverReachable(root) {
  try {
    const response = await fetch(new URL("api/health", root), { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    const body = await response.json();
    return response.ok && body?.ok === true;
  } catch {
    return false;
  }
}

/**
 * A link to `code` and its `input`: a fragment link when they are small and
 * there is no server; else a server link, falling back to the fragment when
 * the server cannot store them. Resolves to {url, via: "server" | "fragment"}.
 */
export async function createShareLink({ code, input = "" }, root) {
  const fragment = fragmentFor({ code, input });
  const fragmentLink = { url: new URL("#" + fragment, root).href, via: "fragment" };
  if (fragment.length <= FRAGMENT_CHARS_MAX && !(await serverReachable(root))) return fragmentLink;
  try {
    const response = await fetch(new URL("api/share", root), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(input === "" ? { code } : { code, input }),
    });
    const body = await response.json();
    if (response.ok && typeof body?.url === "string") return { url: body.url, via: "server" };
  } catch {
    // No server, or not this one: the fragment still carries the code.
  }
  return fragmentLink;
}

/**
 * Puts `text` on the clipboard. Where the Clipboard API is refused (no focus,
 * no permission, not a secure context), selects it in `input` instead, so
 * Ctrl+C copies it. Resolves to true when it was copied.
 */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.value = text;
    input.focus();
    input.select();
    return false;
  }
}
