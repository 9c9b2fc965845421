//! The browser page's tasks: `cargo xtask web` (build the wasm package into `web/pkg`),
//! `cargo xtask serve-web [--port N]` (serve `web/` on 127.0.0.1) and `cargo xtask
//! web-test` (the page in real headless Chromium, driven by playwright-core).
//!
//! ## Why the wasm module is embedded in a script
//!
//! The page's Content-Security-Policy has `connect-src 'none'`, which also forbids
//! `fetch()` of the page's own `.wasm`; and Chromium refuses `new Worker("worker.js")`
//! and `fetch` from a `file://` page. So `cargo xtask web` writes `web/pkg/mxray_embed.js`,
//! a classic script holding the wasm-bindgen glue (`--target no-modules`) as a string and
//! the module's bytes in base64. The page loads it with `<script src>` (allowed by
//! `script-src 'self'`, from a server and from `file://` alike), builds the worker from a
//! Blob of the glue and `worker.js`, and hands it the bytes: one path for both ways of
//! opening the page, and no network request at all.
//!
//! ## Tools
//!
//! wasm-bindgen-cli is the pinned one from [`tools::ensure_wasm_bindgen_cli`]. wasm-opt
//! and playwright-core come from npm, pinned in `web/tests/package.json` and its
//! `package-lock.json`, installed with `npm ci --ignore-scripts` into
//! `target/xtask-tools/web-node/` (Debian's binaryen 108 writes modules that do not load;
//! playwright-core downloads no browser: the tests use Debian's `chromium`). Without npm
//! the build skips wasm-opt and says so.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::run::Cmd;
use crate::tools;

/// The Debian packages the browser tests need.
pub(crate) const WEB_TEST_PACKAGES: &[(&str, &str)] = &[
    ("nodejs", "the browser tests are a node script driving Chromium through playwright-core"),
    ("chromium", "the browser tests run the page in real headless Chromium"),
];

/// The cargo profile of the page's module (workspace `Cargo.toml`: size over build time).
const PROFILE: &str = "wasm";

/// Where the page's package is written, relative to the root.
const PKG: &str = "web/pkg";

/// Debian's `npm`, installed only when no `npm` command exists (a NodeSource `nodejs`
/// brings its own npm and conflicts with Debian's).
const NPM_PACKAGE: &[(&str, &str)] = &[(
    "npm",
    "installs the pinned playwright-core and binaryen (wasm-opt) from web/tests/package-lock.json",
)];

/// The `node_modules` of `web/tests/package.json`, installed with `npm ci` when the lock
/// file is newer than the last install. Returns the `node_modules` directory.
pub(crate) fn ensure_node_tools(root: &Path) -> Result<PathBuf> {
    let dir = root.join("target/xtask-tools/web-node");
    let modules = dir.join("node_modules");
    let lock = root.join("web/tests/package-lock.json");
    let stamp = dir.join("installed-lock.json");
    let wanted = std::fs::read(&lock).with_context(|| format!("reading {}", lock.display()))?;
    if modules.is_dir() && std::fs::read(&stamp).ok().as_deref() == Some(&wanted[..]) {
        return Ok(modules);
    }
    println!(
        "installing the pinned playwright-core and binaryen into {} (npm ci from web/tests/package-lock.json)",
        dir.display()
    );
    if std::process::Command::new("npm").arg("--version").output().is_err() {
        tools::ensure_debian_packages(NPM_PACKAGE)?;
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(root.join("web/tests/package.json"), dir.join("package.json"))?;
    std::fs::write(dir.join("package-lock.json"), &wanted)?;
    Cmd::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .run()
        .context("npm ci of web/tests/package.json")?;
    std::fs::write(&stamp, &wanted)?;
    Ok(modules)
}

/// Sizes of a built module, for the bundle report.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct WasmSizes {
    /// The whole file.
    pub(crate) total: usize,
    /// The code section (function bodies).
    pub(crate) code: usize,
    /// The data section (static tables, strings, the root certificates).
    pub(crate) data: usize,
    /// Custom sections (names, producers).
    pub(crate) custom: usize,
}

