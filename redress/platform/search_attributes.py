"""Custom search attributes that let ops find complaints in the Temporal UI.

e.g. `temporal workflow list --query "Priority='urgent' AND Breached=false"`.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CASE_ID = SearchAttributeKey.for_keyword("CaseId")
STAGE = SearchAttributeKey.for_keyword("Stage")
PRIORITY = SearchAttributeKey.for_keyword("Priority")
ASSIGNEE = SearchAttributeKey.for_keyword("Assignee")
TEAM = SearchAttributeKey.for_keyword("Team")
CATEGORY = SearchAttributeKey.for_keyword("Category")
CHANNEL = SearchAttributeKey.for_keyword("Channel")
REGIME = SearchAttributeKey.for_keyword("Regime")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
BREACHED = SearchAttributeKey.for_bool("Breached")

ALL = (
    CASE_ID,
    STAGE,
    PRIORITY,
    ASSIGNEE,
    TEAM,
    CATEGORY,
    CHANNEL,
    REGIME,
    ESCALATION_LEVEL,
    NEXT_DEADLINE,
    BREACHED,
)

# The names and types as `temporal server start-dev --search-attribute` and
# `temporal operator search-attribute create` spell them.
CLI_TYPES = {
    "CaseId": "Keyword",
    "Stage": "Keyword",
    "Priority": "Keyword",
    "Assignee": "Keyword",
    "Team": "Keyword",
    "Category": "Keyword",
    "Channel": "Keyword",
    "Regime": "Keyword",
    "EscalationLevel": "Int",
    "NextDeadline": "Datetime",
    "Breached": "Bool",
}
