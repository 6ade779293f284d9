# idiom: anyio memory object streams between two tasks — AnyIO docs, "Streams" (memory object streams)
# needs: anyio
import anyio


async def process_items(receive_stream):
    async with receive_stream:
        async for item in receive_stream:
            print("received", item)


async def main():
    send_stream, receive_stream = anyio.create_memory_object_stream[str]()
    async with anyio.create_task_group() as tg:
        tg.start_soon(process_items, receive_stream)
        async with send_stream:
            for num in range(3):
                await send_stream.send(f"number {num}")

anyio.run(main)