/// Reads the section table of a wasm module.
pub(crate) fn wasm_sizes(module: &[u8]) -> Result<WasmSizes> {
    if module.get(..4) != Some(b"\0asm") {
        bail!("not a wasm module");
    }
    let mut sizes = WasmSizes { total: module.len(), ..WasmSizes::default() };
    let mut at = 8;
    while at < module.len() {
        let id = module[at];
        at += 1;
        let (len, used) = leb128(&module[at..]).context("bad section length")?;
        at += used;
        match id {
            0 => sizes.custom += len,
            10 => sizes.code += len,
            11 => sizes.data += len,
            _ => {}
        }
        at = at.checked_add(len).filter(|&end| end <= module.len()).context("section past the end")?;
    }
    Ok(sizes)
}

/// An unsigned LEB128 number and the bytes it took.
fn leb128(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for (i, b) in bytes.iter().take(5).enumerate() {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Standard base64 with padding (for the module embedded in a script).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `text` as a JavaScript string literal (JSON rules, plus U+2028/2029 escaped).
pub(crate) fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn gzip_size(path: &Path) -> Option<usize> {
    let out = std::process::Command::new("gzip").args(["-9", "-c"]).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len())
}

fn kib(n: usize) -> String {
    format!("{:.0} KiB", n as f64 / 1024.0)
}

/// `cargo xtask web`: builds `web/pkg` (release wasm, wasm-bindgen, wasm-opt when npm
/// is there, the embedded script) and prints the bundle size.
pub(crate) fn build(root: &Path) -> Result<()> {
    let started = Instant::now();
    tools::ensure_wasm_target()?;
    let bindgen_dir = tools::ensure_wasm_bindgen_cli(root)?;
    Cmd::new("cargo")
        .current_dir(root)
        .args(["build", "-p", "mxray-wasm", "--target", "wasm32-unknown-unknown", "--profile", PROFILE])
        .arg("--locked")
        .run()?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target_dir = if target_dir.is_absolute() { target_dir } else { root.join(target_dir) };
    let built = target_dir.join("wasm32-unknown-unknown").join(PROFILE).join("mxray_wasm.wasm");
    let pkg = root.join(PKG);
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg).with_context(|| format!("clearing {}", pkg.display()))?;
    }
    std::fs::create_dir_all(&pkg)?;
    Cmd::new(&bindgen_dir.join("wasm-bindgen").to_string_lossy())
        .args(["--target", "no-modules", "--no-typescript", "--out-name", "mxray_wasm", "--out-dir"])
        .arg(&pkg)
        .arg(&built)
        .run()?;
    let module = pkg.join("mxray_wasm_bg.wasm");
    let before = std::fs::metadata(&module)?.len() as usize;
    match ensure_node_tools(root) {
        Ok(modules) => {
            let opt = modules.join(".bin/wasm-opt");
            let tmp = pkg.join("mxray_wasm_opt.wasm");
            Cmd::new(&opt.to_string_lossy())
                .args([
                    "-Oz",
                    "--enable-bulk-memory",
                    "--enable-nontrapping-float-to-int",
                    "--enable-sign-ext",
                ])
                .args(["--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"])
                .arg(&module)
                .arg("-o")
                .arg(&tmp)
                .run()?;
            std::fs::rename(&tmp, &module)?;
        }
        Err(e) => println!("warning: wasm-opt skipped ({e:#}); the module is larger than it needs to be"),
    }
    let bytes = std::fs::read(&module)?;
    let glue = std::fs::read_to_string(pkg.join("mxray_wasm.js"))?;
    let embed = format!(
        "// Generated by `cargo xtask web`; do not edit. The wasm-bindgen glue (--target no-modules)\n\
         // and the module's bytes, for the page's Blob worker: no fetch, so it works from file://\n\
         // and under connect-src 'none'.\n\
         self.MXRAY_GLUE = {};\nself.MXRAY_WASM_BASE64 = \"{}\";\n",
        js_string(&glue),
        base64(&bytes)
    );
    std::fs::write(pkg.join("mxray_embed.js"), embed)?;

    let sizes = wasm_sizes(&bytes)?;
    println!("\nweb/pkg built in {:.1}s", started.elapsed().as_secs_f64());
    println!(
        "  mxray_wasm_bg.wasm  {} ({} bytes; before wasm-opt {}), gzip -9 {}",
        kib(sizes.total),
        sizes.total,
        kib(before),
        gzip_size(&module).map_or_else(|| "?".into(), kib)
    );
    println!(
        "    code section {}, data section {}, custom {}",
        kib(sizes.code),
        kib(sizes.data),
        kib(sizes.custom)
    );
    let embed_path = pkg.join("mxray_embed.js");
    println!(
        "  mxray_embed.js      {} (glue + base64), gzip -9 {}",
        kib(std::fs::metadata(&embed_path)?.len() as usize),
        gzip_size(&embed_path).map_or_else(|| "?".into(), kib)
    );
    let target = 1_500_000;
    println!(
        "  {} wasm bundle {} bytes (target <= {target} before compression)",
        if sizes.total <= target { "PASS" } else { "FAIL" },
        sizes.total
    );
    Ok(())
}

