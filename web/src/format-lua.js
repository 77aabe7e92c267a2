// Formatting Lua with StyLua (npm @johnnymorganz/stylua, its WebAssembly
// build), in this page: nothing is sent anywhere. Its module and its 3 MB of
// WebAssembly (dist/stylua.wasm, copied there by the build) are loaded at the
// first use, never with the page.

// The editor's own indentation (src/editor.js: two spaces) and Lua 5.4's syntax.
const INDENT_WIDTH = 2;

let loading = null;

function stylua() {
  loading ??= import("@johnnymorganz/stylua/web").then(async (module) => {
    await module.default({ module_or_path: new URL("stylua.wasm", import.meta.url) });
    return module;
  }).catch((e) => { loading = null; throw e; });
  return loading;
}

export class FormatError extends Error {}

/** `code` formatted; a FormatError saying why when StyLua cannot parse it. */
export async function formatLua(code) {
  const { Config, IndentType, LuaVersion, OutputVerification, formatCode } = await stylua();
  const config = Config.new();
  config.indent_type = IndentType.Spaces;
  config.indent_width = INDENT_WIDTH;
  config.syntax = LuaVersion.Lua54;
  try {
    return formatCode(code, config, undefined, OutputVerification.None);
  } catch (e) {
    throw new FormatError(String(e?.message ?? e));
  }
}
