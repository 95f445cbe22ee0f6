"""Saves a workflow's event history for replay tests.

    python -m redress.devtools.save_history WORKFLOW_ID tests/histories/NAME.json

Replaying saved histories (tests/integration/test_complaint_workflow.py) proves that a
change to workflow code still reproduces what running complaints did.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from temporalio.client import Client


async def fetch(address: str, namespace: str, workflow_id: str) -> str:
    client = await Client.connect(address, namespace=namespace)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return history.to_json()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workflow_id")
    parser.add_argument("out", type=Path)
    parser.add_argument("--address", default="127.0.0.1:7233")
    parser.add_argument("--namespace", default="default")
    args = parser.parse_args()
    args.out.write_text(asyncio.run(fetch(args.address, args.namespace, args.workflow_id)))
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