/// The MIME type the static server sends for a file name.
pub(crate) fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "pem" => "application/x-pem-file",
        _ => "application/octet-stream",
    }
}

/// The file under `dir` that a request path names, if it is a plain relative path:
/// percent-decoded, no `..`, no hidden files, `/` meaning `index.html`.
pub(crate) fn resolve(dir: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let mut decoded = Vec::with_capacity(path.len());
    let mut bytes = path.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            decoded.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            decoded.push(b);
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    let relative = decoded.strip_prefix('/')?;
    if relative.contains('\0') || relative.contains('\\') {
        return None;
    }
    let relative = Path::new(relative);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(n) if !n.to_string_lossy().starts_with('.')))
    {
        return None;
    }
    let file = dir.join(relative);
    Some(if file.is_dir() { file.join("index.html") } else { file })
}

/// Answers one HTTP/1.1 request (GET or HEAD) on `stream` and closes it.
fn handle(dir: &Path, mut stream: TcpStream) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Skip the rest of the head (bounded).
    let mut head = 0;
    loop {
        let mut line = String::new();
        let n = reader.by_ref().take(8192).read_line(&mut line)?;
        head += n;
        if n == 0 || line == "\r\n" || line == "\n" || head > 64 * 1024 {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let respond = |stream: &mut TcpStream, status: &str, mime: &str, body: &[u8], send_body: bool| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\n\
             X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        if send_body {
            stream.write_all(body)?;
        }
        stream.flush()
    };
    if method != "GET" && method != "HEAD" {
        respond(&mut stream, "405 Method Not Allowed", "text/plain", b"GET or HEAD only\n", true)?;
        return Ok(());
    }
    match resolve(dir, target).and_then(|file| std::fs::read(&file).ok().map(|body| (file, body))) {
        Some((file, body)) => respond(&mut stream, "200 OK", mime_type(&file), &body, method == "GET")?,
        None => respond(&mut stream, "404 Not Found", "text/plain", b"not found\n", method == "GET")?,
    }
    Ok(())
}

/// Serves `dir` on 127.0.0.1:`port` (0: any free port) from a background thread; returns
/// the address. The thread lives as long as the process.
pub(crate) fn start_server(dir: PathBuf, port: u16) -> Result<SocketAddr> {
    let listener =
        TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || {
                if let Err(e) = handle(&dir, stream) {
                    eprintln!("serve-web: {e:#}");
                }
            });
        }
    });
    Ok(addr)
}

