"""`redress kb import FILE`: an FAQ corpus from CSV into the knowledge base.

Each row (question, answer, class; the header may say Question/Answer/Class
in any case) becomes an article: the question as title, the answer as body,
its first sentence as summary, the class as category and tag, published for
customers in the file's language. Each article's external reference is a
digest of its question, answer and class, so a second run changes nothing
and a row repeated in the file is one article. Rows without a
question or an answer are reported and skipped.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc

from redress.importers.textfiles import UTF8, csv_rows, file_encoding
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from redress.platform import channels
from redress.platform.errors import error_reasons

SENTENCE = re.compile(r"^(.{20,300}?[.!?])(\s|$)", re.DOTALL)


@dataclass(frozen=True)
class FaqRow:
    line: int
    question: str
    answer: str
    category: str


@dataclass
class FaqReport:
    created: int = 0
    unchanged: int = 0
    rejected: int = 0


def read_faq(path: Path, encoding: str | None = None) -> Iterator[FaqRow | tuple[int, str]]:
    """Rows of the file, or (line, reason) for a row that cannot be an article;
    read in `encoding`, or else the file's own (file_encoding)."""
    with path.open(newline="", encoding=encoding or file_encoding(path)) as f:
        reader = csv.DictReader(f)
        rows = csv_rows(path, reader)
        names = {n.strip().lower(): n for n in reader.fieldnames or []}
        missing = [n for n in ("question", "answer") if n not in names]
        if missing:
            raise ValueError(f"{path}: no {' or '.join(missing)} column (columns: {names})")
        for row in rows:
            line = reader.line_num
            question = (row.get(names["question"]) or "").strip()
            answer = (row.get(names["answer"]) or "").strip()
            category = (row.get(names.get("class", ""), "") or "").strip().lower()
            if not question or not answer:
                yield line, "a question and an answer are both required"
                continue
            yield FaqRow(line, question, answer, category)


def summary_of(answer: str) -> str:
    first = SENTENCE.match(answer)
    text = first.group(1) if first else answer
    return " ".join(text.split())[:300]


def article_for(row: FaqRow, language: str) -> knowledge_pb2.Article:
    key = "\x1f".join((row.question, row.answer, row.category))
    ref = "faq:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return knowledge_pb2.Article(
        title=" ".join(row.question.split())[:300],
        body=row.answer,
        summary=summary_of(row.answer),
        language=language,
        audience=knowledge_pb2.AUDIENCE_CUSTOMER,
        category=row.category,
        tags=[row.category] if row.category else [],
        external_ref=ref,
    )


def run_import(
    path: Path, address: str, api_key: str, language: str = "en", encoding: str | None = None
) -> int:
    report = FaqReport()
    if encoding is None:
        encoding = file_encoding(path)
        if encoding != UTF8:
            print(f"{path.name} is not UTF-8: reading it as {encoding}", file=sys.stderr)
    metadata = (("authorization", f"Bearer {api_key}"),)
    with channels.channel(address) as channel:
        stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
        for item in read_faq(path, encoding):
            if isinstance(item, tuple):
                report.rejected += 1
                print(f"line {item[0]}: rejected: {item[1]}", file=sys.stderr)
                continue
            try:
                response = stub.CreateArticle(
                    knowledge_pb2.CreateArticleRequest(article=article_for(item, language)),
                    metadata=metadata,
                    timeout=30,
                )
                article = response.article
                if article.state != knowledge_pb2.ARTICLE_STATE_PUBLISHED:
                    stub.PublishArticle(
                        knowledge_pb2.PublishArticleRequest(article_id=article.article_id),
                        metadata=metadata,
                        timeout=30,
                    )
            except grpc.RpcError as err:
                if err.code() != grpc.StatusCode.INVALID_ARGUMENT:  # type: ignore[attr-defined]
                    raise
                report.rejected += 1
                reasons = "; ".join(error_reasons(err))
                print(f"line {item.line}: rejected: {reasons}", file=sys.stderr)
                continue
            if response.created:
                report.created += 1
            else:
                report.unchanged += 1
    print(
        f"{path.name}: {report.created} articles created, {report.unchanged} already there, "
        f"{report.rejected} rows rejected"
    )
    return 1 if report.rejected and not (report.created or report.unchanged) else 0
