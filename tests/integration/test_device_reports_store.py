"""The device-report list read from the case store on SQLite and PostgreSQL:
derived from the report clocks and the decision and reports on the trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from services.cases import vigilance
from services.cases.convert import case_change
from services.cases.store import CaseStore
from tests.integration.test_case_store import ROWS, WORKER, new_case

AWARE = datetime(2027, 6, 1, 14, 0, tzinfo=UTC)
DUE = datetime(2027, 7, 2, 4, 0, tzinfo=UTC)


def stamp(at: datetime) -> Timestamp:
    s = Timestamp()
    s.FromDatetime(at)
    return s


def test_a_report_clock_is_listed_with_its_decision_and_report(store: CaseStore) -> None:
    case, _, _ = store.create_case(
        new_case(ROWS[1], 1, regime="fda_mdr", product="Infusion pump IP-200"), WORKER
    )
    financial, _, _ = store.create_case(new_case(ROWS[2], 2), WORKER)
    decided = {
        "reportable": True,
        "event_kind": "malfunction",
        "device_model": "IP-200",
        "lot_or_serial": "LOT 4411",
        "udi": "(01)00812345678901",
        "event_date": "2027-05-30",
        "patient_outcome": "no injury",
        "description": "The alarm did not sound",
        "reports_due": {"fda_mdr_report": DUE.isoformat()},
    }
    clock = cases_pb2.Clock(
        name="fda_mdr_report",
        state=common_pb2.CLOCK_STATE_RUNNING,
        regulatory=True,
        started_at=stamp(AWARE),
        due_at=stamp(DUE),
        regulation="21 CFR 803.50",
        basis="calendar",
    )
    store.record_change(
        case_change(
            cases_pb2.RecordCaseChangeRequest(
                case_id=case.case_id,
                change_id="complaint:d/run-1#1",
                stage="received",
                clocks=[clock],
                audit=[
                    cases_pb2.AuditRecord(
                        action="reportability.decided",
                        field="reportability",
                        new_value=json.dumps(decided),
                        cause="the pump stopped",
                    ),
                    cases_pb2.AuditRecord(
                        action="clock.started", field="clocks.fda_mdr_report", new_value="x"
                    ),
                ],
            ),
            WORKER,
        )
    )
    with store.sessions() as session:
        [row], more = vigilance.regulatory_reports(session, "fda_mdr", None, None, 10)
    assert not more
    assert (row.case_id, row.regime, row.clock, row.status, row.event_kind) == (
        case.case_id,
        "fda_mdr",
        "fda_mdr_report",
        "due",
        "malfunction",
    )
    assert (row.aware_at, row.due_at, row.reported_at) == (AWARE, DUE, None)
    assert row.device_name == "Infusion pump IP-200"
    assert row.form["udi"] == "(01)00812345678901"
    assert financial.case_id != row.case_id

    submitted = DUE - timedelta(days=3)
    clock.state = common_pb2.CLOCK_STATE_MET
    clock.stopped_at.CopyFrom(stamp(submitted))
    report = {"clock": "fda_mdr_report", "submitted_at": submitted.isoformat(), "reference": "M-1"}
    store.record_change(
        case_change(
            cases_pb2.RecordCaseChangeRequest(
                case_id=case.case_id,
                change_id="complaint:d/run-1#2",
                stage="received",
                clocks=[clock],
                audit=[
                    cases_pb2.AuditRecord(
                        action="regulatory_report.recorded",
                        field="regulatory_reports",
                        new_value=json.dumps(report),
                    ),
                    cases_pb2.AuditRecord(
                        action="clock.stopped", field="clocks.fda_mdr_report", new_value="met"
                    ),
                ],
            ),
            WORKER,
        )
    )
    with store.sessions() as session:
        [row], _ = vigilance.regulatory_reports(session, "", DUE - timedelta(days=1), None, 10)
        assert vigilance.regulatory_reports(session, "eu_mdr", None, None, 10) == ([], False)
        assert vigilance.regulatory_reports(session, "", None, DUE, 10) == ([], False)
    assert (row.status, row.reported_at, row.reference) == ("met", submitted, "M-1")
