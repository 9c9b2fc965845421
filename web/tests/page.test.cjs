// The page in real headless Chromium (Debian's), driven by playwright-core: run by
// `cargo xtask web-test` (and `cargo xtask ci`), which builds web/pkg, serves web/ on
// 127.0.0.1 and sets:
//   MXRAY_WEB_URL       http://127.0.0.1:PORT/ of the xtask's static server
//   MXRAY_WEB_DIR       the web/ directory (for the file:// run)
//   MXRAY_NODE_MODULES  where `npm ci` put playwright-core
//   MXRAY_ARTIFACTS     where screenshots of failures go (target/web-test)
//   CHROMIUM            the browser binary
// Every test runs twice: the page opened from file:// and from the server. Each run records
// every request the page makes and checks that they were only the page's own files.

"use strict";

const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`cargo xtask web-test\``);
  return value;
};
const { chromium } = require(path.join(env("MXRAY_NODE_MODULES"), "playwright-core"));

const WEB_DIR = env("MXRAY_WEB_DIR");
const ARTIFACTS = env("MXRAY_ARTIFACTS");
const FIXTURES = path.join(WEB_DIR, "tests", "fixtures");
const fixture = (name) => fs.readFileSync(path.join(FIXTURES, name), "utf8");
const fixtureBytes = (name) => fs.readFileSync(path.join(FIXTURES, name));
// The core's fixtures: messages delivered by the harness's Postfix, captures of its sessions.
const CORE_FIXTURES = path.join(WEB_DIR, "..", "crates", "mxray-core", "tests", "fixtures");
const coreFixture = (name) => fs.readFileSync(path.join(CORE_FIXTURES, name));

// Flags from TOOLCHAIN.md: no sandbox (root in CI), nothing Chromium would fetch by itself.
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const fileBase = pathToFileURL(WEB_DIR).href + "/";
const httpBase = env("MXRAY_WEB_URL");
const WAYS = [
  { name: "file", url: fileBase + "index.html", base: fileBase },
  { name: "http", url: httpBase, base: httpBase },
];

// The page's own files: everything it may load, from wherever it was opened.
const OWN_FILES = ["index.html", "style.css", "app.js", "worker.js", "pkg/mxray_embed.js"];

