// Share links, two kinds: /s/<id> (the code stored by the server, POST
// /api/share) and #code=<lz-string> (the code inside the link itself, for a
// page without a server). Shared code is only ever put into the editor as text.

import LZString from "lz-string";

/** A fragment longer than this goes through the server when it can. */
export const FRAGMENT_CHARS_MAX = 2000;
const HEALTH_TIMEOUT_MS = 1500;

export class ShareNotFound extends Error {}

/** The #code=… fragment (without "#") that carries `code`. */
export function fragmentFor(code) {
  return "code=" + LZString.compressToEncodedURIComponent(code);
}

/** The code in a location.hash, "" when it has none, null when it has one that cannot be read. */
export function codeFromFragment(hash) {
  // Not URLSearchParams: it would read the "+" of lz-string's alphabet as a space.
  const match = /^#?code=([A-Za-z0-9+\-$]*)$/.exec(hash);
  if (!match) return hash.startsWith("#code=") ? null : "";
  if (match[1] === "") return "";
  return LZString.decompressFromEncodedURIComponent(match[1]) || null;
}

/** The share id of a page opened as <root>s/<id>, else null. */
export function shareIdFromPath(location, root) {
  const rootPath = new URL(root).pathname;
  if (!location.pathname.startsWith(rootPath + "s/")) return null;
  const id = decodeURIComponent(location.pathname.slice(rootPath.length + 2));
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : null;
}

/** The code of share `id` (GET /api/share/<id>); ShareNotFound for an unknown id. */
export async function loadShared(id, root) {
  const response = await fetch(new URL(`api/share/${encodeURIComponent(id)}`, root));
  if (response.status === 404) throw new ShareNotFound(`shared script not found: ${id}`);
  const body = await response.json().catch(() => null);
  if (!response.ok || typeof body?.code !== "string") {
    throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
  }
  return body.code;
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
 * A link to `code`: a fragment link when the code is small and there is no
 * server; else a server link, falling back to the fragment when the server
 * cannot store it. Resolves to {url, via: "server" | "fragment"}.
 */
export async function createShareLink(code, root) {
  const fragment = fragmentFor(code);
  const fragmentLink = { url: new URL("#" + fragment, root).href, via: "fragment" };
  if (fragment.length <= FRAGMENT_CHARS_MAX && !(await serverReachable(root))) return fragmentLink;
  try {
    const response = await fetch(new URL("api/share", root), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
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
