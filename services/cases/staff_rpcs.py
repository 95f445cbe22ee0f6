"""The staff directory's RPCs on CasesService (docs/staff.md).

A mixin of CasesServicer: protobuf in, the domain's checks
(redress/domain/staff_directory.py), the directory store
(services/cases/staff.py), protobuf out.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import grpc

from redress.cases.v1 import cases_pb2
from redress.domain.policy import Policy
from redress.domain.policy_versions import PolicyVersions
from redress.domain.priority import priority_name
from redress.domain.routing import (
    RoutingFacts,
    absent_too_long,
    choose,
    cursor_key,
    matching_rule,
)
from redress.domain.staff_directory import (
    Absence,
    Directory,
    absence_problems,
    person_problems,
    team_problems,
)
from redress.platform.auth import current_principal
from redress.platform.errors import NotFound, Violations, checked_time
from redress.platform.requests import check_plain_text
from redress.platform.serving import roles
from redress.platform.staff import (
    absence_message,
    person_message,
    person_of,
    team_message,
    team_of,
)
from redress.platform.wire import timestamp
from services.cases.staff import StaffDirectoryStore
from services.cases.store import CaseStore

OCCASIONS = ("receipt", "reclassification", "absence")
STAFF_EDITORS = roles("manager", "administrator")
STAFF_READERS = roles("agent", "team_lead", "manager", "administrator", "auditor", "service")
STAFF_ACCESS = {
    "PutPerson": STAFF_EDITORS,
    "PutTeam": STAFF_EDITORS,
    "RecordAbsence": STAFF_EDITORS,
    "EndAbsence": STAFF_EDITORS,
    "ListStaff": STAFF_READERS,
    "ListStaffChanges": roles("team_lead", "manager", "administrator", "auditor"),
    "RouteCase": roles("service"),
    "ListAbsentAssignments": roles("service"),
}


def _actor() -> str:
    return current_principal.get().id


def _raise(problems: list[tuple[str, str]]) -> None:
    v = Violations()
    for name, message in problems:
        v.add(name, message)
    v.raise_if_any()


class StaffRpcs:
    directory: StaffDirectoryStore
    store: CaseStore
    policies: PolicyVersions

    async def _snapshot(self) -> Directory:
        return await asyncio.to_thread(self.directory.snapshot)

    async def check_names(
        self, v: Violations, assignee: tuple[str, str], team: tuple[str, str]
    ) -> None:
        """Field violations for a person or a team the directory does not know
        (once it holds anyone), naming the closest known names."""
        if not assignee[1] and not team[1]:
            return
        directory = await self._snapshot()
        for (field, name), why in (
            (assignee, directory.unknown_person(assignee[1])),
            (team, directory.unknown_team(team[1])),
        ):
            if why:
                v.add(field, f"{name!r}: {why}")

    async def check_routing_teams(self, policy: Policy) -> None:
        """A routing rule naming a team the directory does not know (once it
        holds anyone) is refused on publish, with the rule's path."""
        directory = await self._snapshot()
        if not directory.checks_names():
            return
        v = Violations()
        for prefix, rules in [("", policy)] + [
            (f"types.{kind.name}.", kind.rules) for kind in policy.types
        ]:
            for i, rule in enumerate(rules.routing.rules):
                why = directory.unknown_team(rule.team)
                if why:
                    v.add(f"document.{prefix}routing.rules[{i}].team", f"{rule.team!r}: {why}")
        v.raise_if_any()

    async def PutPerson(
        self, request: cases_pb2.PutPersonRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.PutPersonResponse:
        person = person_of(request.person)
        _raise(person_problems(person))
        changed = await asyncio.to_thread(self.directory.put_person, person, _actor())
        return cases_pb2.PutPersonResponse(person=person_message(person), changed=changed)

    async def PutTeam(
        self, request: cases_pb2.PutTeamRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.PutTeamResponse:
        team = team_of(request.team)
        _raise(team_problems(team, await self._snapshot()))
        changed = await asyncio.to_thread(self.directory.put_team, team, _actor())
        return cases_pb2.PutTeamResponse(team=team_message(team), changed=changed)

    async def RecordAbsence(
        self, request: cases_pb2.RecordAbsenceRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RecordAbsenceResponse:
        v = Violations()
        now = datetime.now(UTC)
        starts_at = (
            checked_time(v, "starts_at", request.starts_at)
            if request.HasField("starts_at")
            else now
        )
        ends_at = (
            checked_time(v, "ends_at", request.ends_at) if request.HasField("ends_at") else None
        )
        check_plain_text(v, "reason", request.reason, 200)
        check_plain_text(v, "idempotency_key", request.idempotency_key, 200)
        v.raise_if_any()
        absence = Absence(
            absence_id="",
            principal_id=request.principal_id.strip(),
            starts_at=starts_at or now,
            ends_at=ends_at,
            reason=request.reason.strip(),
            recorded_by=_actor(),
        )
        _raise(absence_problems(absence, await self._snapshot()))
        recorded = await asyncio.to_thread(
            self.directory.record_absence, absence, request.idempotency_key
        )
        return cases_pb2.RecordAbsenceResponse(absence=absence_message(recorded))

    async def EndAbsence(
        self, request: cases_pb2.EndAbsenceRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.EndAbsenceResponse:
        v = Violations()
        if not request.absence_id:
            v.add("absence_id", "required")
        ends_at = (
            checked_time(v, "ends_at", request.ends_at)
            if request.HasField("ends_at")
            else datetime.now(UTC)
        )
        v.raise_if_any()
        found = await asyncio.to_thread(self.directory.absence, request.absence_id)
        if found is None:
            raise NotFound(f"no absence {request.absence_id}")
        if ends_at is not None and ends_at < found.starts_at:
            v.add("ends_at", f"not before the absence's start, {found.starts_at.isoformat()}")
            v.raise_if_any()
        ended, changed = await asyncio.to_thread(
            self.directory.end_absence, request.absence_id, ends_at or datetime.now(UTC), _actor()
        )
        return cases_pb2.EndAbsenceResponse(absence=absence_message(ended), changed=changed)

    async def ListStaff(
        self, request: cases_pb2.ListStaffRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListStaffResponse:
        directory = await self._snapshot()
        version = await asyncio.to_thread(self.directory.version)
        return cases_pb2.ListStaffResponse(
            people=[person_message(p) for _, p in sorted(directory.people.items())],
            teams=[team_message(t) for _, t in sorted(directory.teams.items())],
            absences=[absence_message(a) for a in directory.absences],
            version=version,
        )

    async def ListStaffChanges(
        self, request: cases_pb2.ListStaffChangesRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListStaffChangesResponse:
        v = Violations()
        if not 0 <= request.limit <= 500:
            v.add("limit", "1 to 500 (0 for 100)")
        if request.after_sequence < 0:
            v.add("after_sequence", "0 or more")
        v.raise_if_any()
        changes, intact = await asyncio.to_thread(
            self.directory.changes, request.after_sequence, request.limit or 100
        )
        return cases_pb2.ListStaffChangesResponse(
            changes=[
                cases_pb2.StaffChange(
                    sequence=c.sequence,
                    recorded_at=timestamp(c.recorded_at),
                    actor=c.actor,
                    action=c.action,
                    subject=c.subject,
                    old_value=c.old_value,
                    new_value=c.new_value,
                    hash=c.hash,
                )
                for c in changes
            ],
            chain_intact=intact,
        )

    async def RouteCase(
        self, request: cases_pb2.RouteCaseRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.RouteCaseResponse:
        v = Violations()
        if not request.case_id:
            v.add("case_id", "required")
        if request.occasion not in OCCASIONS:
            v.add("occasion", "one of " + ", ".join(OCCASIONS))
        v.raise_if_any()
        view = await asyncio.to_thread(self.store.get_case, request.case_id, 0, 0)
        if view is None:
            raise NotFound(f"no case {request.case_id}")
        case = view.case
        policy = await asyncio.to_thread(self.policies.find, case.policy_id, case.policy_version)
        if policy is None:
            return cases_pb2.RouteCaseResponse(matched=False)
        try:
            routing = policy.for_type(case.complaint_type).routing
        except KeyError:
            routing = policy.routing
        facts = RoutingFacts(
            complaint_type=case.complaint_type,
            language=case.contact_preferred_language,
            tags=tuple(str(t) for t in case.contact_tags or ()),
            priority=priority_name(case.priority),
            category=case.category,
            product=case.product,
            channel=case.channel,
        )
        found = matching_rule(routing, facts)
        if found is None:
            return cases_pb2.RouteCaseResponse(matched=False, policy_version=policy.version)
        _, rule = found
        now = datetime.now(UTC)
        directory = await self._snapshot()
        team = directory.teams.get(rule.team)
        loads = await asyncio.to_thread(
            self.directory.open_loads, list(team.members) if team else []
        )
        # The turn is taken (one UPDATE) before choosing: two replicas
        # routing at once get different turns.
        turn = (
            await asyncio.to_thread(self.directory.next_turn, cursor_key(rule))
            if rule.assign == "round_robin"
            else 0
        )
        decision = choose(routing, facts, directory, loads, turn, now)
        return cases_pb2.RouteCaseResponse(
            matched=decision.matched,
            team=decision.team,
            assignee=decision.assignee,
            rule_index=decision.rule_index,
            rule_name=decision.rule_name,
            strategy=decision.strategy,
            policy_version=policy.version,
            skipped=list(decision.skipped),
        )

    async def ListAbsentAssignments(
        self, request: cases_pb2.ListAbsentAssignmentsRequest, context: grpc.aio.ServicerContext
    ) -> cases_pb2.ListAbsentAssignmentsResponse:
        v = Violations()
        if not 0 <= request.limit <= 1000:
            v.add("limit", "1 to 1000 (0 for 500)")
        v.raise_if_any()
        limit = request.limit or 500
        now = datetime.now(UTC)
        directory = await self._snapshot()
        absent = sorted({a.principal_id for a in directory.absences if a.covers(now)})
        held = await asyncio.to_thread(self.directory.open_cases_of, absent, limit + 1)
        found = []
        for case_id, workflow_id, assignee, policy_id, version, complaint_type in held[:limit]:
            policy = await asyncio.to_thread(self.policies.find, policy_id, version)
            if policy is None:
                continue
            try:
                routing = policy.for_type(complaint_type).routing
            except KeyError:
                routing = policy.routing
            if not routing.rules or not absent_too_long(routing, directory, assignee, now):
                continue
            absence = directory.absence_of(assignee, now)
            assert absence is not None
            found.append(
                cases_pb2.AbsentAssignment(
                    case_id=case_id,
                    workflow_id=workflow_id,
                    assignee=assignee,
                    absent_since=timestamp(absence.starts_at),
                )
            )
        return cases_pb2.ListAbsentAssignmentsResponse(
            assignments=found, truncated=len(held) > limit
        )
