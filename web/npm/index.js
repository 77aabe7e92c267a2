// The entry of the npm package `wasm-compute` (build.sh assembles it in
// build/npm/ from this folder and web/*.js). The host and the client are
// web/'s own modules; here only their default lua.wasm changes from the
// page's folder to the package's, written as `new URL(..., import.meta.url)`
// so that a bundler that follows such URLs (Vite, webpack, Parcel) ships the
// file, and one that does not (esbuild) finds it next to the bundle.

import {
  compileLua, createLua as createLuaHost, DEFAULT_LIMITS, HAS_JSPI, LuaHost, LuaMultiple, multiple,
} from "./lua-host.js";
import { ENGINES, LuaClient as PageClient } from "./lua-client.js";
import { HomeStore, SnapshotError } from "./home-store.js";
import { encodeText, requestJson, STATUS, unbase64 } from "./abi.js";

/** The URL of the package's lua.wasm. */
export const wasmUrl = new URL("./lua.wasm", import.meta.url).href;

/** createLua of lua-host.js, with the package's lua.wasm unless options.wasm says otherwise. */
export function createLua(options = {}) {
  return createLuaHost({ ...options, wasm: options.wasm ?? wasmUrl });
}

/** LuaClient of lua-client.js, with the package's lua.wasm unless options.wasm says otherwise. */
export class LuaClient extends PageClient {
  constructor(options = {}) {
    super({ ...options, wasm: options.wasm ?? wasmUrl });
  }
}

export {
  compileLua, DEFAULT_LIMITS, HAS_JSPI, LuaHost, LuaMultiple, multiple, ENGINES, HomeStore, SnapshotError,
  encodeText, requestJson, STATUS, unbase64,
};
