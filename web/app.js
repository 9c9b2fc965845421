// The mxray page: inputs, the analysis worker, and the report views.
//
// Every value from a report or an input is put in the page with textContent (through el()),
// never as HTML. Inputs are checked against their caps before anything is read or sent.
// All analysis runs in the worker (worker.js), one job at a time; a new job or Cancel
// replaces a busy worker, so a slow or stuck analysis never freezes the page.

(() => {
  "use strict";

  // Caps checked before reading or sending anything. The core caps again.
  const LIMITS = {
    headers: 1024 * 1024, // characters of pasted header text
    pem: 4 * 1024 * 1024, // characters of PEM (the core's x509::MAX_INPUT_SIZE)
    pcap: 100 * 1024 * 1024, // bytes of a capture file
  };
  // At most this many rows of one table are put in the page (the rest is counted).
  const MAX_ROWS = 500;

  const $ = (id) => document.getElementById(id);

  // el("p", {class: "x"}, "text", child, …): an element with attributes and text or
  // element children. Text goes in as text nodes; null/undefined children are skipped.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const fmtBytes = (n) => {
    if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
    if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${n} bytes`;
  };
  const fmtTime = (unix) => {
    if (typeof unix !== "number" || !Number.isFinite(unix)) return "?";
    const d = new Date(unix * 1000);
    return Number.isNaN(d.getTime()) ? String(unix) : d.toISOString().replace(".000Z", "Z").replace("T", " ");
  };
  const colonHex = (hex) => (typeof hex === "string" ? (hex.toUpperCase().match(/.{1,2}/g) || []).join(":") : "");

  // Severity and grade badges: the word is always there, the colour only helps.
  const SEVERITY_CLASS = { critical: "bad", high: "bad", medium: "warn", low: "info", info: "none" };
  function severityBadge(severity) {
    return el("span", { class: `badge ${SEVERITY_CLASS[severity] || "none"}` }, severity || "?");
  }
  function gradeBadge(grade) {
    if (grade === undefined || grade === null || grade === "") return el("span", { class: "badge none" }, "n/a");
    const letter = String(grade);
    const cls = /^A/.test(letter) ? "good" : /^B/.test(letter) ? "warn" : /^[C-F]|^T|^M/.test(letter) ? "bad" : "none";
    return el("span", { class: `badge ${cls}`, title: `grade ${letter}` }, letter);
  }
  function passBadge(pass) {
    return el("span", { class: `badge ${pass ? "good" : "bad"}` }, pass ? "pass" : "fail");
  }

  // ---- messages and status ----------------------------------------------------------

  const statusLine = $("status");
  const messageBox = $("message");
  const report = $("report");

  function setStatus(text) {
    statusLine.textContent = text;
  }
  function showMessage(kind, title, detail) {
    messageBox.replaceChildren(el("strong", {}, title), detail ? el("span", {}, detail) : null);
    messageBox.className = `message ${kind}`;
    messageBox.hidden = false;
  }
  // An input refused before analysis: the message replaces any earlier report, which
  // would otherwise look like the answer for the new input.
  function refuse(title, detail) {
    report.replaceChildren();
    showMessage("error", title, detail);
  }
  function clearMessage() {
    messageBox.hidden = true;
    messageBox.replaceChildren();
  }

  // ---- the worker ---------------------------------------------------------------------

  const buttons = [$("headers-go"), $("pem-go"), $("pcap-file")];
  let wasmBytes = null;
  let worker = null;
  let ready = false;
  let exportsAvailable = [];
  let job = null; // {id, kind, label, started}
  let nextId = 1;

  function decodeBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function startWorker() {
    ready = false;
    buttons.forEach((b) => { b.disabled = true; });
    if (typeof self.MXRAY_GLUE !== "string" || typeof self.MXRAY_WASM_BASE64 !== "string" ||
        typeof self.mxrayWorkerMain !== "function") {
      setStatus("The analyser is not built.");
      showMessage("error", "The analyser is missing.",
        " pkg/mxray_embed.js was not found next to this page: build it with `cargo xtask web`.");
      return;
    }
    if (wasmBytes === null) wasmBytes = decodeBase64(self.MXRAY_WASM_BASE64);
    const source = [self.MXRAY_GLUE, "\n(", self.mxrayWorkerMain.toString(), ")();\n"];
    const url = URL.createObjectURL(new Blob(source, { type: "text/javascript" }));
    try {
      worker = new Worker(url);
    } catch (err) {
      URL.revokeObjectURL(url);
      setStatus("The analyser could not start.");
      showMessage("error", "This browser refused to start the analysis worker.", ` ${err.message || err}`);
      return;
    }
    worker.onmessage = (event) => {
      if (event.data.type === "ready" || event.data.type === "fatal") URL.revokeObjectURL(url);
      onWorkerMessage(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      failJob(`the analysis worker failed: ${event.message || "unknown error"}`, true);
    };
    worker.postMessage({ type: "init", wasm: wasmBytes });
  }

  function restartWorker() {
    if (worker) worker.terminate();
    worker = null;
    startWorker();
  }

  function onWorkerMessage(msg) {
    switch (msg.type) {
      case "ready":
        ready = true;
        exportsAvailable = msg.exports || [];
        buttons.forEach((b) => { b.disabled = false; });
        if (!job) setStatus("Ready. Nothing you paste or drop leaves this page.");
        document.documentElement.dataset.ready = "true";
        return;
      case "fatal":
        setStatus("The analyser could not load.");
        showMessage("error", "The WebAssembly module did not load.", ` ${msg.message}`);
        return;
      case "progress":
        if (job && msg.id === job.id) showProgress(msg.phase, msg.done, msg.total);
        return;
      case "result":
        if (job && msg.id === job.id) finishJob(msg.kind, msg.report);
        return;
      case "error":
        if (job && msg.id === job.id) failJob(msg.message, msg.broken);
        return;
      default:
    }
  }

  // ---- jobs -----------------------------------------------------------------------------

  const progressRow = $("progress-row");
  const progressBar = $("progress");
  const progressText = $("progress-text");

  function run(kind, label, payload) {
    if (!ready) {
      showMessage("error", "The analyser is still loading.", " Try again in a moment.");
      return;
    }
    if (job) restartWorker(); // a new request replaces a running one
    clearMessage();
    job = { id: nextId++, kind, label, started: performance.now() };
    document.documentElement.dataset.busy = "true";
    setStatus(`Analysing ${label}…`);
    progressBar.removeAttribute("value"); // indeterminate until the first progress message
    progressText.textContent = "";
    progressRow.hidden = kind !== "pcap";
    worker.postMessage({ ...payload, type: kind, id: job.id });
  }

  function showProgress(phase, done, total) {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    // Reading is the first 10 %, the analysis the rest.
    progressBar.value = phase === "reading" ? fraction * 0.1 : 0.1 + fraction * 0.9;
    progressText.textContent = `${phase === "reading" ? "reading" : "analysing"} ${Math.round(fraction * 100)} %`;
  }

  function endJob() {
    job = null;
    delete document.documentElement.dataset.busy;
    progressRow.hidden = true;
  }

  function finishJob(kind, data) {
    const took = ((performance.now() - job.started) / 1000).toFixed(2);
    const label = job.label;
    endJob();
    try {
      const view = kind === "pem" ? renderPem(data) : kind === "headers" ? renderHeaders(data) : renderPcap(data);
      report.replaceChildren(view);
      setStatus(`Analysed ${label} in ${took} s.`);
      report.focus({ preventScroll: true });
    } catch (err) {
      report.replaceChildren();
      showMessage("error", "The report could not be shown.", ` ${err.message || err}`);
      setStatus("Ready.");
    }
  }

  function failJob(message, broken) {
    const label = job ? job.label : "the input";
    endJob();
    report.replaceChildren();
    showMessage("error", `Could not analyse ${label}.`, ` ${message}`);
    setStatus("Ready.");
    if (broken) restartWorker();
  }

  $("cancel").addEventListener("click", () => {
    if (!job) return;
    endJob();
    restartWorker();
    showMessage("note", "Cancelled.", " The analysis was stopped.");
  });

  // ---- inputs ---------------------------------------------------------------------------

  function checkText(text, limit, what) {
    if (text.trim() === "") {
      refuse(`Paste ${what} first.`, "");
      return false;
    }
    if (text.length > limit) {
      refuse(`That is too much ${what}.`,
        ` ${fmtBytes(text.length)} of text; the limit is ${fmtBytes(limit)}.`);
      return false;
    }
    return true;
  }

  $("headers-go").addEventListener("click", () => {
    const text = $("headers-input").value;
    if (!checkText(text, LIMITS.headers, "headers")) return;
    if (!exportsAvailable.includes("analyseHeaders")) {
      refuse("Header analysis is not in this build yet.", "");
      return;
    }
    run("headers", "the headers", { text });
  });

  $("pem-go").addEventListener("click", () => {
    const text = $("pem-input").value;
    if (!checkText(text, LIMITS.pem, "PEM text")) return;
    const host = $("pem-host").value.trim();
    run("pem", "the certificate chain", { text, host: host === "" ? undefined : host, nowUnix: Date.now() / 1000 });
  });

  function takeFile(files) {
    if (!files || files.length === 0) return;
    if (files.length > 1) {
      refuse("One file at a time, please.", ` ${files.length} files were dropped.`);
      return;
    }
    const file = files[0];
    if (file.size === 0) {
      refuse(`${file.name} is empty.`, "");
      return;
    }
    if (file.size > LIMITS.pcap) {
      refuse(`${file.name} is too large.`,
        ` It is ${fmtBytes(file.size)}; the page analyses captures up to ${fmtBytes(LIMITS.pcap)}.` +
        " Cut it first, e.g. `editcap -c 100000` or `tshark -Y tls.handshake -w small.pcapng`, or use `mxray pcap`.");
      return;
    }
    if (!exportsAvailable.includes("analysePcap")) {
      refuse("Pcap analysis is not in this build yet.", "");
      return;
    }
    run("pcap", file.name, { file, maxBytes: LIMITS.pcap });
  }

  const fileInput = $("pcap-file");
  fileInput.addEventListener("change", () => {
    takeFile(fileInput.files);
    fileInput.value = "";
  });
  const drop = $("pcap-drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    takeFile(e.dataTransfer && e.dataTransfer.files);
  });
  // A file dropped anywhere else must not make the browser navigate away from the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    if (!drop.contains(e.target)) takeFile(e.dataTransfer && e.dataTransfer.files);
  });

  // ---- report views ---------------------------------------------------------------------

  function section(title, ...children) {
    return el("section", { class: "report-part" }, el("h2", {}, title), ...children);
  }

  function findingsList(findings) {
    if (!findings || findings.length === 0) return el("p", {}, "No findings.");
    return el("ul", { class: "findings" },
      findings.map((f) => el("li", { "data-id": f.id }, severityBadge(f.severity), el("span", {}, f.message),
        el("span", { class: "mono", title: "finding id" }, `(${f.id})`))));
  }

  // A definition list of [label, value, mono?] rows; empty values are left out.
  function fields(rows) {
    const dl = el("dl", { class: "fields" });
    for (const [label, value, mono] of rows) {
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) continue;
      dl.append(el("dt", {}, label), el("dd", { class: mono ? "mono" : undefined }, Array.isArray(value) ? value.join(", ") : value));
    }
    return dl;
  }

  function keyText(key) {
    if (!key) return "?";
    const kind = String(key.kind || "?").toUpperCase();
    return key.curve ? `${kind} ${key.curve} (${key.bits} bits)` : `${kind} ${key.bits} bits`;
  }

  function nameMatchText(match) {
    if (!match) return null;
    if (match.kind === "san") return `matches ${match.name}`;
    if (match.kind === "common_name_fallback") return `matches the subject CN ${match.name} only (no SAN)`;
    return "does not match";
  }

  function renderPem(r) {
    const certs = r.certificates || [];
    const levels = r.levels || {};
    const levelRows = [
      ["Encryption only", { pass: !!levels.encryption_only }],
      ["Certificate validation", levels.certificate || {}],
      ["Domain validation", levels.domain || {}],
    ];
    const chainFindings = (r.findings || []).filter((f) => f.certificate === undefined || f.certificate === null);
    const root = section("Certificate chain",
      el("p", { class: "summary" },
        `${certs.length} certificate${certs.length === 1 ? "" : "s"}, validated at ${fmtTime(r.at)} (this browser's clock)`,
        r.host ? `, host ${r.host} ${nameMatchText(r.name_match) || ""}` : ", no host name checked",
        r.trust && r.trust.mozilla ? ", against the Mozilla root store." : "."),
      el("h3", {}, "Validation levels"),
      el("table", { class: "levels" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Level"), el("th", { scope: "col" }, "Result"),
          el("th", { scope: "col" }, "Why"))),
        el("tbody", {}, levelRows.map(([name, level]) =>
          el("tr", { "data-level": name }, el("th", { scope: "row" }, name), el("td", {}, passBadge(level.pass)),
            el("td", {}, level.reason || ""))))),
      el("h3", {}, "Findings about the chain"),
      findingsList(chainFindings),
      el("h3", {}, "Certificates, as presented"),
      el("div", { class: "cards" }, certs.map((c, i) => certCard(c, i, r))));
    return root;
  }

  function certCard(c, i, r) {
    const onPath = (r.path || []).includes(i);
    const role = i === 0 ? "server certificate" : c.self_signed ? "root" : c.is_ca ? "intermediate" : "certificate";
    const findings = (r.findings || []).filter((f) => f.certificate === i);
    const names = [...(c.dns_names || []), ...(c.ip_addresses || []), ...(c.other_names || [])];
    return el("article", { class: "card", "data-index": i },
      el("h4", {}, `#${i + 1} ${role}: ${(c.subject_cn && c.subject_cn[0]) || c.subject}`),
      fields([
        ["Subject", c.subject],
        ["Issuer", c.issuer],
        ["Names", names],
        ["Valid from", fmtTime(c.not_before)],
        ["Valid until", fmtTime(c.not_after)],
        ["Key", keyText(c.key)],
        ["Signature", c.signature_algorithm],
        ["Serial", c.serial, true],
        ["CA", c.is_ca === undefined || c.is_ca === null ? "no basicConstraints" : c.is_ca ? "yes" : "no"],
        ["Key usage", c.key_usage],
        ["Extended key usage", c.extended_key_usage],
        ["SCTs", String(c.sct_count ?? 0)],
        ["Must-staple", c.must_staple ? "yes" : null],
        ["OCSP", c.ocsp_urls],
        ["On the leaf's path", onPath ? "yes" : "no (not needed)"],
        ["SHA-256", colonHex(c.sha256_fingerprint), true],
        ["SPKI SHA-256", c.spki_sha256, true],
      ]),
      findings.length > 0 ? findingsList(findings) : null);
  }

  function renderHeaders(r) {
    return headersView(r);
  }

  function renderPcap(r) {
    return pcapView(r);
  }

  // Placeholders replaced when the header and pcap analyses are in the build: show the
  // report's JSON, escaped, so that nothing is hidden.
  function headersView(r) {
    return section("Headers", el("pre", { class: "raw" }, JSON.stringify(r, null, 2)));
  }
  function pcapView(r) {
    return section("Capture", el("pre", { class: "raw" }, JSON.stringify(r, null, 2)));
  }

  // Exposed for the browser tests (read-only facts, no way in).
  self.mxrayPage = Object.freeze({ limits: LIMITS, maxRows: MAX_ROWS });

  startWorker();
})();
