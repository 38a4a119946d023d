#!/usr/bin/env python3
"""JSON chat clients for hubbub's /chat, written the way chat exercises write them, next to a
line client (first line: the name).

Usage: json_chat_client.py ws://localhost:8765
"""
import asyncio
import json
import sys

import websockets

BASE = sys.argv[1] if len(sys.argv) > 1 else "ws://localhost:8765"


async def receive(websocket, wanted):
    """The next JSON message whose type is `wanted`, skipping the others."""
    while True:
        data = json.loads(await websocket.recv())
        if data["type"] == wanted:
            return data


async def main():
    async with websockets.connect(f"{BASE}/chat") as ann:
        await ann.send(json.dumps({"type": "join", "username": "Ann"}))
        users = await receive(ann, "users")
        print("ann users:", sorted(users["users"]))

        async with websockets.connect(f"{BASE}/chat") as bea:
            await bea.send(json.dumps({"type": "join", "username": "Bea"}))
            joined = await receive(ann, "join")
            print("ann got:", joined)

            async with websockets.connect(f"{BASE}/chat") as lou:
                await lou.send("Lou")
                print("ann got:", await receive(ann, "join"))

                await ann.send(json.dumps({"type": "typing", "username": "Ann"}))
                print("bea got:", await receive(bea, "typing"))
                await ann.send(json.dumps({"type": "stop_typing", "username": "Ann"}))
                print("bea got:", await receive(bea, "stop_typing"))

                await ann.send(json.dumps({"type": "message", "text": "Hello from JSON"}))
                message = await receive(bea, "message")
                print("bea got:", message["username"], message["text"], "timestamp" in message)
                print("lou got:", await lou.recv())

                await lou.send("Hello from a line")
                message = await receive(ann, "message")
                while message["username"] != "Lou":
                    message = await receive(ann, "message")
                print("ann got:", message["username"], message["text"])

                await ann.send("this is not JSON")
                print("ann got:", await receive(ann, "error"))

            left = await receive(ann, "leave")
            print("ann got:", left)


asyncio.run(main())
