"""What converting a record costs, and the least it could cost with typed C decoding.

Issue 19 asks for the tap's CPU at 1.25x a bare fetch/parse/write loop. The bare loop
converts nothing; the tap turns money strings into exact decimals, Central timestamps
into UTC and loose codes and flags into their types. This script measures the per-record
CPU of that work, without HTTP, pacing or start-up, so the remaining gap can be split:

- ``bare``: decode each page, encode one RECORD message per record (the bare loop's work);
- ``tap``: the page loop's work: decode, unwrap, ``post_process`` (the compiled
  converter of ``coerce.py``) and ``encode_records``;
- ``tap, no conversion``: the same with ``post_process`` skipped (records written raw);
- ``typed floor``: a bound on conversion in C: each page decoded by msgspec straight into
  a ``Struct`` built from the stream's schema (strings, integers, booleans and exact
  decimals converted by msgspec; a field whose values do not fit is relaxed to ``Any``
  and converted in Python by the tap's own converter), timestamps, dates and nested
  fields converted by the tap's own converters, then encoded.

The floor is not a converter the tap could ship as is: msgspec's ``Decimal`` accepts
``"NaN"`` and reads JSON numbers exactly (the tap quarantines the first and reads the
second through a float), and an unknown field stops the decoding (the tap keeps it in
``_extra_fields``): a production version pays for checks this one skips. It prints
whether its records equal the tap's on this data.

Each variant runs in a fresh process over the same saved pages (caches start cold, as in
a tap run, where every record is seen once); variants alternate and the figures are
medians (min-max) with the load average.

Usage: .venv/bin/python benchmarks/conversion_floor.py [--customers 5700] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STREAMS = ["orders", "items", "subscriptions"]
KEY = "bench-key-0123456789"
VARIANTS = ["bare", "tap", "tap, no conversion", "typed floor"]


def save_pages(customers: int, path: Path) -> int:
    """Every page of ``STREAMS`` from the fake API, as the bytes it sent; returns records."""
    import msgspec
    import requests

    from fake_ordergroove.dataset import Dataset
    from fake_ordergroove.server import FakeOrdergroove

    fake = FakeOrdergroove(Dataset(seed=42, customers=customers), api_keys=(KEY,))
    fake.start()
    pages: dict[str, list[bytes]] = {}
    records = 0
    try:
        session = requests.Session()
        session.headers.update({"x-api-key": KEY, "X-OG-API-VERSION": "2"})
        for name in STREAMS:
            url: str | None = f"{fake.url}/{name}/?page_size=100"
            pages[name] = []
            while url:
                body = session.get(url, timeout=60).content
                pages[name].append(body)
                page = msgspec.json.decode(body)
                records += len(page["results"])
                url = page["next"]
    finally:
        fake.stop()
    path.write_bytes(pickle.dumps(pages))
    return records


# The measured child ---------------------------------------------------------------------


def _tap_streams() -> dict:
    from tap_ordergroove.tap import TapOrdergroove

    tap = TapOrdergroove(
        config={"api_key": KEY, "base_url": "http://127.0.0.1:9"}, parse_env_config=False
    )
    return tap.streams


def _typed_decoder(stream, pages: list[bytes]):
    """A msgspec decoder of ``stream``'s pages into Structs, and the Python fix-ups.

    Fields start with msgspec's strict native type; a field whose values do not fit on
    these pages is relaxed to ``Any`` and converted by the tap's converter instead.
    """
    import msgspec
    from msgspec import UNSET, UnsetType

    from tap_ordergroove.coerce import EXTRA_FIELDS, to_string

    converter = stream.converter
    properties = {k: v for k, v in stream.schema["properties"].items() if k != EXTRA_FIELDS}
    native = {"number": Decimal, "integer": int, "boolean": bool}
    relaxed: set[str] = set()
    while True:
        fields, lines = [], ["def fix(records):", "    for r in records:", "        pass"]
        names: dict = {"UNSET": UNSET, "sink": converter, "to_string": to_string}
        for i, (name, spec) in enumerate(properties.items()):
            f, kinds = f"f{i}", set(spec.get("type", [])) - {"null"}
            names[f"c{i}"] = converter._nested.get(name) or converter.fields[name]
            if name in relaxed or name in converter._nested or "object" in kinds:
                fields.append((f, t.Any, UNSET))
                if name in converter._nested:
                    check, call = "v is not None and v is not UNSET", f"c{i}(v, {name!r}, sink)"
                elif converter.fields[name] is None:  # text sent as another type
                    check, call = "v is not None and v is not UNSET", "to_string(v)"
                    check += " and v.__class__ is not str"
                else:
                    check, call = "v is not None and v is not UNSET", f"c{i}(v)"
            elif kinds & native.keys():
                fields.append((f, native[min(kinds & native.keys())] | None | UnsetType, UNSET))
                continue
            else:  # text, and timestamps and dates by the tap's own converters
                fields.append((f, str | None | UnsetType, UNSET))
                if converter.fields[name] is None:
                    continue
                check, call = "v.__class__ is str", f"c{i}(v)"
            lines += [f"        v = r.{f}", f"        if {check}:", f"            r.{f} = {call}"]
        record = msgspec.defstruct(
            f"{stream.name}_record",
            fields,
            forbid_unknown_fields=True,
            rename={f"f{i}": name for i, name in enumerate(properties)},
        )
        envelope = msgspec.defstruct(
            "envelope", [("results", list[record]), ("next", str | None, None)]
        )
        decoder = msgspec.json.Decoder(envelope)
        try:
            for body in pages:
                decoder.decode(body)
        except msgspec.ValidationError as exc:  # "... - at `$.results[3].live`"
            field = str(exc).rsplit(".", 1)[-1].strip("`")
            if field not in properties or field in relaxed:
                raise
            relaxed.add(field)
            continue
        exec(compile("\n".join(lines), f"<fix {stream.name}>", "exec"), names)
        return decoder, names["fix"], sorted(relaxed)


def measure(variant: str, pages_file: Path, out_file: Path | None) -> dict:
    """CPU seconds of one variant's loop over every saved page (a fresh process each)."""
    import msgspec
    from singer_sdk.contrib.msgspec import encoder
    from singer_sdk.helpers._util import utc_now

    from tap_ordergroove.rest.envelope import unwrap
    from tap_ordergroove.rest.page_loop import encode_records

    pages = pickle.loads(pages_file.read_bytes())
    streams = _tap_streams()
    sink = (out_file or Path(os.devnull)).open("wb")
    decode = msgspec.json.decode
    relaxed: dict[str, list[str]] = {}
    typed = {}
    if variant == "typed floor":  # built (and relaxed) before the clock starts
        for name in STREAMS:
            decoder, fix, relaxed[name] = _typed_decoder(streams[name], pages[name])
            typed[name] = (decoder, fix)
    records = 0
    started = time.process_time()
    for name in STREAMS:
        if variant == "bare":
            for body in pages[name]:
                for record in decode(body)["results"]:
                    sink.write(encoder.encode({"type": "RECORD", "stream": name, "record": record}))
                    sink.write(b"\n")
                    records += 1
            continue
        post_process = streams[name].post_process
        for body in pages[name]:
            if variant == "typed floor":
                decoder, fix = typed[name]
                rows = decoder.decode(body).results
                fix(rows)
            else:
                rows = unwrap(decode(body), name).results
                if variant == "tap":
                    rows = [post_process(row) for row in rows]
            sink.write(encode_records(rows, name, None, utc_now()))
            records += len(rows)
    cpu = time.process_time() - started
    sink.close()
    return {"cpu": cpu, "records": records, "relaxed": relaxed}


