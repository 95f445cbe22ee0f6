"""Letters render in worker processes: the service's event loop never waits on
a template, and a worker that does not answer in time is killed and replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from services.followup.rendering import LetterRenderer
from services.followup.templates import LetterTemplate, TemplateProblem, shipped
from tests.unit.test_templates import CONTEXT

ACKNOWLEDGEMENT = next(t for t in shipped() if (t.name, t.language) == ("acknowledgement", "en"))
SLOW = LetterTemplate(
    "slow",
    "en",
    "Re {{ case.case_id }}",
    "Dear customer,\n"
    "{% set x = [0] * 100000 %}\n"
    "{% for i in x %}{% for j in x %}{% endfor %}{% endfor %}",
)


async def _ticks_while(work: asyncio.Future[object] | asyncio.Task[object]) -> int:
    """How many 50 ms ticks the event loop served while `work` ran."""
    ticks = 0
    while not work.done():
        await asyncio.sleep(0.05)
        ticks += 1
    return ticks


async def test_a_letter_renders_in_a_worker_as_it_would_in_process():
    renderer = LetterRenderer(processes=1)
    try:
        out = await renderer.render(ACKNOWLEDGEMENT, CONTEXT)
        assert "C-000042" in out.subject and "Jordan Example" in out.body_text
        assert len(renderer.pids()) == 1 and renderer.pids()[0] != os.getpid()
    finally:
        await renderer.close()


async def test_a_slow_template_is_stopped_at_its_budget_naming_the_line_and_the_loop_runs_on():
    renderer = LetterRenderer(processes=1, seconds=0.5)
    try:
        await renderer.render(ACKNOWLEDGEMENT, CONTEXT)  # the worker started
        started = time.monotonic()
        work = asyncio.ensure_future(renderer.render(SLOW, CONTEXT))
        ticks = await _ticks_while(work)
        with pytest.raises(TemplateProblem) as err:
            await work
        assert err.value.problems == [
            (
                "body_text",
                "line 3: too much for a letter: takes longer than 0.5 s to render "
                "(a loop too many?)",
            )
        ]
        assert time.monotonic() - started < 10  # stopped, not run to its end
        assert ticks >= 5  # the event loop went on serving meanwhile
        # The same worker renders the next letter.
        assert "C-000042" in (await renderer.render(ACKNOWLEDGEMENT, CONTEXT)).subject
    finally:
        await renderer.close()


async def test_a_worker_that_does_not_answer_is_killed_and_replaced():
    renderer = LetterRenderer(processes=1, seconds=0.3, grace_seconds=0.5)
    try:
        await renderer.render(ACKNOWLEDGEMENT, CONTEXT)
        (stuck,) = renderer.pids()
        # As if one operation held the worker's CPU past every check.
        os.kill(stuck, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(TemplateProblem) as err:
            await renderer.render(ACKNOWLEDGEMENT, CONTEXT)
        assert time.monotonic() - started < 10  # killed, not waited for
        assert err.value.problems == [
            (
                "template_name",
                "template 'acknowledgement' (en) takes longer than 0.3 s to render: "
                "simplify it with PutTemplate",
            )
        ]
        assert "C-000042" in (await renderer.render(ACKNOWLEDGEMENT, CONTEXT)).subject
        assert stuck not in renderer.pids()
        with pytest.raises(ProcessLookupError):
            for _ in range(200):
                os.kill(stuck, 0)  # gone once reaped
                await asyncio.sleep(0.05)
    finally:
        await renderer.close()


async def test_letters_render_side_by_side_in_as_many_workers():
    # The slow letter's budget is long enough that the other is done before it,
    # however loaded the machine: only a second worker can make that so.
    renderer = LetterRenderer(processes=2, seconds=5.0)
    try:
        # Both workers started first, so only rendering is timed.
        await asyncio.gather(*(renderer.render(ACKNOWLEDGEMENT, CONTEXT) for _ in range(2)))
        assert len(renderer.pids()) == 2
        slow = asyncio.ensure_future(renderer.render(SLOW, CONTEXT))
        await asyncio.sleep(0.05)
        out = await renderer.render(ACKNOWLEDGEMENT, CONTEXT)
        assert "C-000042" in out.subject and not slow.done()
        with pytest.raises(TemplateProblem):
            await slow
    finally:
        await renderer.close()


async def test_a_new_workers_start_does_not_count_against_the_first_letters_budget():
    # Starting Python and jinja2 takes far longer than this budget (more so on
    # a loaded machine); only the letter itself is timed.
    renderer = LetterRenderer(processes=1, seconds=0.2, grace_seconds=0.1)
    try:
        out = await renderer.render(ACKNOWLEDGEMENT, CONTEXT)
        assert "C-000042" in out.subject
    finally:
        await renderer.close()
