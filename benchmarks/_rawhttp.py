"""A light HTTP/1.1 load client for the serve benchmark: raw asyncio streams, one keep-alive
connection per client, minimal response parsing (status line, ``Content-Length`` or chunked
body, ``ETag``). It costs the shared CPU much less per request than httpx, so the figures are
more the server's and less the client's."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


class HttpError(Exception):
    """The connection closed or the answer could not be read."""


@dataclass
class Answer:
    status: int
    etag: str
    body: bytes


class Connection:
    """One keep-alive connection to ``host:port``; reopened after the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self.reader, self.writer

    async def get(self, path: str) -> Answer:
        reader, writer = await self._open()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n\r\n".encode(
                "latin-1"
            )
        )
        try:
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            await self.close()
            raise HttpError(f"connection lost: {type(e).__name__}") from None
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = -1
        chunked = close = False
        etag = ""
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"etag":
                etag = value.strip().decode("latin-1")
            elif name == b"connection" and b"close" in value.lower():
                close = True
        try:
            if chunked:
                parts = []
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        await reader.readuntil(b"\r\n")
                        break
                    parts.append(await reader.readexactly(size))
                    await reader.readexactly(2)
                body = b"".join(parts)
            elif length >= 0:
                body = await reader.readexactly(length)
            else:
                body = await reader.read()
                close = True
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            await self.close()
            raise HttpError(f"body cut short: {type(e).__name__}") from None
        if close:
            await self.close()
        return Answer(status, etag, body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except ConnectionError:
                pass
        self.reader = self.writer = None
