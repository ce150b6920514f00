#!/usr/bin/env python3
"""Measures what a change costs once many incident pages are open, for `make bench`.

Usage: live-fanout.py HOST PORT SESSION_COOKIE INCIDENT_ID LISTENERS ROUNDS SERVER_PID [CONNECTIONS]

Opens LISTENERS server-sent event streams on /api/live, one per open incident page, then ROUNDS
times adds a note to the incident. Every listener takes the first `incident` event after the
note (or `resync`, after which a page reloads too) and then does what an open incident page
does on it: it fetches the incident, its pages and its post-mortem card again through the same
server functions the page calls. Those requests share CONNECTIONS keep-alive connections
(default 64), so at most that many are in flight; a real browser would use a connection of its
own, but thousands of new connections at once would measure the client, not the server.

Prints, over all rounds: the time from sending the note to each listener hearing of it
(delivery), the time from sending the note to each page having its data again (refetch), and
the CPU time the server process (SERVER_PID, read from /proc) spent per change. The event may
come late (the server may spread the refetches it causes), so nothing here assumes it is
immediate.
"""

import asyncio
import os
import random
import sys
import time
from urllib.parse import urlencode

# What an open incident page fetches again when it hears that its incident changed.
REFETCHES = [
    ("/api/incidents/get", {"incident_id": None, "pinned": "false", "before": ""}),
    ("/api/pages/of-incident", {"incident_id": None}),
    ("/api/post-mortems/of-incident", {"incident_id": None}),
]
ROUND_TIMEOUT_SECONDS = 120
# How long an open page may wait before it reloads after hearing of a change, as in the browser.
SPREAD_SECONDS = 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may contain spaces; the fields after it are fixed.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def open_stream(host: str, port: int, cookie: str):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET /api/live HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: quell_session={cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise SystemExit(f"live stream refused: {head[:80]!r}")
    return reader, writer


async def read_events(reader, heard: asyncio.Queue) -> None:
    """Puts the arrival time of every `incident` or `resync` event on the queue; None at the end."""
    try:
        while line := await reader.readline():
            # Lines of the chunked body are event fields; chunk sizes and blank lines are skipped.
            if line.rstrip() in (b"event: incident", b"event: resync"):
                heard.put_nowait(time.perf_counter())
    except ConnectionError:
        pass
    heard.put_nowait(None)


async def read_response(reader) -> tuple[int, bool]:
    """Reads one HTTP/1.1 response; returns its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding") == b"chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                break
            await reader.readexactly(size + 2)
    else:
        await reader.read()
        return status, False
    return status, headers.get(b"connection") != b"close"


class Connections:
    """A fixed number of keep-alive connections; a request waits for a free one."""

    def __init__(self, host: str, port: int, cookie: str, size: int):
        self.host, self.port, self.cookie, self.size = host, port, cookie, size
        self.idle: asyncio.Queue = asyncio.Queue()

    async def open(self) -> None:
        for connection in await asyncio.gather(*(asyncio.open_connection(self.host, self.port) for _ in range(self.size))):
            self.idle.put_nowait(connection)

    async def post_form(self, path: str, form: dict) -> int:
        body = urlencode(form).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nCookie: quell_session={self.cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        reader, writer = await self.idle.get()
        try:
            try:
                writer.write(request)
                await writer.drain()
                status, keep = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                # The server closed an idle connection; one retry on a new one.
                writer.close()
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(request)
                await writer.drain()
                status, keep = await read_response(reader)
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(self.host, self.port)
        finally:
            self.idle.put_nowait((reader, writer))
        return status

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait()[1].close()


async def add_note(host: str, port: int, cookie: str, incident: int, text: str) -> None:
    body = urlencode({"incident_id": incident, "body": text}).encode()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"POST /api/incidents/notes/add HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: quell_session={cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise SystemExit(f"adding a note failed: {status!r}")
    await reader.read()
    writer.close()


async def page_round(heard: asyncio.Queue, sent: float, connections: Connections, forms: list, statuses: list):
    """One open page: waits for the first event after the note, then fetches what it shows."""
    while True:
        arrived = await heard.get()
        if arrived is None:
            raise SystemExit("a live stream closed early")
        if arrived >= sent:
            break
    # Pages wait a random moment before they reload (app::live::SPREAD_MS).
    await asyncio.sleep(random.random() * SPREAD_SECONDS)
    results = await asyncio.gather(*(connections.post_form(path, form) for path, form in forms))
    statuses += [status for status in results if status != 200]
    return arrived, time.perf_counter()


def summary(label: str, values: list, note: str) -> str:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return f"  {label:34} p50 {pick(0.5):7.2f} ms   p99 {pick(0.99):7.2f} ms   max {values[-1]:7.2f} ms   {note}"


async def main() -> None:
    host, port, cookie = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    incident, listeners, rounds, server_pid = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    pool_size = int(sys.argv[8]) if len(sys.argv) > 8 else 64
    forms = [(path, {key: incident if value is None else value for key, value in form.items()}) for path, form in REFETCHES]
    cpu_seconds(server_pid)  # fails early when the pid is wrong

    streams = []
    for start in range(0, listeners, 100):
        streams += await asyncio.gather(*(open_stream(host, port, cookie) for _ in range(min(100, listeners - start))))
    queues = [asyncio.Queue() for _ in streams]
    readers = [asyncio.create_task(read_events(reader, heard)) for (reader, _), heard in zip(streams, queues)]
    connections = Connections(host, port, cookie, min(pool_size, listeners))
    await connections.open()
    await asyncio.sleep(0.5)

    delivered, refetched, cpu, failed = [], [], [], []
    for n in range(rounds):
        # Events that arrived before this note (there should be none) are not counted for it.
        for heard in queues:
            while not heard.empty():
                heard.get_nowait()
        cpu_before = cpu_seconds(server_pid)
        sent = time.perf_counter()
        pages = [asyncio.create_task(page_round(heard, sent, connections, forms, failed)) for heard in queues]
        await add_note(host, port, cookie, incident, f"Fan-out round {n}")
        finished = await asyncio.wait_for(asyncio.gather(*pages), timeout=ROUND_TIMEOUT_SECONDS)
        cpu.append(cpu_seconds(server_pid) - cpu_before)
        delivered += [(arrived - sent) * 1000 for arrived, _ in finished]
        refetched += [(done - sent) * 1000 for _, done in finished]
        await asyncio.sleep(0.5)

    print(summary(f"live update to {listeners} listeners", delivered, f"(n={len(delivered)}, {rounds} changes)"))
    print(summary(f"refetched by all {listeners} pages", refetched,
                  f"({len(forms)} requests per page over {connections.size} connections"
                  + (f", non-200 {len(failed)})" if failed else ")")))
    mean = sum(cpu) / len(cpu)
    print(f"  {'server CPU per change':34} {mean:.2f} s mean, {mean / listeners * 1000:.2f} ms per page   "
          f"(rounds: {' '.join(f'{seconds:.2f}' for seconds in cpu)} s)")
    for task in readers:
        task.cancel()
    for _, writer in streams:
        writer.close()
    connections.close()


if __name__ == "__main__":
    asyncio.run(main())
