// The analysis worker of the mxray page.
//
// This file defines one function, mxrayWorkerMain, and runs nothing itself. The page loads
// it with <script src> and builds the worker from a Blob: the wasm-bindgen glue
// (pkg/mxray_embed.js, MXRAY_GLUE, which declares the global `wasm_bindgen`) followed by
// the source of this function and a call to it. A Blob worker is the one kind Chromium
// starts from a file:// page, and it needs no fetch (the CSP forbids every connection).
// The page then posts the module's bytes; every analysis runs here, so the page stays
// responsive whatever the input.
//
// Messages in:  {type: "init", wasm: ArrayBuffer}
//               {type: "pem", id, text, host, nowUnix}
//               {type: "headers", id, text}
//               {type: "pcap", id, file: File, maxBytes, maxRows}
// Messages out: {type: "ready"} | {type: "fatal", message}
//               {type: "progress", id, phase: "reading"|"analysing", done, total}
//               {type: "result", id, kind, report} | {type: "error", id, message}

/* exported mxrayWorkerMain */
function mxrayWorkerMain() {
  "use strict";

  // Progress messages at most this often (ms): enough for a smooth bar, cheap for the page.
  const PROGRESS_INTERVAL_MS = 50;
  // Files are read in slices of this size, so reading reports progress too.
  const READ_SLICE = 4 * 1024 * 1024;

  let api = null;

  function messageOf(err) {
    if (err && typeof err.message === "string" && err.message !== "") return err.message;
    return String(err);
  }

  function throttled(id, phase) {
    let last = 0;
    return (done, total) => {
      const now = Date.now();
      if (now - last >= PROGRESS_INTERVAL_MS || done >= total) {
        last = now;
        self.postMessage({ type: "progress", id, phase, done: Number(done), total: Number(total) });
      }
    };
  }

  // Reads a File into one Uint8Array in slices, reporting progress. The size was checked
  // before this is called.
  function readFile(file, progress) {
    const reader = new FileReaderSync();
    const out = new Uint8Array(file.size);
    for (let at = 0; at < file.size; at += READ_SLICE) {
      const end = Math.min(file.size, at + READ_SLICE);
      out.set(new Uint8Array(reader.readAsArrayBuffer(file.slice(at, end))), at);
      progress(end, file.size);
    }
    return out;
  }

  // The page shows at most `maxRows` rows of a table. Cutting the report here, in the
  // worker, keeps what crosses to the page (and its structured-clone cost on the page's
  // thread) bounded whatever the capture; the totals stay. Each kept handshake carries its
  // connection, which may be past the cut.
  function forDisplay(kind, report, maxRows) {
    if (kind !== "pcap" || !report) return report;
    // The page shows a connection's banner, not its whole plaintext dialogue.
    const slim = (f) => (f ? { ...f, dialogue: f.dialogue ? { banner: f.dialogue.banner } : null } : f);
    const flows = (report.flows || []).slice(0, maxRows).map(slim);
    const all = report.flows || [];
    const handshakes = report.handshakes || [];
    return {
      ...report,
      flows_total: all.length,
      handshakes_total: handshakes.length,
      flows,
      handshakes: handshakes.slice(0, maxRows).map((h) => ({ ...h, flow_info: slim(all[h.flow]) })),
    };
  }

  function analyse(msg) {
    switch (msg.type) {
      case "pem":
        return api.analysePem(msg.text, msg.host, msg.nowUnix);
      case "headers":
        if (typeof api.analyseHeaders !== "function") {
          throw new Error("this build of the page has no header analysis yet");
        }
        return api.analyseHeaders(msg.text);
      case "pcap": {
        if (typeof api.analysePcap !== "function") {
          throw new Error("this build of the page has no pcap analysis yet");
        }
        const file = msg.file;
        if (file.size > msg.maxBytes) {
          throw new Error(`the file is ${file.size} bytes, over the limit of ${msg.maxBytes}`);
        }
        const bytes = readFile(file, throttled(msg.id, "reading"));
        return api.analysePcap(bytes, throttled(msg.id, "analysing"));
      }
      default:
        throw new Error(`unknown request ${msg.type}`);
    }
  }

  self.onmessage = async (event) => {
    const msg = event.data;
    if (msg.type === "init") {
      try {
        // `wasm_bindgen` is declared by the glue that precedes this function in the Blob.
        // eslint-disable-next-line no-undef
        await wasm_bindgen({ module_or_path: msg.wasm });
        // eslint-disable-next-line no-undef
        api = wasm_bindgen;
        self.postMessage({ type: "ready", exports: Object.keys(api).filter((k) => typeof api[k] === "function") });
      } catch (err) {
        self.postMessage({ type: "fatal", message: messageOf(err) });
      }
      return;
    }
    if (api === null) {
      self.postMessage({ type: "error", id: msg.id, message: "the analyser is not loaded" });
      return;
    }
    try {
      const report = forDisplay(msg.type, analyse(msg), msg.maxRows);
      self.postMessage({ type: "result", id: msg.id, kind: msg.type, report });
    } catch (err) {
      // A trap (a bug in the core) or running out of memory leaves the module unusable:
      // the page replaces this worker.
      const broken = err instanceof WebAssembly.RuntimeError || err instanceof RangeError;
      self.postMessage({ type: "error", id: msg.id, message: messageOf(err), broken });
    }
  };
}
