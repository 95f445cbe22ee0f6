"""Real customer questions with the kind of bank FAQ article that answers
them: the measurement of knowledge search (tests/integration/
test_knowledge_recall.py, bench/knowledge_recall.py, docs/knowledge.md).

The FAQ (../shared/data/bank_faqs_shared.csv: an Indian bank's FAQ pages, 7
classes) and the questions (BANKING77: a UK app bank's customers, 77
intents) come from different firms, so only the intents with a counterpart
among the FAQ's classes are counted, by the mapping below. It was written
from the intents' names and the FAQ's classes, before any ranking was
measured, and is kept as it was: which class a bank files the answer under,
not which class the search happens to return. Debatable entries, kept:
identity verification (three intents) is "security" although this FAQ's
security articles are about card security (OTP, IVR passwords, 3-D
Secure); "balance_not_updated_after_bank_transfer" is "accounts" (a balance
question), not "fundstransfer". The 35 intents left out (top-ups, exchange
rates, cash withdrawals, refunds, virtual and disposable cards, Apple Pay…)
have no class in this FAQ.

German and Spanish: tests/data/banking77_test_de_es.csv holds 185 of the
test split's questions (5 per mapped intent, drawn by `random.Random(1777)`
from each intent's questions in sorted order), translated for this
measurement (see tests/data/README.md). The articles stay in English.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FAQ = SHARED_DATA / "bank_faqs_shared.csv"
TRANSLATIONS = Path(__file__).resolve().parent / "data" / "banking77_test_de_es.csv"
LANGUAGES = ("en", "de", "es")

BANKING77_CLASS = {
    "cards": [
        "activate_my_card",
        "card_arrival",
        "card_delivery_estimate",
        "card_not_working",
        "card_about_to_expire",
        "lost_or_stolen_card",
        "getting_spare_card",
        "order_physical_card",
        "card_acceptance",
        "declined_card_payment",
        "contactless_not_working",
        "visa_or_mastercard",
        "card_swallowed",
        "compromised_card",
        "change_pin",
        "pin_blocked",
        "card_payment_not_recognised",
    ],
    "fundstransfer": [
        "transfer_timing",
        "pending_transfer",
        "failed_transfer",
        "cancel_transfer",
        "transfer_not_received_by_recipient",
        "beneficiary_not_allowed",
        "transfer_into_account",
        "declined_transfer",
        "receiving_money",
        "transfer_fee_charged",
    ],
    "accounts": [
        "terminate_account",
        "edit_personal_details",
        "balance_not_updated_after_bank_transfer",
        "balance_not_updated_after_cheque_or_cash_deposit",
        "age_limit",
    ],
    "security": [
        "passcode_forgotten",
        "lost_or_stolen_phone",
        "unable_to_verify_identity",
        "verify_my_identity",
        "why_verify_identity",
    ],
}
FAQ_CLASS = {intent: cls for cls, intents in BANKING77_CLASS.items() for intent in intents}

# (question, the FAQ class that answers it)
Question = tuple[str, str]


def english_questions(limit: int, seed: int = 77) -> list[Question]:
    """`limit` of BANKING77's test questions with a mapped intent, shuffled by `seed`."""
    with (SHARED_DATA / "banking77_test.csv").open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["category"] in FAQ_CLASS]
    questions = [(r["text"], FAQ_CLASS[r["category"]]) for r in rows]
    random.Random(seed).shuffle(questions)
    return questions[:limit]


def translated_questions(language: str) -> list[Question]:
    """The 185 translated questions, in `language` ("en" for their originals)."""
    column = "text" if language == "en" else language
    with TRANSLATIONS.open(newline="", encoding="utf-8") as f:
        return [(r[column], FAQ_CLASS[r["category"]]) for r in csv.DictReader(f)]


def by_chance(classes: list[str]) -> float:
    """Recall@5 of five articles drawn at random from the FAQ."""
    with FAQ.open(newline="", encoding="utf-8") as f:
        articles = {(r["Question"], r["Answer"], r["Class"]) for r in csv.DictReader(f)}
    share = Counter(c for _, _, c in articles)
    return sum(1 - (1 - share[c] / len(articles)) ** 5 for c in classes) / len(classes)


def top_five(
    stub: knowledge_pb2_grpc.KnowledgeServiceStub, rpc: str, text: str, metadata
) -> list[str]:  # type: ignore[no-untyped-def]
    """The categories of the first five articles `rpc` gives for a question,
    asked as the public web form asks: no language filter (the articles are
    in English whatever the customer writes)."""
    if rpc == "SearchArticles":
        response = stub.SearchArticles(
            knowledge_pb2.SearchArticlesRequest(query=text, page={"page_size": 5}),
            metadata=metadata,
            timeout=10,
        )
    else:
        response = stub.SuggestArticles(
            knowledge_pb2.SuggestArticlesRequest(text=text, limit=5), metadata=metadata, timeout=10
        )
    return [h.category for h in response.hits]


def recall_at_5(stub, rpc: str, questions: list[Question], metadata) -> float:  # type: ignore[no-untyped-def]
    """The share of questions with an article of the right class in the top five."""
    found = sum(wanted in top_five(stub, rpc, text, metadata) for text, wanted in questions)
    return found / len(questions)
