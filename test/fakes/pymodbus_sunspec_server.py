"""A Modbus TCP server on pymodbus, an independent peer for Sunplug's Modbus/SunSpec interop tests.

Run with Debian's interpreter (Debian's python3-pymodbus is importable only there):

    /usr/bin/python3 test/fakes/pymodbus_sunspec_server.py PORT MAP.json

MAP.json: {"units": {"1": [[40000, [21365, 28243, ...]], ...], "240": [...]}}: per unit id, blocks of holding
registers as [start address, [words]]; input registers answer the same. Addresses are protocol addresses
(zero_mode=True: no +1 shift). Addresses outside the blocks answer exception 2; unknown units get no reply.

PORT 0 picks a free port. Prints "READY <port>" once listening. Each stdin line
{"unit": U, "address": A, "values": [...]} updates registers and prints "OK". Exits on stdin EOF (so the server dies
with the test process) or SIGTERM.
"""
import asyncio
import json
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.server.async_io import ModbusTcpServer


def build_context(register_map):
    slaves = {}
    for unit, blocks in register_map["units"].items():
        values = {}
        for start, words in blocks:
            for i, word in enumerate(words):
                if not 0 <= int(word) <= 0xFFFF:
                    raise ValueError(f"unit {unit} register {start + i}: {word} is not a 16-bit word")
                values[int(start) + i] = int(word)
        registers = ModbusSparseDataBlock(values)
        slaves[int(unit)] = ModbusSlaveContext(hr=registers, ir=registers, zero_mode=True)
    return ModbusServerContext(slaves=slaves, single=False)


async def read_commands(context):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        command = json.loads(line)
        context[int(command["unit"])].setValues(3, int(command["address"]), [int(v) for v in command["values"]])
        print("OK", flush=True)


async def main():
    port = int(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as file:
        context = build_context(json.load(file))
    server = ModbusTcpServer(context, address=("127.0.0.1", port), allow_reuse_address=True)
    serving = asyncio.create_task(server.serve_forever())
    await server.serving
    print(f"READY {server.server.sockets[0].getsockname()[1]}", flush=True)
    try:
        await read_commands(context)
    finally:
        await server.server_close()
        serving.cancel()


if __name__ == "__main__":
    asyncio.run(main())
