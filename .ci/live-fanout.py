#!/usr/bin/env python3
"""Measures how long a change takes to reach many live listeners, for `make bench`.

Usage: live-fanout.py HOST PORT SESSION_COOKIE INCIDENT_ID LISTENERS ROUNDS

Opens LISTENERS server-sent event streams on /api/live, then ROUNDS times adds a note to the
incident and records, for every listener, the time from sending the note to receiving the
`incident` event for it. Prints percentiles over all deliveries.
"""

import asyncio
import sys
import time
from urllib.parse import urlencode


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


async def wait_for(reader, marker: bytes) -> float:
    buffer = b""
    while marker not in buffer:
        chunk = await reader.read(4096)
        if not chunk:
            raise SystemExit("a live stream closed early")
        buffer = buffer[-len(marker):] + chunk
    return time.perf_counter()


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


async def main() -> None:
    host, port, cookie = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    incident, listeners, rounds = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    streams = []
    for start in range(0, listeners, 100):
        streams += await asyncio.gather(*(open_stream(host, port, cookie) for _ in range(min(100, listeners - start))))
    await asyncio.sleep(0.5)
    marker = f"event: incident\ndata: {incident}\n".encode()
    latencies = []
    for n in range(rounds):
        waiting = [asyncio.create_task(wait_for(reader, marker)) for reader, _ in streams]
        await asyncio.sleep(0.05)
        sent = time.perf_counter()
        await add_note(host, port, cookie, incident, f"Fan-out round {n}")
        arrivals = await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
        latencies += [(arrived - sent) * 1000 for arrived in arrivals]
        await asyncio.sleep(0.2)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(
        f"  live update to {listeners} listeners      p50 {pick(0.5):7.2f} ms   p99 {pick(0.99):7.2f} ms   "
        f"max {latencies[-1]:7.2f} ms   (n={len(latencies)}, {rounds} changes)"
    )
    for _, writer in streams:
        writer.close()


if __name__ == "__main__":
    asyncio.run(main())
