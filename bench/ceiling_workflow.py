"""The fair ceiling's workflow (bench/intake_throughput.py), in a module of its
own: the workflow sandbox imports a workflow's module again for each run, as
it does workflows/complaint.py, and this one imports nothing else."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn
class Ceiling:
    """The round trip intake makes without Redress's work: started by
    update-with-start, its update answered at once, in the sandbox."""

    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def register(self) -> str:
        self.done = True
        return "stored"
