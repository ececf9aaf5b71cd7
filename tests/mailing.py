"""A real SMTP server for the tests (aiosmtpd on a free local port) and the settings that send to it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Mailbox:
    """Every mail the server accepted: (recipients, the parsed message)."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server and its port, stopped on leaving."""
    with socket.socket() as probe:  # a free port (aiosmtpd checks its own port on start, so not 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def mail_settings(port: int) -> str:
    """The ``[mail]`` table of pressroom.toml that sends to the test server on ``port``."""
    return f'\n[mail]\nhost = "127.0.0.1"\nport = {port}\nfrom = "press@example.com"\nstarttls = false\n'
