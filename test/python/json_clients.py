#!/usr/bin/env python3
"""JSON WebSocket clients for hubbub's /counter, /notifications, /dashboard and /draw, sending
exactly what the browser exercises' snippets send.

Usage: json_clients.py BASE SCENARIO [ARGS...]; every received message is printed as one line
(`<who> <json>`), and `ready` once the clients are connected, so a test can act on the other side.

Scenarios:
  counter CLIENTS INCREMENTS   CLIENTS clients each send INCREMENTS increments at once and wait for
                               the value to be INCREMENTS * CLIENTS higher than the first they saw
  listen PATH COUNT            one client prints the first COUNT messages of PATH
  draw                         waits for a line on stdin, draws a three-point line and ends it,
                               then waits for another line before it closes
"""
import asyncio
import json
import sys

import websockets

BASE, SCENARIO, *ARGS = sys.argv[1:]


def say(*parts):
    print(*parts, flush=True)


async def counter(clients, increments):
    sockets = [await websockets.connect(f"{BASE}/counter") for _ in range(clients)]
    firsts = [json.loads(await ws.recv())["value"] for ws in sockets]
    start = max(firsts)
    target = start + clients * increments
    say("ready", start)

    async def click(ws):
        for _ in range(increments):
            await ws.send(json.dumps({"type": "increment"}))

    async def watch(ws):
        value = None
        while value != target:
            data = json.loads(await ws.recv())
            if data["type"] == "counter":
                value = data["value"]
        return value

    watching = [asyncio.create_task(watch(ws)) for ws in sockets]
    await asyncio.gather(*(click(ws) for ws in sockets))
    for value in await asyncio.gather(*watching):
        say("final", value)
    for ws in sockets:
        await ws.close()


async def listen(path, count):
    async with websockets.connect(f"{BASE}{path}") as ws:
        say("ready")
        for _ in range(count):
            say("got", await ws.recv())


async def draw():
    async with websockets.connect(f"{BASE}/draw") as ws:
        say("ready")
        await asyncio.to_thread(sys.stdin.readline)
        await ws.send(json.dumps({"type": "draw_start", "x": 100, "y": 100}))
        await ws.send(json.dumps({"type": "draw_move", "x": 200, "y": 150}))
        await ws.send(json.dumps({"type": "draw_move", "x": 300, "y": 300}))
        await ws.send(json.dumps({"type": "draw_end"}))
        say("drawn")
        await asyncio.to_thread(sys.stdin.readline)


if SCENARIO == "counter":
    asyncio.run(counter(int(ARGS[0]), int(ARGS[1])))
elif SCENARIO == "listen":
    asyncio.run(listen(ARGS[0], int(ARGS[1])))
elif SCENARIO == "draw":
    asyncio.run(draw())
else:
    sys.exit(f"unknown scenario {SCENARIO}")
