"""Letters render in worker processes, never on the follow-up service's event loop.

A template is an administrator's code run for every letter. The sandbox
(services/followup/sandbox.py) bounds what a template can ask for and the
time it may take, and says which line went too far; but a thread cannot be
stopped, and one operation the sandbox did not foresee could still hold a
CPU for minutes. So each letter renders in one of a few worker processes
(`python -m services.followup.rendering`), each with an address-space limit
and a timer that interrupts the template at its time budget; and if a worker
has still not answered a few seconds later, it is killed and replaced, and
the letter is refused as too slow. Meanwhile the service's event loop only
waits on a pipe: health checks and every other request go on.

The protocol is length-prefixed JSON over the worker's stdin and stdout: a
request {"letter": {...}, "context": {...}}, an answer {"rendered": {...}} or
{"problems": [[part, what], ...]}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import struct
import sys
from dataclasses import asdict
from typing import Any, BinaryIO

from redress.platform.errors import Unavailable
from services.followup import templates as tpl
from services.followup.sandbox import RENDER_SECONDS, Budget, out_of_time

log = logging.getLogger(__name__)

# Worker processes per follow-up service; a letter waits for a free one.
RENDER_PROCESSES = 2
# How long a worker may stay silent past the time budget before it is killed.
HARD_STOP_GRACE_SECONDS = 3.0
# A worker's address space: a letter needs a few megabytes, Python about 60.
RENDER_MEMORY_BYTES = 512 * 1024 * 1024
# How long a new worker may take to start (import Python and jinja2) before
# it says it is ready; on a loaded machine that is far longer than a letter
# may take, and it must not count against the first letter's budget.
WORKER_START_SECONDS = 60.0
_HEADER = struct.Struct(">I")
_READY = b"ready\n"


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def ask(self, request: bytes, seconds: float) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(_HEADER.pack(len(request)) + request)
        async with asyncio.timeout(seconds):
            await stdin.drain()
            size = _HEADER.unpack(await stdout.readexactly(_HEADER.size))[0]
            answer: dict[str, Any] = json.loads(await stdout.readexactly(size))
        return answer

    async def ready(self, seconds: float) -> None:
        """Waits for the worker to say it has started."""
        stdout = self.process.stdout
        assert stdout is not None
        async with asyncio.timeout(seconds):
            said = await stdout.readexactly(len(_READY))
        if said != _READY:
            raise ConnectionError("the letter renderer did not start")

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


class LetterRenderer:
    """Renders letters in `processes` worker processes, `seconds` each at most."""

    def __init__(
        self,
        processes: int = RENDER_PROCESSES,
        seconds: float = RENDER_SECONDS,
        memory_bytes: int = RENDER_MEMORY_BYTES,
        grace_seconds: float = HARD_STOP_GRACE_SECONDS,
    ) -> None:
        self.processes = processes
        self.seconds = seconds
        self.memory_bytes = memory_bytes
        self.grace_seconds = grace_seconds
        self._idle: asyncio.Queue[_Worker | None] | None = None
        self._workers: set[_Worker] = set()

    async def render(self, letter: tpl.LetterTemplate, context: dict[str, Any]) -> tpl.Rendered:
        """The letter rendered, or a TemplateProblem that says what went too far."""
        if self._idle is None:
            # Started on first use; None stands for a worker not started yet.
            self._idle = asyncio.Queue()
            for _ in range(self.processes):
                self._idle.put_nowait(None)
        # What it asks of its sender was checked before; the worker renders text.
        text = {k: v for k, v in asdict(letter).items() if k != "asks"}
        request = json.dumps({"letter": text, "context": context}, default=str)
        worker = await self._idle.get()
        answered = False
        try:
            if worker is None or worker.process.returncode is not None:
                worker = await self._start()
            answer = await worker.ask(request.encode(), self.seconds + self.grace_seconds)
            answered = True
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as err:
            log.warning(
                "letter renderer stopped",
                extra={"fields": {"template": letter.name, "why": type(err).__name__}},
            )
            raise tpl.TemplateProblem(
                [
                    (
                        "template_name",
                        f"template {letter.name!r} ({letter.language}) "
                        + (
                            f"takes longer than {self.seconds:g} s to render"
                            if isinstance(err, TimeoutError)
                            else "stopped its renderer (too much memory?)"
                        )
                        + ": simplify it with PutTemplate",
                    )
                ]
            ) from None
        finally:
            if not answered and worker is not None:
                # Stuck, dead or abandoned mid-letter (the caller gone): a
                # worker that may still answer this letter serves no other.
                worker.kill()
                self._workers.discard(worker)
                worker = None
            self._idle.put_nowait(worker)
        if "problems" in answer:
            raise tpl.TemplateProblem([(str(p), str(w)) for p, w in answer["problems"]])
        return tpl.Rendered(**answer["rendered"])

    async def _start(self) -> _Worker:
        # The worker finds this package where this process found it.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.followup.rendering",
            str(self.seconds),
            str(self.memory_bytes),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        worker = _Worker(process)
        self._workers.add(worker)
        try:
            await worker.ready(WORKER_START_SECONDS)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            worker.kill()
            self._workers.discard(worker)
            # Not the template's doing: the caller may try again.
            raise Unavailable("the letter renderer did not start; try again") from None
        return worker

    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.returncode is None]

    async def close(self) -> None:
        for worker in list(self._workers):
            worker.kill()
            await worker.process.wait()
        self._workers.clear()
        self._idle = None


# -- the worker process -------------------------------------------------------


def _serve(seconds: float, memory_bytes: int, inp: BinaryIO, out: BinaryIO) -> None:
    if memory_bytes:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    def interrupt(signum: int, frame: Any) -> None:
        # Raised inside the template's code, so the problem names its line.
        raise out_of_time(seconds)

    signal.signal(signal.SIGALRM, interrupt)
    # Started: from here on a letter's time is the letter's own.
    out.write(_READY)
    out.flush()
    while True:
        header = inp.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        request = json.loads(inp.read(_HEADER.unpack(header)[0]))
        answer: dict[str, Any]
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds + 0.05)
            try:
                rendered = tpl.render(
                    tpl.LetterTemplate(**request["letter"]),
                    request["context"],
                    budget=Budget(seconds),
                )
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            answer = {"rendered": asdict(rendered)}
        except tpl.TemplateProblem as err:
            answer = {"problems": err.problems}
        except (tpl.TemplateLimit, MemoryError) as err:
            what = str(err) or "needs more memory than a letter may use"
            answer = {"problems": [("template_name", f"too much for a letter: {what}")]}
        data = json.dumps(answer).encode()
        out.write(_HEADER.pack(len(data)) + data)
        out.flush()


if __name__ == "__main__":
    # stdout carries answers only; anything printed goes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _serve(float(sys.argv[1]), int(sys.argv[2]), sys.stdin.buffer, answers)