for (const way of WAYS) {
  describe(`page via ${way.name}`, () => {
    let context;
    let page;
    const requests = [];
    const problems = []; // console errors and uncaught exceptions
    let profile;

    before(async () => {
      profile = fs.mkdtempSync(path.join(ARTIFACTS, `profile-${way.name}-`));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: env("CHROMIUM"),
        headless: true,
        args: FLAGS,
        acceptDownloads: false,
      });
      context.on("request", (r) => requests.push(r.url()));
      page = context.pages()[0] || (await context.newPage());
      page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
      page.on("pageerror", (e) => problems.push(`exception: ${e.message}`));
      await page.goto(way.url);
      await page.waitForSelector("html[data-ready]", { timeout: 20000 });
    });

    after(async () => {
      if (context) await context.close();
      if (profile) fs.rmSync(profile, { recursive: true, force: true });
    });

    // Runs `body`; on failure saves a screenshot into target/web-test/ and rethrows.
    const check = (name, body) => test(name, async () => {
      try {
        await body();
      } catch (err) {
        const file = path.join(ARTIFACTS, `${way.name}-${name.replace(/[^a-z0-9]+/gi, "-")}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        err.message += `\n(screenshot: ${file})`;
        throw err;
      }
    });

    const message = () => page.textContent("#message");
    const messageShown = async (pattern) => {
      await page.waitForSelector("#message:not([hidden])", { timeout: 10000 });
      const text = await message();
      assert.match(text, pattern);
      assert.doesNotMatch(text, /\b(null|undefined|NaN|\[object)/, "no placeholder text leaks into a message");
      assert.equal(await page.locator("#report > *").count(), 0, "no report next to an error");
    };
    const analysePem = async (text, host) => {
      await page.evaluate(() => {
        document.getElementById("report").replaceChildren();
        document.getElementById("message").hidden = true;
      });
      await page.fill("#pem-input", text);
      await page.fill("#pem-host", host || "");
      await page.click("#pem-go");
    };

    check("loads ready, with its CSP and no errors", async () => {
      assert.match(await page.textContent("#status"), /^Ready\./);
      const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /connect-src 'none'/);
      assert.ok(!/unsafe-inline|unsafe-eval'|\*/.test(csp.replace("'wasm-unsafe-eval'", "")), csp);
      for (const id of ["#headers-go", "#pem-go", "#pcap-file"]) {
        assert.equal(await page.isDisabled(id), false, `${id} enabled once the module loaded`);
      }
    });

    check("a PEM chain gives certificate cards, findings and validation levels", async () => {
      await analysePem(fixture("chain.pem"), "mail.example.test");
      await page.waitForSelector("#report article.card");
      const cards = page.locator("#report article.card");
      assert.equal(await cards.count(), 2);
      assert.match(await cards.nth(0).locator("h4").textContent(), /#1 server certificate: mx\.example\.test/);
      assert.match(await cards.nth(1).locator("h4").textContent(), /#2 root: mxray web test CA/);
      const leaf = await cards.nth(0).textContent();
      assert.match(leaf, /mx\.example\.test, mail\.example\.test/);
      assert.match(leaf, /RSA 2048 bits/);
      assert.match(leaf, /48:55:8A:84:D2:EE:C8:9C:30:72:B3:93:A0:AA:73:A4:12:16:43:A6:A5:0D:CC:9B:CC:6C:5C:2A:DE:17:C9:8F/);
      assert.match(leaf, /2036-11-19 13:09:56Z/);
      const level = (name) => page.textContent(`#report tr[data-level="${name}"]`);
      assert.match(await level("Encryption only"), /pass/);
      assert.match(await level("Certificate validation"), /fail.*no path to a trusted root/);
      assert.match(await level("Domain validation"), /fail/);
      assert.equal(await page.locator('#report li[data-id="x509.untrusted"]').count(), 1);
      assert.equal(await page.locator('#report li[data-id="x509.root-included"]').count(), 1);
      const summary = await page.textContent("#report .summary");
      assert.match(summary, /host mail\.example\.test matches mail\.example\.test/);
      // The time is the browser's: the year now, not a fixed date.
      assert.ok(summary.includes(`validated at ${new Date().getUTCFullYear()}`), summary);
    });

    check("a weak self-signed certificate shows its findings", async () => {
      await analysePem(fixture("self-signed-sha1-rsa1024.pem"), "other.example.test");
      await page.waitForSelector("#report article.card");
      for (const id of ["x509.self-signed", "x509.sha1-signature", "x509.weak-rsa-key", "x509.name-mismatch"]) {
        assert.equal(await page.locator(`#report li[data-id="${id}"]`).count(), 1, id);
      }
      assert.match(await page.textContent("#report .summary"), /does not match/);
    });

    check("markup in certificate names is shown as text", async () => {
      await analysePem(fixture("markup-in-names.pem"));
      await page.waitForSelector("#report article.card");
      const card = await page.textContent("#report article.card");
      assert.ok(card.includes("<img src=x onerror=alert(1)>.example.test"), card);
      assert.ok(card.includes("<b>bold</b>.example.test"), card);
      assert.equal(await page.locator("#report img, #report b").count(), 0);
    });

    check("non-certificate PEM, text and empty input give messages", async () => {
      await analysePem(fixture("request.csr.pem"));
      await messageShown(/Could not analyse the certificate chain\..*CERTIFICATE REQUEST, not a CERTIFICATE/);
      await analysePem("this is not PEM at all");
      await messageShown(/Could not analyse the certificate chain\./);
      await analysePem(fixture("chain.pem").replace(/MII/, "M!I"));
      await messageShown(/Could not analyse the certificate chain\./);
      await analysePem("   ");
      await messageShown(/Paste PEM text first/);
      // And the page still works afterwards.
      await analysePem(fixture("chain.pem"));
      await page.waitForSelector("#report article.card");
    });

    // Filling text areas with megabytes is slow in any browser and the check does not depend
    // on how the page was opened: once, over http.
    if (way.name === "http") check("oversized pasted text is refused before it is analysed", async () => {
      await page.evaluate(() => {
        document.getElementById("pem-input").value = "A".repeat(4 * 1024 * 1024 + 1);
      });
      await page.click("#pem-go");
      await messageShown(/too much PEM text.*limit is 4\.0 MiB/);
      await page.evaluate(() => {
        document.getElementById("headers-input").value = `X-Junk: ${"y".repeat(8 * 1024 * 1024)}`;
      });
      await page.click("#headers-go");
      await messageShown(/too much headers.*limit is 8\.0 MiB/);
      await page.evaluate(() => {
        document.getElementById("pem-input").value = "";
        document.getElementById("headers-input").value = "";
      });
    });

    check("a 200 MB file is refused from its size, without reading it", async () => {
      const big = path.join(ARTIFACTS, "big-200MB.pcap");
      const fd = fs.openSync(big, "w");
      fs.ftruncateSync(fd, 200 * 1000 * 1000); // sparse: nothing written
      fs.closeSync(fd);
      try {
        const started = Date.now();
        await page.setInputFiles("#pcap-file", big);
        await messageShown(/big-200MB\.pcap is too large.*190\.7 MiB.*up to 100\.0 MiB/);
        assert.ok(Date.now() - started < 5000, "answered at once");
        assert.equal(await page.evaluate(() => document.documentElement.dataset.busy), undefined, "no job started");
      } finally {
        fs.rmSync(big, { force: true });
      }
    });

    check("the page cannot reach the network (connect-src 'none')", async () => {
      const outcome = await page.evaluate(async (target) => {
        const violations = [];
        document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
        let fetched;
        try {
          await fetch(target);
          fetched = "allowed";
        } catch (err) {
          fetched = "blocked";
        }
        await new Promise((r) => setTimeout(r, 100));
        return { fetched, violations };
      }, httpBase + "index.html");
      assert.equal(outcome.fetched, "blocked");
      assert.ok(outcome.violations.includes("connect-src"), JSON.stringify(outcome.violations));
    });

    const analyseHeaders = async (text) => {
      await page.evaluate(() => {
        document.getElementById("report").replaceChildren();
        document.getElementById("message").hidden = true;
      });
      await page.fill("#headers-input", text);
      await page.click("#headers-go");
    };

    check("a pasted message gives the hop timeline with TLS, cipher and grade", async () => {
      await analyseHeaders(coreFixture("headers/captured/postfix-3.7-tls13.eml").toString("utf8"));
      const hop = page.locator('#report ol.timeline > li[data-hop="1"]');
      await hop.waitFor();
      assert.equal(await page.locator("#report ol.timeline > li").count(), 1);
      const text = await hop.textContent();
      assert.match(text, /Hop 1: client\.test\.example \(localhost 127\.0\.0\.1\) → mail\.test\.example/);
      assert.match(text, /ESMTPS \(Postfix\)/);
      assert.match(text, /TLSTLSv1\.3/);
      assert.match(text, /CipherTLS_AES_256_GCM_SHA384/);
      assert.equal(await hop.locator(".badge.good").first().textContent(), "secure");
      assert.match(await page.textContent("#report dl.fields"), /Subjectmxray header fixture postfix-3\.7-tls13/);
    });

    check("weak hops and clock skew are shown, oldest hop first", async () => {
      await analyseHeaders(coreFixture("headers/constructed/weak-and-skew.eml").toString("utf8"));
      await page.locator("#report ol.timeline > li").first().waitFor();
      const hops = page.locator("#report ol.timeline > li");
      assert.equal(await hops.count(), 3);
      assert.match(await hops.nth(0).textContent(), /Hop 1: hop1\.example\.net .*→ hop2\.example\.net/);
      assert.match(await hops.nth(0).textContent(), /TLS_RSA_WITH_AES_256_GCM_SHA384/);
      assert.match(await hops.nth(0).locator(".badge").filter({ hasText: /^weak$/ }).textContent(), /weak/);
      assert.match(await hops.nth(1).textContent(), /TLS_RSA_WITH_RC4_128_SHA/);
      assert.equal(await hops.nth(1).locator(".badge.bad").filter({ hasText: /^insecure$/ }).count(), 1);
      assert.match(await hops.nth(2).textContent(), /clock skew/);
      assert.match(await hops.nth(2).textContent(), /none: plaintext/);
      assert.match(await page.textContent("#report .summary"), /Weakest hop: insecure/);
    });

    check("binary or prose in the header box gives a message", async () => {
      await analyseHeaders("\u0000\u0001\u0002 PK\u0003\u0004 \u0000\u0000\u0007binary\u0000");
      await messageShown(/Could not analyse the headers\..*binary data/);
      await analyseHeaders("Dear all,\nplease see the message below.\nThanks");
      await messageShown(/Could not analyse the headers\..*no header fields found/);
    });

    // Drops `bytes` as a file named `name` on the drop zone, as a drag from the desktop does.
    const dropFile = async (name, bytes) => {
      await page.evaluate(() => {
        document.getElementById("report").replaceChildren();
        document.getElementById("message").hidden = true;
      });
      const dataTransfer = await page.evaluateHandle(({ name, b64 }) => {
        const binary = atob(b64);
        const data = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i);
        const dt = new DataTransfer();
        dt.items.add(new File([data], name, { type: "application/vnd.tcpdump.pcap" }));
        return dt;
      }, { name, b64: Buffer.from(bytes).toString("base64") });
      await page.dispatchEvent("#pcap-drop", "dragover", { dataTransfer });
      await page.dispatchEvent("#pcap-drop", "drop", { dataTransfer });
    };

    check("a dropped pcap gives the handshake table with STARTTLS status and fingerprints", async () => {
      await dropFile("smtp-starttls-tls13.pcap", coreFixture("pcap/smtp-starttls-tls13.pcap"));
      const row = page.locator('#report table.handshakes tr[data-handshake="0"]');
      await row.waitFor();
      assert.equal(await page.locator("#report table.handshakes tbody tr").count(), 1);
      const cell = (col) => row.locator(`td[data-col="${col}"]`).textContent();
      assert.equal(await cell("ja3"), "f146948b4a599d4d7ddf071b74696983");
      assert.equal(await cell("ja3s"), "15af977ce25de452b96affa2addb1036");
      assert.equal(await cell("ja4"), "t13d041000_16476d049b0b_78f1d400d464");
      assert.match(await cell("version"), /^TLSv1\.3/);
      assert.match(await cell("cipher"), /TLS_\w+ secure/);
      assert.equal(await row.locator("[data-starttls]").textContent(), "used");
      assert.match(await row.textContent(), /SMTP/);
      assert.match(await page.textContent("#report .summary"), /^pcap \(little endian.*1 connection, 1 TLS handshake\./);
    });

    check("a chosen pcapng and a plaintext session without STARTTLS", async () => {
      await page.setInputFiles("#pcap-file", path.join(CORE_FIXTURES, "pcap", "imaps-tls13.pcapng"));
      const row = page.locator('#report table.handshakes tr[data-handshake="0"]');
      await row.waitFor();
      assert.match(await row.textContent(), /implicit TLS/);
      assert.equal(await row.locator('td[data-col="ja4"]').textContent(), "t13d0411ip_16476d049b0b_78f1d400d464");
      await dropFile("smtp-not-offered.pcap", coreFixture("pcap/smtp-not-offered.pcap"));
      const flow = page.locator("#report table.flows tbody tr").first();
      await flow.waitFor();
      assert.equal(await flow.locator("[data-starttls]").textContent(), "not offered");
      assert.match(await page.textContent("#report"), /No TLS handshake in this capture\./);
    });

    check("a truncated pcap is analysed up to the cut, with a note; garbage gives a message", async () => {
      const whole = coreFixture("pcap/smtp-starttls-tls13.pcap");
      await dropFile("cut.pcap", whole.subarray(0, Math.floor(whole.length * 0.6)));
      await page.locator("#report ul.findings li").first().waitFor();
      assert.ok((await page.locator("#report ul.findings li").count()) >= 1);
      await dropFile("notes.txt", Buffer.from("these are my notes, not a capture\n"));
      await messageShown(/Could not analyse notes\.txt\..*not a pcap or pcapng capture/);
      await dropFile("header-only.pcap", whole.subarray(0, 10));
      await messageShown(/Could not analyse header-only\.pcap\./);
    });

    check("a large capture runs in the worker with a progress bar; the page stays responsive", async () => {
      // A valid 30 MB pcap: the fixture's global header, then its packet records repeated
      // (each copy is one more SMTP connection with a handshake: about 8400 of them).
      const capture = coreFixture("pcap/smtp-starttls-tls13.pcap");
      const records = capture.subarray(24);
      const copies = Math.ceil((30 * 1000 * 1000) / records.length);
      const big = path.join(ARTIFACTS, `big-${way.name}.pcap`);
      const fd = fs.openSync(big, "w");
      fs.writeSync(fd, capture.subarray(0, 24));
      const block = Buffer.concat(Array(256).fill(records));
      for (let i = 0; i < copies; i += 256) fs.writeSync(fd, block);
      fs.closeSync(fd);
      try {
        await page.evaluate(() => {
          // Watch the main thread while the job runs: the longest gap between 10 ms timer
          // ticks, how long the job was busy, and the values the progress bar took.
          const w = (self.__watch = { maxGap: 0, busyMs: 0, values: [], last: performance.now() });
          w.timer = setInterval(() => {
            const now = performance.now();
            if (document.documentElement.dataset.busy) {
              w.maxGap = Math.max(w.maxGap, now - w.last);
              w.busyMs += now - w.last;
              const bar = document.getElementById("progress");
              if (bar.hasAttribute("value")) w.values.push(bar.value);
            }
            w.last = now;
          }, 10);
        });
        await page.setInputFiles("#pcap-file", big);
        await page.waitForSelector("#report[data-complete] table.handshakes", { timeout: 120000 });
        const watch = await page.evaluate(() => {
          clearInterval(self.__watch.timer);
          return self.__watch;
        });
        assert.equal(await page.locator("#report table.handshakes tbody tr").count(), 500, "the table is capped");
        assert.match(await page.textContent("#report"), /The first 500 of \d{4} rows/);
        assert.ok(watch.values.some((v) => v > 0 && v < 1), `the progress bar moved: ${watch.values.slice(-5)}`);
        // Analysed on the page's own thread, the page would stall for the whole job. On a
        // loaded machine timers are late anyway, so compare with the job's length.
        assert.ok(watch.maxGap < watch.busyMs / 2,
          `the page stalled for ${Math.round(watch.maxGap)} ms of a ${Math.round(watch.busyMs)} ms job`);
        assert.match(await page.textContent("#status"), /^Analysed big-\w+\.pcap in [0-9.]+ s\./);
      } finally {
        fs.rmSync(big, { force: true });
      }
    });

    check("Cancel stops a running analysis and the page goes on working", async () => {
      const capture = coreFixture("pcap/smtp-starttls-tls13.pcap");
      const records = capture.subarray(24);
      const big = path.join(ARTIFACTS, `cancel-${way.name}.pcap`);
      const fd = fs.openSync(big, "w");
      fs.writeSync(fd, capture.subarray(0, 24));
      const block = Buffer.concat(Array(256).fill(records));
      for (let i = 0; i < Math.ceil((40 * 1000 * 1000) / records.length); i += 256) fs.writeSync(fd, block);
      fs.closeSync(fd);
      try {
        await page.setInputFiles("#pcap-file", big);
        await page.waitForSelector("#progress-row:not([hidden])");
        await page.click("#cancel");
        await messageShown(/Cancelled\./);
        await page.waitForSelector("html[data-ready]");
        await analysePem(fixture("chain.pem"));
        await page.waitForSelector("#report article.card");
      } finally {
        fs.rmSync(big, { force: true });
      }
    });

    check("every request was one of the page's own files", async () => {
      const own = new Set(OWN_FILES.map((f) => way.base + f));
      if (way.name === "http") own.add(httpBase);
      const foreign = requests.filter((u) => !own.has(u) && !u.startsWith("blob:"));
      assert.deepEqual(foreign, [], "requests other than the page's files");
      assert.ok(requests.some((u) => u.endsWith("pkg/mxray_embed.js")), JSON.stringify(requests));
      // The fetch() above was stopped by the CSP before it became a request.
      assert.ok(!requests.includes(httpBase + "index.html"), JSON.stringify(requests));
      assert.deepEqual(problems.filter((p) => !/Content Security Policy|connect-src/.test(p)), []);
    });
  });
}
