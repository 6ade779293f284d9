# idiom: httpx.AsyncClient calling an ASGI app in-process (ASGITransport) — HTTPX docs, "Async Support" (Calling into Python Web Apps)
# needs: httpx
import asyncio

import httpx


async def app(scope, receive, send):
    assert scope["type"] == "http"
    body = f"Hello from {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        r = await client.get("/greet")
    print(r.status_code, r.text)

asyncio.run(main())
