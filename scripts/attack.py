"""The attacks of `scripts/attack` (which builds the demo and runs this): see that script."""

import argparse
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time

# Prometheus 3's scrape headers.
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
    "application/openmetrics-text;version=0.0.1;q=0.4,"
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
    "text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
)
TICK = os.sysconf("SC_CLK_TCK")

ATTACKS = ["none", "keepalive", "slowloris", "slowloris600", "gzip", "nonreaders"]


class Demo:
    """A fresh demo server on a free port of 127.0.0.1."""

    def __init__(self, binary, pad_mb):
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--pad-mb", str(pad_mb)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", line)
            if found:
                self.port = int(found.group(1))
                break
            if not line and self.proc.poll() is not None:
                sys.exit("attack: the demo exited before serving")
        else:
            sys.exit("attack: the demo printed no URL")
        # The rest of its output is not read: close our end so it never blocks on a full pipe.
        self.proc.stdout.close()

    @property
    def pid(self):
        return self.proc.pid

    def status(self, field):
        """A field of /proc/PID/status, in MiB for the memory ones."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def connect(port, timeout):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_answer(reader):
    """Reads one answer from a buffered socket reader: (status, body length)."""
    status = reader.readline()
    if not status:
        raise ConnectionError("closed before an answer")
    length = 0
    while True:
        line = reader.readline()
        if not line:
            raise ConnectionError("closed in the answer's head")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    left = length
    while left > 0:
        chunk = reader.read(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("closed in the answer's body")
        left -= len(chunk)
    return int(status.split()[1]), length


def request(port, path, headers, timeout):
    """One request on a new connection: (status, body length); raises on error or timeout."""
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    deadline = time.monotonic() + timeout
    with connect(port, timeout) as sock:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        sock.sendall(head.encode())
        with sock.makefile("rb") as reader:
            return read_answer(reader)


class Series:
    """Latencies (s) and failures of one kind of request."""

    def __init__(self):
        self.latencies = []
        self.failures = 0
        self.lock = threading.Lock()

    def add(self, latency, ok):
        with self.lock:
            if ok:
                self.latencies.append(latency)
            else:
                self.failures += 1

    def summary(self):
        lat = sorted(self.latencies)

        def pct(p):
            return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else None

        return {
            "ok": len(lat),
            "failed": self.failures,
            "p50_ms": ms(pct(0.50)),
            "p99_ms": ms(pct(0.99)),
            "max_ms": ms(lat[-1] if lat else None),
        }


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def legit_scraper(port, stop, series):
    """Scrapes once a second with Prometheus' headers, on a new connection each time; a scrape
    that takes longer delays the next one, as Prometheus' do."""
    next_at = time.monotonic()
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, _ = request(
                port,
                "/metrics",
                [("Accept", PROMETHEUS_ACCEPT), ("Accept-Encoding", "gzip")],
                timeout=10,
            )
            series.add(time.monotonic() - started, status == 200)
        except OSError:
            series.add(time.monotonic() - started, False)
        next_at = max(next_at + 1, time.monotonic())
        stop.wait(next_at - time.monotonic())


def health_probe(port, stop, series):
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, _ = request(port, "/health", [], timeout=5)
            series.add(time.monotonic() - started, status == 200)
        except OSError:
            series.add(time.monotonic() - started, False)
        stop.wait(0.1)


class Counter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def inc(self):
        with self.lock:
            self.value += 1


class Tally:
    """What the attackers of one attack got: connections made, answers read."""

    def __init__(self):
        self.connections = Counter()
        self.answers = Counter()


def closed(sock):
    """Whether the server closed (or reset) the connection; unread data does not count."""
    poller = select.poll()
    poller.register(sock, select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(0))


def keepalive(port, stop, i, n, tally):
    """A keep-alive connection sending `GET /health` every 5 s (the n of them spread evenly)."""
    stop.wait(5 * i / n)
    while not stop.is_set():
        try:
            with connect(port, 10) as sock, sock.makefile("rb") as reader:
                tally.connections.inc()
                sock.settimeout(15)
                while not stop.is_set():
                    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    read_answer(reader)
                    tally.answers.inc()
                    stop.wait(5)
        except OSError:
            pass


def slowloris(port, stop, i, n, tally):
    """A connection sending one byte of a request head a second, never ending it."""
    stop.wait(i / n)
    while not stop.is_set():
        try:
            with connect(port, 10) as sock:
                tally.connections.inc()
                sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                while not stop.wait(1):
                    if closed(sock):
                        break
                    sock.sendall(b"x")
        except OSError:
            pass


def gzip_pipeline(port, stop, i, n, tally):
    """A connection pipelining gzip scrapes, 8 at a time, reading the answers."""
    batch = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n" * 8
    while not stop.is_set():
        try:
            with connect(port, 10) as sock, sock.makefile("rb") as reader:
                tally.connections.inc()
                sock.settimeout(60)
                while not stop.is_set():
                    sock.sendall(batch)
                    for _ in range(8):
                        read_answer(reader)
                        tally.answers.inc()
        except OSError:
            pass


def nonreader(port, stop, i, n, tally):
    """A connection that sends a scrape and never reads the answer; after 5 s, or once the server
    closed it, the same on a new connection (the n of them spread evenly over the 5 s)."""
    stop.wait(5 * i / n)
    while not stop.is_set():
        try:
            with connect(port, 10) as sock:
                tally.connections.inc()
                sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                until = time.monotonic() + 5
                while not stop.wait(0.2) and time.monotonic() < until:
                    if closed(sock):
                        break
        except OSError:
            pass


