# idiom: httpx.AsyncClient with a MockTransport handler (no network) — HTTPX docs, "Transports" (Mock transports)
# needs: httpx
import asyncio

import httpx


def handler(request):
    return httpx.Response(200, json={"path": request.url.path, "method": request.method})


async def main():
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        responses = await asyncio.gather(client.get("http://example.test/a"),
                                         client.post("http://example.test/b"))
    for r in responses:
        print(r.status_code, r.json())

asyncio.run(main())
