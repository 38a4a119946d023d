#!/usr/bin/env python3
"""A plain WebSocket client for hubbub's text endpoints, written the way tutorials write them.

Usage: tutorial_client.py [ws://localhost:8765] [--wait-for-go]

With --wait-for-go, the chat part waits for a line on stdin after Alice has named herself, so a
test can hold Bob back until Alice is really in the room.
"""
import asyncio
import sys

import websockets

args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
BASE = args[0] if args else "ws://localhost:8765"
WAIT_FOR_GO = "--wait-for-go" in sys.argv


async def echo():
    async with websockets.connect(f"{BASE}/echo") as websocket:
        await websocket.send("Hello world!")
        print(await websocket.recv())


async def upper():
    async with websockets.connect(f"{BASE}/upper") as websocket:
        await websocket.send("Hello world!")
        print(await websocket.recv())


async def hello():
    async with websockets.connect(f"{BASE}/hello") as websocket:
        await websocket.send("Alice")
        print(await websocket.recv())


async def chat():
    async with websockets.connect(f"{BASE}/chat") as alice:
        await alice.send("Alice")
        if WAIT_FOR_GO:
            await asyncio.to_thread(sys.stdin.readline)
        async with websockets.connect(f"{BASE}/chat") as bob:
            await bob.send("Bob")
            print("alice got:", await alice.recv())
            await bob.send("Hello everyone!")
            print("alice got:", await alice.recv())
            await alice.send("Hi Bob!")
            print("bob got:", await bob.recv())
        print("alice got:", await alice.recv())


async def buzzer():
    async with websockets.connect(f"{BASE}/buzzer") as player1:
        async with websockets.connect(f"{BASE}/buzzer") as player2:
            await player1.send("buzz")
            print(await player1.recv())
            await player2.send("buzz")
            print(await player2.recv())


async def main():
    await echo()
    await upper()
    await hello()
    await chat()
    await buzzer()


asyncio.run(main())
