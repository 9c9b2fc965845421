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
    headers: 8 * 1024 * 1024, // characters of a pasted message (the core reads 4 MiB of header)
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
    messageBox.replaceChildren(...[el("strong", {}, title), detail ? el("span", {}, detail) : null].filter(Boolean));
    messageBox.className = `message ${kind}`;
    messageBox.hidden = false;
  }
  // An input refused before analysis: the message replaces any earlier report, which
  // would otherwise look like the answer for the new input.
  function refuse(title, detail) {
    stopRendering();
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
    delete document.documentElement.dataset.ready;
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
    stopRendering();
    report.replaceChildren(); // the report on screen always answers the latest request
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
      stopRendering();
      const view = kind === "pem" ? renderPem(data) : kind === "headers" ? renderHeaders(data) : renderPcap(data);
      report.replaceChildren(view);
      if (pumpTimer === null) report.dataset.complete = "true";
      setStatus(`Analysed ${label} in ${took} s.`);
      report.focus({ preventScroll: true });
    } catch (err) {
      stopRendering();
      report.replaceChildren();
      showMessage("error", "The report could not be shown.", ` ${err.message || err}`);
      setStatus("Ready.");
    }
  }

  function failJob(message, broken) {
    const label = job ? job.label : "the input";
    endJob();
    stopRendering();
    report.replaceChildren();
    showMessage("error", `Could not analyse ${label}.`, ` ${message}`);
    setStatus("Ready.");
    if (broken) restartWorker();
  }

  $("cancel").addEventListener("click", () => {
    if (!job) return;
    endJob();
    restartWorker();
    stopRendering();
    report.replaceChildren();
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
    run("pcap", file.name, { file, maxBytes: LIMITS.pcap, maxRows: MAX_ROWS });
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

  // ---- headers ---------------------------------------------------------------------------

  const STRENGTH_CLASS = { secure: "good", weak: "warn", insecure: "bad" };
  function strengthBadge(strength, unknownText) {
    if (!strength) return el("span", { class: "badge none" }, unknownText || "unknown");
    return el("span", { class: `badge ${STRENGTH_CLASS[strength] || "none"}` }, strength);
  }
  const NCSC_TEXT = { good: "good", sufficient: "sufficient", phase_out: "phase out", insufficient: "insufficient" };

  function fmtDelay(seconds) {
    if (typeof seconds !== "number") return null;
    const sign = seconds < 0 ? "−" : "";
    let s = Math.abs(seconds);
    const parts = [];
    if (s >= 86400) { parts.push(`${Math.floor(s / 86400)} d`); s %= 86400; }
    if (s >= 3600) { parts.push(`${Math.floor(s / 3600)} h`); s %= 3600; }
    if (s >= 60) { parts.push(`${Math.floor(s / 60)} min`); s %= 60; }
    if (s > 0 || parts.length === 0) parts.push(`${s} s`);
    return sign + parts.join(" ");
  }

  function hostText(h) {
    if (!h) return "?";
    const name = h.name || h.helo || h.reverse_dns || h.ip || "?";
    const extra = [h.reverse_dns && h.reverse_dns !== name ? h.reverse_dns : null, h.ip && h.ip !== name ? h.ip : null]
      .filter(Boolean);
    return extra.length ? `${name} (${extra.join(" ")})` : name;
  }

  function metaItem(label, ...value) {
    return el("div", {}, el("dt", {}, label), el("dd", {}, ...value));
  }

  function hopItem(hop) {
    const tls = hop.tls;
    const grade = hop.grade;
    const meta = el("dl", { class: "hop-meta" });
    meta.append(metaItem("Protocol", [hop.protocol || "?", hop.mta ? ` (${hop.mta})` : ""].join("")));
    meta.append(metaItem("Time", hop.timestamp ? hop.timestamp.rfc3339 : hop.date || "unknown"));
    if (hop.number > 1) {
      meta.append(metaItem("Delay", fmtDelay(hop.delay_seconds) || "unknown",
        hop.clock_skew ? el("span", { class: "badge warn", title: "this hop's time is before the previous hop's" }, " clock skew") : null));
    }
    if (tls) {
      meta.append(metaItem("TLS", tls.version_name || tls.version || "version not written"));
      meta.append(metaItem("Cipher", tls.suite ? tls.suite.iana : tls.cipher || "not written",
        tls.suite || !tls.cipher ? null : " (not in the registry)"));
      if (tls.bits) meta.append(metaItem("Bits", tls.bits));
    } else if (hop.transport === "plaintext") {
      meta.append(metaItem("TLS", el("span", { class: "badge bad" }, "none: plaintext")));
    } else if (hop.transport === "tls_no_details") {
      meta.append(metaItem("TLS", "yes (the protocol keyword says so; no details written)"));
    } else {
      meta.append(metaItem("TLS", "not stated"));
    }
    meta.append(metaItem("Grade", grade ? strengthBadge(grade.strength, "unknown suite") : el("span", { class: "badge none" }, "n/a")));
    if (grade && (grade.ncsc_version || grade.ncsc_suite)) {
      meta.append(metaItem("NCSC-NL", [
        grade.ncsc_version ? `version ${NCSC_TEXT[grade.ncsc_version] || grade.ncsc_version}` : null,
        grade.ncsc_suite ? `suite ${NCSC_TEXT[grade.ncsc_suite] || grade.ncsc_suite}` : null,
      ].filter(Boolean).join(", ")));
    }
    if (hop.id) meta.append(metaItem("Id", hop.id));
    if (hop.for) meta.append(metaItem("For", hop.for));
    const client = tls && tls.client_certificate;
    return el("li", { "data-hop": hop.number },
      el("div", { class: "hop-title" }, `Hop ${hop.number}: ${hostText(hop.from)} → ${hostText(hop.by)}`),
      meta,
      grade && grade.reason ? el("p", { class: "hop-reason" }, grade.reason) : null,
      client ? el("p", {}, `Client certificate: ${client.text}`) : null,
      hop.tls_unrecognised ? el("p", {}, "TLS annotation not recognised: ", el("span", { class: "mono" }, hop.tls_unrecognised)) : null,
      !hop.parsed ? el("p", {}, "This field's format is not recognised; here it is as written:") : null,
      !hop.parsed ? el("pre", { class: "raw" }, hop.raw) : el("details", {}, el("summary", {}, "The field as written"), el("pre", { class: "raw" }, hop.raw)));
  }

  function warningsList(warnings) {
    return el("ul", { class: "findings" }, warnings.map((w) =>
      el("li", { "data-id": w.id }, el("span", { class: "badge warn" }, "note"), el("span", {}, w.message),
        typeof w.hop === "number" ? el("span", { class: "mono" }, `(hop ${w.hop})`) : null)));
  }

  // Long tables are filled in slices of a few rows per task, so laying out hundreds of
  // rows never blocks the page for long; #report gets data-complete when the last is in.
  let pendingRows = [];
  let pumpTimer = null;
  function pumpRows() {
    pumpTimer = null;
    const deadline = performance.now() + 25;
    while (pendingRows.length > 0 && performance.now() < deadline) {
      const part = pendingRows[0];
      const end = Math.min(part.rows.length, part.at + 20);
      part.tbody.append(...part.rows.slice(part.at, end).map(part.build));
      part.at = end;
      if (part.at >= part.rows.length) pendingRows.shift();
    }
    if (pendingRows.length > 0) pumpTimer = setTimeout(pumpRows, 0);
    else report.dataset.complete = "true";
  }
  function appendRowsLater(tbody, rows, build) {
    pendingRows.push({ tbody, rows, build, at: 0 });
    if (pumpTimer === null) pumpTimer = setTimeout(pumpRows, 0);
  }
  function stopRendering() {
    pendingRows = [];
    if (pumpTimer !== null) clearTimeout(pumpTimer);
    pumpTimer = null;
    delete report.dataset.complete;
  }

  // A table of at most MAX_ROWS rows, `build(item, index)` making each row (lazily, for
  // long tables); `total` counts the rows there are (the worker may have cut them).
  function table(headers, items, attrs, total, build) {
    const rowOf = build || ((row) => row);
    const shown = items.slice(0, MAX_ROWS).map((item, i) => [item, i]);
    const all = Math.max(total || 0, items.length);
    const make = ([item, i]) => rowOf(item, i);
    const tbody = el("tbody", {}, shown.slice(0, 20).map(make));
    if (shown.length > 20) appendRowsLater(tbody, shown.slice(20), make);
    return el("div", { class: "table-wrap" },
      el("table", attrs || {},
        el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
        tbody),
      all > shown.length
        ? el("p", { class: "summary" }, `The first ${shown.length} of ${all} rows; the command-line tool prints them all (mxray pcap FILE --json).`)
        : null);
  }

  function renderHeaders(r) {
    const hops = r.hops || [];
    const s = r.summary || {};
    const parts = [
      `${hops.length} hop${hops.length === 1 ? "" : "s"}, oldest first`,
      typeof r.total_delay_seconds === "number" ? `, ${fmtDelay(r.total_delay_seconds)} from first to last` : "",
      `; ${r.field_count} header fields read.`,
    ];
    const root = section("Message headers",
      el("p", { class: "summary" }, parts.join(""), " Weakest hop: ", strengthBadge(r.weakest_hop, "no graded hop")),
      fields([["From", s.from], ["To", s.to], ["Subject", s.subject], ["Date", s.date], ["Message-ID", s.message_id, true]]),
      (r.warnings || []).length ? el("h3", {}, "Notes") : null,
      (r.warnings || []).length ? warningsList(r.warnings) : null,
      el("h3", {}, "Hop timeline"),
      hops.length ? el("ol", { class: "timeline" }, hops.map(hopItem)) : el("p", {}, "No Received: fields."));
    const auth = r.authentication || [];
    if (auth.length) {
      const rows = auth.flatMap((a) => (a.results.length ? a.results : [null]).map((m) =>
        el("tr", {}, el("td", {}, a.field), el("td", {}, a.authserv_id || ""),
          el("td", {}, m ? m.method : "—"),
          el("td", {}, m ? el("span", { class: `badge ${m.result === "pass" ? "good" : m.result === "none" ? "none" : "bad"}` }, m.result) : "no results"),
          el("td", { class: "mono" }, m ? [m.reason ? `reason="${m.reason}"` : null, ...m.properties.map((p) => `${p.key}=${p.value}`)].filter(Boolean).join(" ") : a.raw))));
      root.append(el("h3", {}, "Authentication results"),
        table(["Field", "Evaluated by", "Method", "Result", "Details"], rows, { class: "auth" }));
    }
    const policy = r.tls_policy || [];
    if (policy.length) {
      root.append(el("h3", {}, "TLS policy fields"),
        table(["Field", "Value", "Meaning"], policy.map((p) => el("tr", {}, el("td", {}, p.field), el("td", { class: "mono" }, p.value), el("td", {}, p.meaning)))));
    }
    return root;
  }

  // ---- pcap -----------------------------------------------------------------------------

  const STARTTLS_CLASS = { used: "good", refused: "bad", offered_not_used: "bad", not_offered: "bad", unknown: "none" };
  const STARTTLS_TEXT = { used: "used", refused: "refused", offered_not_used: "offered, not used", not_offered: "not offered", unknown: "unknown" };
  const PROTOCOL_TEXT = { smtp: "SMTP", imap: "IMAP", pop3: "POP3", sieve: "ManageSieve", tls: "TLS", unknown: "unknown" };

  function endpointText(e) {
    if (!e) return "?";
    return String(e.ip).includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
  }

  function starttlsCell(flow) {
    if (!flow) return "";
    if (flow.implicit_tls) return el("span", { class: "badge info" }, "implicit TLS");
    const st = flow.starttls;
    if (!st) return el("span", { class: "badge none" }, "n/a");
    return el("span", {},
      el("span", { class: `badge ${STARTTLS_CLASS[st.status] || "none"}`, "data-starttls": st.status }, STARTTLS_TEXT[st.status] || st.status),
      st.stripped ? el("span", { class: "badge bad", title: st.plaintext_command ? `plaintext command: ${st.plaintext_command}` : "" }, " stripped") : null);
  }

  function renderPcap(r) {
    const c = r.capture || {};
    const flows = r.flows || [];
    const handshakes = r.handshakes || [];
    const span = typeof c.first_packet === "number" && typeof c.last_packet === "number"
      ? `, ${fmtTime(Math.floor(c.first_packet))} to ${fmtTime(Math.floor(c.last_packet))}` : "";
    const root = section("Capture",
      el("p", { class: "summary" },
        `${c.format || "?"} (${c.byte_order || "?"} endian, ${c.timestamps || "?"} timestamps), `,
        `${(c.link_types || []).map((l) => l.name).join(", ") || "no interfaces"}; ${c.packets} packets, ${fmtBytes(c.bytes || 0)}${span}; `,
        `${r.flows_total ?? flows.length} connection${(r.flows_total ?? flows.length) === 1 ? "" : "s"}, `,
        `${r.handshakes_total ?? handshakes.length} TLS handshake${(r.handshakes_total ?? handshakes.length) === 1 ? "" : "s"}.`),
      (r.warnings || []).length ? el("h3", {}, "Notes") : null,
      (r.warnings || []).length ? el("ul", { class: "findings" }, r.warnings.map((w) => el("li", {}, el("span", { class: "badge warn" }, "note"), el("span", {}, w)))) : null);

    const flowCount = r.flows_total ?? flows.length;
    const handshakeCount = r.handshakes_total ?? handshakes.length;
    const hsRow = (h, i) => {
      const flow = h.flow_info || flows[h.flow];
      const cl = h.client;
      const sv = h.server;
      const cert = (h.certificates || [])[0];
      return el("tr", { "data-handshake": i },
        el("td", {}, String(i + 1)),
        el("td", { class: "mono" }, `${endpointText(h.client_endpoint)} → ${endpointText(h.server_endpoint)}`),
        el("td", {}, flow ? PROTOCOL_TEXT[flow.protocol] || flow.protocol : "?"),
        el("td", {}, h.after_starttls ? starttlsCell(flow) : el("span", { class: "badge info" }, "implicit TLS")),
        el("td", { "data-col": "version" }, sv ? sv.version : cl ? `offered ${cl.offered_versions.join(", ") || cl.legacy_version}` : "?",
          sv && sv.hello_retry_request ? " (after HRR)" : ""),
        el("td", { "data-col": "cipher" }, sv ? [el("span", { class: "mono" }, sv.suite.name || sv.suite.code), " ", strengthBadge(sv.suite.strength)] : "—"),
        el("td", { class: "mono" }, (cl && cl.sni) || "—"),
        el("td", { class: "mono", "data-col": "ja3" }, cl ? cl.ja3.hash : "—"),
        el("td", { class: "mono", "data-col": "ja3s" }, sv ? sv.ja3s.hash : "—"),
        el("td", { class: "mono", "data-col": "ja4" }, cl ? cl.ja4 : "—"),
        el("td", {},
          cert ? `${cert.subject} (${cert.key})` : sv && /1\.3/.test(sv.version) ? "encrypted (TLS 1.3)" : "—",
          h.alert ? el("div", {}, el("span", { class: "badge bad" }, "alert"), ` ${h.alert}`) : null,
          (h.errors || []).length ? el("div", {}, `undecodable: ${h.errors.join("; ")}`) : null));
    };
    root.append(el("h3", {}, "TLS handshakes"),
      handshakes.length
        ? table(["#", "Client → server", "Service", "STARTTLS", "Version", "Cipher", "SNI", "JA3", "JA3S", "JA4", "Certificate"], handshakes, { class: "handshakes" }, handshakeCount, hsRow)
        : el("p", {}, "No TLS handshake in this capture."));

    const flowRow = (f) => el("tr", { "data-flow": f.id },
      el("td", {}, String(f.id + 1)),
      el("td", { class: "mono" }, `${endpointText(f.client)} → ${endpointText(f.server)}`),
      el("td", {}, PROTOCOL_TEXT[f.protocol] || f.protocol),
      el("td", {}, starttlsCell(f)),
      el("td", {}, typeof f.handshake === "number" ? `#${f.handshake + 1}` : "—"),
      el("td", {}, `${f.packets} packets, ${fmtBytes(f.client_bytes)} / ${fmtBytes(f.server_bytes)}`),
      el("td", {}, [f.dialogue && f.dialogue.banner ? `banner: ${f.dialogue.banner}` : null,
        f.syn_seen ? null : "started before the capture",
        f.gaps ? `${f.gaps} gaps` : null, ...(f.notes || [])].filter(Boolean).join("; ")));
    root.append(el("h3", {}, "Connections"),
      flows.length
        ? table(["#", "Client → server", "Protocol", "STARTTLS", "Handshake", "Traffic (client / server)", "Notes"], flows, { class: "flows" }, flowCount, flowRow)
        : el("p", {}, "No TCP connection in this capture."));
    return root;
  }

  // Exposed for the browser tests (read-only facts, no way in).
  self.mxrayPage = Object.freeze({ limits: LIMITS, maxRows: MAX_ROWS });

  startWorker();
})();
