#!/usr/bin/env python3
"""A real SMTP server for the delivery tests (aiosmtpd): accepts every message and writes each
one, as received, to DIRECTORY/<n>.eml. Prints "ready <port>" once it listens.

Usage: smtp_sink.py DIRECTORY [PORT]   (PORT 0 or absent: any free port)
"""

import asyncio
import socket
import sys
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory: Path):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        head = f"X-Envelope-From: {envelope.mail_from}\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\n"
        path = self.directory / f"{self.count:04d}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(head.encode() + envelope.original_content)
        tmp.rename(path)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    port = int(sys.argv[2]) if len(sys.argv) > 2 and int(sys.argv[2]) else free_port()
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"ready {port}", flush=True)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
