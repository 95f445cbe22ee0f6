"""Where a complaint from social media was made: the platform's thread.

The social adapter (services/intake/social) files a thread's complaint under
the key `<source>:thread:<thread_id>`; services/followup reads the same key
back from the case's workflow id to hand the customer's letters to the
platform, in that thread, instead of to the public handle.
"""

from __future__ import annotations

import re

# The source a webhook is signed for, e.g. "twitter"; and a platform's id.
SOURCE = re.compile(r"^[a-z0-9_.-]{1,40}$")
THREAD_ID = re.compile(r"^[\x21-\x7e]{1,90}$")
# Intake's workflow id for a complaint is "complaint:<principal>:<key>"
# (services/intake/servicer.py); a principal's id holds no whitespace and the
# source no colon, so the thread key is the part from the source on.
_IN_WORKFLOW_ID = re.compile(
    r"^complaint:\S+?:(?P<key>(?P<source>[a-z0-9_.-]{1,40}):thread:(?P<thread>[\x21-\x7e]{1,90}))$"
)


def thread_key(source: str, thread_id: str) -> str:
    """The idempotency key a thread's complaint is filed under."""
    return f"{source}:thread:{thread_id}"


def thread_of(workflow_id: str) -> str:
    """The thread key of a complaint filed from a social thread, or ""."""
    found = _IN_WORKFLOW_ID.match(workflow_id)
    return found.group("key") if found else ""
