#!/usr/bin/env python3
"""Capture a server's plaintext TLS handshake messages through a loopback relay.

Usage: capture_tls.py SERVER_PORT OUT_PREFIX -- openssl s_client ARGS...
The relay listens on 127.0.0.1 (a free port), forwards to 127.0.0.1:SERVER_PORT, and the
client command is run with `-connect 127.0.0.1:RELAY_PORT` appended. The server->client
stream is cut after the STARTTLS reply (or from the first byte for implicit TLS) into TLS
records; handshake messages up to ChangeCipherSpec are written as OUT_PREFIX-N-TYPE.bin
(BODIES, without the 4-byte handshake header). Used for crates/mxray-core/tests/fixtures.
"""
import socket, subprocess, sys, threading

NAMES = {2: "server-hello", 11: "certificate", 12: "server-key-exchange", 13: "certificate-request",
         14: "server-hello-done", 22: "certificate-status"}

def main():
    port, prefix = int(sys.argv[1]), sys.argv[2]
    client = sys.argv[sys.argv.index("--") + 1:]
    lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(1)
    relay_port = lst.getsockname()[1]
    s2c = bytearray()
    def relay():
        c, _ = lst.accept(); s = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.settimeout(10); s.settimeout(10)
        def pump(a, b, rec):
            try:
                while True:
                    d = a.recv(65536)
                    if not d: break
                    if rec is not None: rec.extend(d)
                    b.sendall(d)
            except OSError: pass
            for x in (a, b):
                try: x.shutdown(socket.SHUT_RDWR)
                except OSError: pass
        t = threading.Thread(target=pump, args=(c, s, None)); t.start()
        pump(s, c, s2c); t.join()
    t = threading.Thread(target=relay); t.start()
    subprocess.run(client + ["-connect", f"127.0.0.1:{relay_port}"], input=b"", timeout=20,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.join(20)
    data = bytes(s2c)
    marker = data.find(b"220 2.0.0 Ready to start TLS\r\n")
    if marker >= 0:
        data = data[marker + len(b"220 2.0.0 Ready to start TLS\r\n"):]
    hs, i = bytearray(), 0
    while i + 5 <= len(data):
        typ, ln = data[i], int.from_bytes(data[i + 3:i + 5], "big")
        if typ != 22: break
        hs.extend(data[i + 5:i + 5 + ln]); i += 5 + ln
    j, n = 0, 0
    while j + 4 <= len(hs):
        typ, ln = hs[j], int.from_bytes(hs[j + 1:j + 4], "big")
        body = hs[j + 4:j + 4 + ln]
        name = f"{prefix}-{n}-{NAMES.get(typ, typ)}.bin"
        open(name, "wb").write(body); print(name, len(body))
        j += 4 + ln; n += 1

main()
