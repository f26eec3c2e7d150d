"""Writing a handling marking into a PDF, run as a separate process:

    python -I mark_worker.py SOURCE TARGET --max-objects N   (the metadata as JSON on stdin)

Prints one JSON object on stdout: {"status": "done"} or {"status": "failed", "reason": ...}.
The parent (storage/mark.py) starts it with memory and CPU limits and a wall-clock
timeout: rewriting a PDF costs time in proportion to its objects, and pypdf has had
infinite-loop and memory bugs on crafted files, so this never runs in the web worker.
Only the standard library and pypdf are imported (the child starts fast).
"""

from __future__ import annotations

import argparse
import json
import sys


def object_count(reader) -> int:
    """Objects listed in the cross-reference tables and object streams (nothing is parsed)."""
    return sum(len(numbers) for numbers in reader.xref.values()) + len(reader.xref_objStm)


def mark(source: str, target: str, metadata: dict[str, str], max_objects: int) -> dict:
    from pypdf import PdfReader, PdfWriter  # lazy: heavy, loaded only in the marking child process

    reader = PdfReader(source)
    count = object_count(reader)
    if count > max_objects:
        return {"status": "failed", "reason": f"{count} objects, more than {max_objects}"}
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata(metadata)
    with open(target, "wb") as fh:
        writer.write(fh)
    return {"status": "done"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--max-objects", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        metadata = json.loads(sys.stdin.read())
        result = mark(args.source, args.target, metadata, args.max_objects)
    except Exception as error:  # a damaged or crafted PDF: reported, the parent sends the stored file
        result = {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:500]}
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
