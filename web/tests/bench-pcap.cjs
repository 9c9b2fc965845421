// The wasm leg of `cargo xtask bench pcap`: runs the page's module (web/pkg, built by
// `cargo xtask web`) over a capture in node and prints one JSON line:
//   {"bytes": N, "seconds": S, "mb_per_s": R, "flows": F, "handshakes": H}
// Usage: node web/tests/bench-pcap.cjs PKG_DIR FILE
// The file is read whole before the clock starts (the page holds it in memory too); the
// time covers analysePcap and the conversion of its report to JavaScript values.

"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const [pkgDir, file] = process.argv.slice(2);
if (!pkgDir || !file) {
  console.error("usage: node bench-pcap.cjs PKG_DIR FILE");
  process.exit(2);
}

// The no-modules glue declares a global `wasm_bindgen`; run it in this context.
vm.runInThisContext(`${fs.readFileSync(path.join(pkgDir, "mxray_wasm.js"), "utf8")}\nglobalThis.wasm_bindgen = wasm_bindgen;`);
const api = globalThis.wasm_bindgen;
api.initSync({ module: fs.readFileSync(path.join(pkgDir, "mxray_wasm_bg.wasm")) });

const bytes = fs.readFileSync(file);
const started = process.hrtime.bigint();
const report = api.analysePcap(bytes, () => {});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({
  bytes: bytes.length,
  seconds,
  mb_per_s: bytes.length / 1e6 / seconds,
  flows: report.flows.length,
  handshakes: report.handshakes.length,
}));
