// Share links, two kinds: /s/<id> (the files and their input stored by the
// server, POST /api/share) and #code=<lz-string>&input=…&files=…&home=… (all
// inside the link itself, for a page without a server): code is main.lua,
// files the JSON of the other files ([{name, code}]), home the JSON of a
// _home snapshot; a part that is empty is left out. A share is
// {files, input, home}: files main.lua first, home null when not carried.
// Shared code and input are only ever put into the page as text.

import LZString from "lz-string";
import { MAIN_FILE, checkedFiles } from "./files.js";

/** A fragment longer than this goes through the server when it can. */
export const FRAGMENT_CHARS_MAX = 2000;
const HEALTH_TIMEOUT_MS = 1500;

export class ShareNotFound extends Error {}

const pack = (text) => LZString.compressToEncodedURIComponent(text);

/** The #code=… fragment (without "#") that carries a share. */
export function fragmentFor({ files, input = "", home = null }) {
  let fragment = "code=" + pack(files[0].code);
  if (input !== "") fragment += "&input=" + pack(input);
  if (files.length > 1) fragment += "&files=" + pack(JSON.stringify(files.slice(1)));
  if (home !== null) fragment += "&home=" + pack(JSON.stringify(home));
  return fragment;
}

/** The share a location.hash carries: null when it carries one that cannot be
 *  read (a link cut short, say), {files: [], …} when it carries none. */
export function shareFromFragment(hash) {
  // Not URLSearchParams: it would read the "+" of lz-string's alphabet as a space.
  const part = "([A-Za-z0-9+\\-$]*)";
  const match = new RegExp(`^#?code=${part}(?:&input=${part})?(?:&files=${part})?(?:&home=${part})?$`).exec(hash);
  if (!match) return hash.startsWith("#code=") ? null : { files: [], input: "", home: null };
  const [code, input, othersText, homeText] = match.slice(1).map((packed) => unpack(packed ?? ""));
  if ([code, input, othersText, homeText].includes(null)) return null;
  const others = othersText === "" ? [] : parseJson(othersText);
  const files = Array.isArray(others) ? checkedFiles([{ name: MAIN_FILE, code }, ...others]) : null;
  const home = homeText === "" ? null : parseJson(homeText);
  if (files === null || (homeText !== "" && home === null)) return null;
  return { files, input, home };
}

function parseJson(text) {
  try { return JSON.parse(text); } catch { return null; }
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

/** The share `id` (GET /api/share/<id>); ShareNotFound for an unknown id. */
export async function loadShared(id, root) {
  const response = await fetch(new URL(`api/share/${encodeURIComponent(id)}`, root));
  if (response.status === 404) throw new ShareNotFound(`shared script not found: ${id}`);
  const body = await response.json().catch(() => null);
  if (!response.ok || typeof body?.code !== "string") {
    throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
  }
  // A share from before files has code alone.
  const files = checkedFiles(body.files ?? [{ name: MAIN_FILE, code: body.code }]);
  if (files === null) throw new Error("the server sent files the page cannot read");
  return { files, input: typeof body.input === "string" ? body.input : "", home: body.home ?? null };
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
 * A link to a share ({files, input, home}): a fragment link when it is small
 * and there is no server; else a server link, falling back to the fragment
 * when the server cannot store it. Resolves to {url, via: "server" | "fragment"}.
 */
export async function createShareLink({ files, input = "", home = null }, root) {
  const fragment = fragmentFor({ files, input, home });
  const fragmentLink = { url: new URL("#" + fragment, root).href, via: "fragment" };
  if (fragment.length <= FRAGMENT_CHARS_MAX && !(await serverReachable(root))) return fragmentLink;
  try {
    const response = await fetch(new URL("api/share", root), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        code: files[0].code, ...(input === "" ? {} : { input }),
        ...(files.length > 1 ? { files } : {}), ...(home === null ? {} : { home }),
      }),
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