PLANS = {
    "none": (None, 0),
    "keepalive": (keepalive, 128),
    "slowloris": (slowloris, 140),
    "slowloris600": (slowloris, 600),
    "gzip": (gzip_pipeline, 4),
    "nonreaders": (nonreader, 128),
}


def run_attack(name, binary, pad_mb, duration):
    attacker, count = PLANS[name]
    demo = Demo(binary, pad_mb)
    try:
        # One scrape first: the figures of a server that has answered (its buffers sized).
        request(demo.port, "/metrics", [("Accept-Encoding", "gzip")], timeout=30)
        rss_before = demo.status("VmRSS")
        cpu_before = demo.cpu_seconds()
        stop, quit_attack = threading.Event(), threading.Event()
        tally = Tally()
        threads = [
            threading.Thread(
                target=attacker, args=(demo.port, quit_attack, i, count, tally), daemon=True
            )
            for i in range(count)
        ] if attacker else []
        for t in threads:
            t.start()
        # The attack settles (every keep-alive connection made, the slow heads started).
        time.sleep(6 if name == "keepalive" else 2)
        scrapes, health = Series(), Series()
        probes = [
            threading.Thread(target=legit_scraper, args=(demo.port, stop, scrapes), daemon=True),
            threading.Thread(target=health_probe, args=(demo.port, stop, health), daemon=True),
        ]
        for t in probes:
            t.start()
        time.sleep(duration)
        stop.set()
        for t in probes:
            t.join(timeout=15)
        peak = demo.status("VmHWM")
        cpu = demo.cpu_seconds() - cpu_before
        fds = demo.fds()
        quit_attack.set()
        for t in threads:
            t.join(timeout=15)
        time.sleep(1)
        return {
            "attack": name,
            "attackers": count,
            "connections_made": tally.connections.value,
            "answers_to_attackers": tally.answers.value,
            "scrapes": scrapes.summary(),
            "health": health.summary(),
            "rss_before_mib": round(rss_before, 1),
            "rss_peak_mib": round(peak, 1),
            "rss_after_mib": round(demo.status("VmRSS"), 1),
            "server_cpu_s": round(cpu, 1),
            "fds_during": fds,
        }
    finally:
        demo.stop()


def run_soak(binary, pad_mb, duration):
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("attack: soak needs wrk (Debian package `wrk`; scripts/setup installs it)")
    demo = Demo(binary, pad_mb)
    try:
        url = f"http://127.0.0.1:{demo.port}/metrics"
        request(demo.port, "/metrics", [], timeout=30)
        before = {"rss_mib": round(demo.status("VmRSS"), 1), "fds": demo.fds()}
        cpu_before = demo.cpu_seconds()
        out = subprocess.run(
            [wrk, "-t2", "-c64", f"-d{int(duration)}s", "--timeout", "10s", "--latency",
             "-H", "Accept-Encoding: gzip", url],
            capture_output=True, text=True, timeout=duration + 60,
        ).stdout
        cpu = demo.cpu_seconds() - cpu_before
        time.sleep(1)
        after = {"rss_mib": round(demo.status("VmRSS"), 1), "fds": demo.fds()}
        # And the server still answers.
        status, _ = request(demo.port, "/metrics", [], timeout=10)
        return {
            "attack": "soak",
            "before": before,
            "after": after,
            "rss_peak_mib": round(demo.status("VmHWM"), 1),
            "server_cpu_s": round(cpu, 1),
            "status_after": status,
            "wrk": out,
        }
    finally:
        demo.stop()


def show(result):
    if result["attack"] == "soak":
        print(
            f"soak: RSS {result['before']['rss_mib']} MiB -> {result['after']['rss_mib']} MiB "
            f"(peak {result['rss_peak_mib']} MiB), fds {result['before']['fds']} -> "
            f"{result['after']['fds']}, server CPU {result['server_cpu_s']} s, "
            f"answer after: {result['status_after']}"
        )
        print("\n".join("  " + line for line in result["wrk"].splitlines()))
        return
    s, h = result["scrapes"], result["health"]
    print(
        f"{result['attack']:<13} scrapes {s['ok']:>3} ok {s['failed']:>3} failed, "
        f"p50 {s['p50_ms']} ms p99 {s['p99_ms']} ms max {s['max_ms']} ms | "
        f"/health {h['ok']:>4} ok {h['failed']:>3} failed, p99 {h['p99_ms']} ms "
        f"max {h['max_ms']} ms | RSS {result['rss_before_mib']} -> peak {result['rss_peak_mib']} "
        f"-> {result['rss_after_mib']} MiB | CPU {result['server_cpu_s']} s | "
        f"attackers: {result['connections_made']} connections, "
        f"{result['answers_to_attackers']} answers"
    )
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(prog="scripts/attack")
    parser.add_argument("--demo", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--pad-mb", type=int, default=16)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("attacks", nargs="*", metavar="ATTACK")
    args = parser.parse_args()
    for name in args.attacks:
        if name not in ATTACKS + ["soak"]:
            parser.error(f"unknown attack `{name}` (one of {', '.join(ATTACKS + ['soak'])})")
    if not 0 < args.duration <= 600:
        sys.exit("attack: --duration is between 0 and 600 seconds")
    threading.stack_size(256 * 1024)
    results = []
    for name in args.attacks or ATTACKS:
        if name == "soak":
            result = run_soak(args.demo, args.pad_mb, args.duration)
        else:
            result = run_attack(name, args.demo, args.pad_mb, args.duration)
        show(result)
        results.append(result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
