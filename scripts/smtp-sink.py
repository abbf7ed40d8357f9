"""A local SMTP sink for the delivery tests and the throughput bench.

Accepts every message (aiosmtpd), optionally waits --delay-ms before
answering, and prints one line per message received:

    MESSAGE-ID <notification id@carebook>

so a test can count deliveries and duplicates by Message-ID. Prints
"READY" once listening. Stops on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import email.parser
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, delay):
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        headers = email.parser.BytesHeaderParser().parsebytes(envelope.content)
        print("MESSAGE-ID", headers.get("Message-ID", "<none>"), flush=True)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    controller = Controller(Sink(args.delay_ms / 1000.0), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("READY", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
