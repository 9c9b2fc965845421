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
const hasFixture = (name) => fs.existsSync(path.join(FIXTURES, name));

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
      assert.match(await message(), pattern);
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

    check("oversized pasted text is refused before it is analysed", async () => {
      await page.evaluate(() => {
        document.getElementById("pem-input").value = "A".repeat(4 * 1024 * 1024 + 1);
      });
      await page.click("#pem-go");
      await messageShown(/too much PEM text.*limit is 4\.0 MiB/);
      await page.evaluate(() => {
        document.getElementById("headers-input").value = `X-Junk: ${"y".repeat(1024 * 1024)}`;
      });
      await page.click("#headers-go");
      await messageShown(/too much headers.*limit is 1\.0 MiB/);
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

    if (hasFixture("headers/postfix-tls13.eml")) {
      check("a pasted header block gives the hop timeline", async () => {
        await page.fill("#headers-input", fixture("headers/postfix-tls13.eml"));
        await page.click("#headers-go");
        await page.waitForSelector("#report ol.timeline > li");
        assert.ok((await page.locator("#report ol.timeline > li").count()) >= 1);
      });
    }

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
