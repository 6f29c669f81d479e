"""A Modbus TCP server on pymodbus, an independent peer for Sunplug's Modbus/SunSpec interop tests.

Run with Debian's interpreter (Debian's python3-pymodbus is importable only there):

    /usr/bin/python3 test/fakes/pymodbus_sunspec_server.py PORT MAP.json [--rtu-framer] [--serial PATH --baud N]

Transports: Modbus TCP by default; `--rtu-framer` serves RTU frames (with CRC, no MBAP header) over TCP, as a
transparent RS-485 gateway does; `--serial PATH --baud N` serves Modbus RTU on a serial device (8N1), e.g. one end of
a socat pseudo-terminal pair (PORT is then ignored and READY prints 0).

MAP.json: {"units": {"1": [[40000, [21365, 28243, ...]], ...], "240": [...]}}: per unit id, blocks of holding
registers as [start address, [words]]; input registers answer the same. Addresses are protocol addresses
(zero_mode=True: no +1 shift). Addresses outside the blocks answer exception 2; unknown units get no reply.

PORT 0 picks a free port. Prints "READY <port>" once listening. Each stdin line
{"unit": U, "address": A, "values": [...]} updates registers and prints "OK". Exits on stdin EOF (so the server dies
with the test process) or SIGTERM.
"""
import argparse
import asyncio
import json
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer


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
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("map")
    parser.add_argument("--rtu-framer", action="store_true")
    parser.add_argument("--serial")
    parser.add_argument("--baud", type=int, default=9600)
    args = parser.parse_args()
    with open(args.map, encoding="utf-8") as file:
        context = build_context(json.load(file))
    if args.serial is not None:
        # A unit id nobody serves gets no reply, as on a real RS-485 bus.
        server = ModbusSerialServer(context, framer=ModbusRtuFramer, port=args.serial, baudrate=args.baud,
                                    bytesize=8, parity="N", stopbits=1, ignore_missing_slaves=True)
        await server.start()
        if server.transport is None:
            raise SystemExit(f"cannot open {args.serial}")
        print("READY 0", flush=True)
        try:
            await read_commands(context)
        finally:
            await server.shutdown()
        return
    framer = ModbusRtuFramer if args.rtu_framer else ModbusSocketFramer
    server = ModbusTcpServer(context, framer=framer, address=("127.0.0.1", args.port), allow_reuse_address=True,
                             ignore_missing_slaves=True)
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