/// `cargo xtask serve-web [--port N]`: serves `web/` on 127.0.0.1 until interrupted.
pub(crate) fn serve(root: &Path, args: &[String]) -> Result<()> {
    let mut port = 8080;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--port" => {
                let value = it.next().context("--port needs a number")?;
                port = value.parse().with_context(|| format!("--port {value:?} is not a port number"))?;
            }
            other => bail!("unknown serve-web option {other:?}"),
        }
    }
    if !root.join(PKG).join("mxray_embed.js").is_file() {
        println!("note: web/pkg is not built; run `cargo xtask web` first (the page says so too)");
    }
    let addr = start_server(root.join("web"), port)?;
    println!("serving web/ on http://{addr}/ (127.0.0.1 only); Ctrl-C stops");
    loop {
        std::thread::park();
    }
}

/// `cargo xtask web-test`: builds the page, then runs `web/tests/page.test.cjs` in node
/// against headless Chromium, once over `file://` and once over the static server.
pub(crate) fn test(root: &Path) -> Result<()> {
    tools::ensure_debian_packages(WEB_TEST_PACKAGES)?;
    build(root)?;
    let modules = ensure_node_tools(root)?;
    let addr = start_server(root.join("web"), 0)?;
    let artifacts = root.join("target/web-test");
    std::fs::create_dir_all(&artifacts)?;
    let started = Instant::now();
    Cmd::new("node")
        .current_dir(root)
        .args(["--test", "--test-reporter=spec", "web/tests/page.test.cjs"])
        .env("MXRAY_WEB_URL", format!("http://{addr}/"))
        .env("MXRAY_WEB_DIR", root.join("web"))
        .env("MXRAY_NODE_MODULES", &modules)
        .env("MXRAY_ARTIFACTS", &artifacts)
        .env("CHROMIUM", "/usr/bin/chromium")
        .run()
        .context("the browser tests failed (screenshots in target/web-test/)")?;
    println!("browser tests took {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in cases {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn js_strings_escape_quotes_controls_and_script_ends() {
        assert_eq!(js_string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(js_string("</script>\u{2028}\u{1}"), r#""\u003c/script>\u2028\u0001""#);
    }

    #[test]
    fn requests_resolve_only_inside_the_served_directory() {
        let dir = crate::root().join("web");
        assert_eq!(resolve(&dir, "/"), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, "/app.js?v=1"), Some(dir.join("app.js")));
        assert_eq!(resolve(&dir, "/pkg/mxray%5Fembed.js"), Some(dir.join("pkg/mxray_embed.js")));
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/a/../../x",
            "relative",
            "/.git/config",
            "/%zz",
            "/a\\b",
        ] {
            assert_eq!(resolve(&dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn mime_types_include_wasm() {
        assert_eq!(mime_type(Path::new("x/mxray_wasm_bg.wasm")), "application/wasm");
        assert_eq!(mime_type(Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(mime_type(Path::new("app.js")), "text/javascript; charset=utf-8");
        assert_eq!(mime_type(Path::new("style.css")), "text/css; charset=utf-8");
    }

    #[test]
    fn the_section_table_of_a_small_module_is_read() {
        // magic, version, a type section (id 1, 4 bytes), a code section (id 10, 2 bytes),
        // a custom section (id 0, 3 bytes).
        let module = [0, b'a', b's', b'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 10, 2, 0, 0, 0, 3, 1, b'x', 0];
        let sizes = wasm_sizes(&module).unwrap();
        assert_eq!(sizes, WasmSizes { total: module.len(), code: 2, data: 0, custom: 3 });
        assert!(wasm_sizes(&module[..module.len() - 1]).is_err());
        assert!(wasm_sizes(b"\x7fELF").is_err());
    }

    #[test]
    fn the_server_answers_get_head_404_and_refuses_other_methods() {
        let addr = start_server(crate::root().join("web"), 0).unwrap();
        let ask = |request: &str| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(request.as_bytes()).unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        };
        let page = ask("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(page.contains("Content-Type: text/html; charset=utf-8"));
        assert!(page.contains("Content-Security-Policy"), "the page carries its CSP");
        let head = ask("HEAD /style.css HTTP/1.1\r\n\r\n");
        assert!(head.contains("text/css") && head.ends_with("\r\n\r\n"), "{head}");
        assert!(ask("GET /../Cargo.toml HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(ask("GET /nothing-here HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(ask("POST / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
    }
}
