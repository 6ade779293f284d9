# idiom: add_reader resolving a future inside a coroutine (wait for data on a socket) — Python docs, "Register an open socket to wait for data using streams/protocols" (add_reader variant)
import asyncio
import socket


async def wait_for_data():
    loop = asyncio.get_running_loop()
    rsock, wsock = socket.socketpair()
    fut = loop.create_future()
    loop.add_reader(rsock, lambda: fut.done() or fut.set_result(rsock.recv(100)))
    loop.call_soon(wsock.send, b"abc")
    data = await fut
    loop.remove_reader(rsock)
    print("Received:", data.decode())
    rsock.close()
    wsock.close()

asyncio.run(wait_for_data())