# The parent ------------------------------------------------------------------------------


def same_records(a: Path, b: Path) -> str:
    """Do two outputs hold the same records, compared as JSON values (numbers exact)?"""

    def read(path: Path) -> list[dict]:
        rows = []
        for line in path.read_bytes().splitlines():
            message = json.loads(line, parse_float=Decimal)
            rows.append((message["stream"], message["record"]))
        return rows

    left, right = read(a), read(b)
    differ = sum(x != y for x, y in zip(left, right, strict=False)) + abs(len(left) - len(right))
    return "identical" if not differ else f"DIFFERENT in {differ:,} records"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5700)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:  # the measured child
        print(json.dumps(measure(args.variant, args.pages, args.out)))
        return
    from bench import spread  # benchmarks/bench.py, beside this script

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        pages = directory / "pages.pickle"
        total = save_pages(args.customers, pages)
        results: dict[str, list[dict]] = {name: [] for name in VARIANTS}
        for round_ in range(args.rounds):
            for name in VARIANTS[round_ % 4 :] + VARIANTS[: round_ % 4]:
                out = directory / f"{VARIANTS.index(name)}.jsonl" if round_ == 0 else None
                command = [sys.executable, __file__, "--variant", name, "--pages", str(pages)]
                command += ["--out", str(out)] if out else []
                done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
                result = json.loads(done.stdout)
                result["load"] = os.getloadavg()[0]
                results[name].append(result)
        check = same_records(directory / "1.jsonl", directory / "3.jsonl")
    print(
        f"Conversion per record: {total:,} records of {', '.join(STREAMS)} from saved pages "
        f"(no HTTP, no start-up); {args.rounds} alternating rounds, median (min-max)"
    )
    print(f"   {'':20}{'CPU s':>20}{'us/record':>22}{'/ bare':>8}{'load avg':>20}")
    bare = statistics.median(r["cpu"] for r in results["bare"])
    for name in VARIANTS:
        runs = results[name]
        cpu = [r["cpu"] for r in runs]
        print(
            f"   {name:20}{spread(cpu, '{:.3f}'):>20}"
            f"{spread([c / total * 1e6 for c in cpu], '{:.1f}'):>22}"
            f"{statistics.median(cpu) / bare:>7.2f}x{spread([r['load'] for r in runs]):>20}"
        )
    relaxed = results["typed floor"][0]["relaxed"]
    print(f"   typed floor: fields relaxed to Python conversion: {relaxed}")
    print(f"   typed floor records vs the tap's converter: {check}")


if __name__ == "__main__":
    main()
