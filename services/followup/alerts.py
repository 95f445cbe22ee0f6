"""Which members of staff hear about which case events, and what they read.

Every change a complaint workflow records reaches services/followup as case
events (the same ones webhooks receive). `alerts_for` turns one event into
the alerts it deserves, addressed to principals and roles resolved through
the staff directory:

    event                           who
    case.assigned (assignee)        the new assignee
    case.assigned (team)            the new team's lead
    case.priority_changed to high   the assignee (or the team's members when
      or urgent                     nobody is assigned) and the team's lead
    clock.warning                   the assignee (or the team's lead)
    clock.breached                  the assignee and the team's lead
    case.notification_requested     the roles the escalation step names:
                                    assignee, team_lead, manager, compliance
    subtask.added                   the subtask's assignee (or the members
    subtask.reminder                  of its team, else of the case's team)
    subtask.overdue                 the subtask's assignee and the lead of its
                                    team (or the case's team)
    case.unowned                    the role the unowned step names: the
                                    team's lead or manager (compliance when
                                    the case has no team), compliance, or
                                    the team's members
    case.reminder                   the person the reminder is for
    message.failed                  the assignee (or the team's lead) and the
                                    team's lead; compliance when the case has
                                    neither: a letter to the customer could
                                    not be prepared or sent after its retries

Alerts wait for a person's digest when they chose one (unowned alerts
excepted: `IMMEDIATE`, they exist to reach someone at once).

A person never hears about their own action (an agent who assigns a case to
themselves gets no alert). Each alert's idempotency key is derived from the
event id and the recipient, so a redelivered event alerts nobody twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redress.platform.staff import Roles

URGENT = ("high", "urgent")
# Case events whose alerts are sent at once, even to a person with a digest.
IMMEDIATE = frozenset({"case.unowned"})


@dataclass(frozen=True)
class Alert:
    recipient: str  # a principal, team:<name> or an email address
    summary: str
    detail: str


def _json(value: str) -> dict[str, Any]:
    try:
        loaded = json.loads(value) if value else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def alerts_for(event_type: str, change: dict[str, Any], roles: Roles) -> list[Alert]:
    """The alerts one case event deserves; `change` is the event's payload."""
    case_id = str(change.get("case_id", ""))
    assignee = str(change.get("assignee") or "")
    team = str(change.get("team") or "")
    actor = str(change.get("actor") or "")
    field = str(change.get("field") or "")
    new = str(change.get("new") or "")
    cause = str(change.get("cause") or "")
    case = f"Case {case_id}" if case_id else "A case"
    out: list[tuple[str, str]] = []  # (recipient, summary)

    def person_or_team(lead_too: bool) -> list[str]:
        people = [assignee] if assignee else [roles.lead(team)] if team else []
        if lead_too and team:
            people.append(roles.lead(team))
        return people

    if event_type == "case.assigned" and field == "assignee" and new:
        out.append((new, f"{case} was assigned to you"))
    elif event_type == "case.assigned" and field == "team" and new:
        out.append((roles.lead(new), f"{case} was assigned to team {new}"))
    elif event_type == "case.priority_changed" and new in URGENT:
        who = [assignee] if assignee else [f"team:{team}"] if team else []
        who += [roles.lead(team)] if team else []
        out += [(r, f"{case} is now {new} priority") for r in who]
    elif event_type == "clock.warning":
        clock = field.removeprefix("clocks.")
        out += [(r, f"{case}: the {clock} deadline is near") for r in person_or_team(False)]
    elif event_type == "clock.breached":
        clock = field.removeprefix("clocks.")
        out += [(r, f"{case}: the {clock} deadline was missed") for r in person_or_team(True)]
    elif event_type == "case.notification_requested":
        level = str(change.get("escalation_level") or "")
        names: list[str] = []
        try:
            wanted = json.loads(new) if new else []
        except ValueError:
            wanted = []
        for role in wanted if isinstance(wanted, list) else []:
            if role == "assignee":
                names += person_or_team(False)
            elif role == "team_lead" and team:
                names.append(roles.lead(team))
            elif role == "manager" and team:
                names.append(roles.manager(team))
            elif role == "compliance":
                names += roles.compliance
        out += [(r, f"{case} escalated to level {level}") for r in names]
    elif event_type == "case.unowned":
        step = _json(new)
        role = str(step.get("notify") or "")
        priority = str(step.get("priority") or "")
        names = []
        if role in ("lead", "manager"):
            found = roles.lead(team) if role == "lead" else roles.manager(team)
            names = [found] if found else list(roles.compliance)
        elif role == "compliance":
            names = list(roles.compliance)
        elif role == "team" and team:
            names = [f"team:{team}"]
        out += [(r, f"{case} is {priority} priority and nobody owns it") for r in names]
    elif event_type == "case.reminder":
        reminder = _json(new)
        person = str(reminder.get("person") or "")
        text = str(reminder.get("text") or "")
        out += [(person, f"{case}: reminder: {text[:120]}")] if person else []
    elif event_type == "message.failed":
        # Given up (workflows/complaint_retries.py, workflows/followup.py):
        # a person must send the letter again or reach the customer otherwise.
        letter = str(_json(new).get("template") or cause.split(" ", 1)[0] or "a")
        who = person_or_team(True) or list(roles.compliance)
        out += [(r, f"{case}: the {letter} letter could not be sent") for r in who]
    elif event_type in ("subtask.added", "subtask.reminder", "subtask.overdue"):
        task = _json(str(change.get("subtask") or ""))
        title = str(task.get("title") or field.removeprefix("subtasks."))
        owner = str(task.get("assignee") or "")
        owner_team = str(task.get("team") or "") or team
        who = [owner] if owner else [f"team:{owner_team}"] if owner_team else []
        if event_type == "subtask.added":
            summary = "is yours" if owner else f"is for team {owner_team}"
            out += [
                (r, f"{case}: subtask {title!r} {summary}, due {task.get('due_at')}") for r in who
            ]
        elif event_type == "subtask.reminder":
            out += [(r, f"{case}: subtask {title!r} is due {task.get('due_at')}") for r in who]
        elif event_type == "subtask.overdue":
            who += [roles.lead(owner_team)] if owner_team else []
            out += [(r, f"{case}: subtask {title!r} is overdue") for r in who]

    alerts: list[Alert] = []
    seen: set[str] = set()
    for recipient, summary in out:
        if not recipient or recipient in seen or f"person:{recipient}" == actor:
            continue
        seen.add(recipient)
        alerts.append(Alert(recipient, summary, cause))
    return alerts
