"""What the HTTP API answers: the response models, built from the domain's values, and the statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from .consultations import Comment, Consultation, CState
from .consultations import counts as counts_of
from .domain import Opinion, State
from .policy import Policy

STATE_NAMES = {State.received: "已收到", State.routed: "办理中", State.answered: "已答复"}


class OpinionAcknowledgement(BaseModel):
    opinion_id: str
    secret: str = Field(description="with the number, shows the person the reply (POST /public/opinions/status)")
    received_on: date
    state: str
    acknowledgement: str


class StepAnswer(BaseModel):
    opinion_id: str
    state: str
    answered_on: str | None = None
    late: bool | None = None
    version: int | None = None
    content_hash: str | None = None
    review: str | None = None
    hidden: bool | None = None


class StepView(BaseModel):
    step: str
    on: date
    person: str
    note: str | None = None


class PublicationView(BaseModel):
    version: int
    title: str
    body: str
    content_hash: str
    review: str
    published_at: datetime | None


class OpinionSummary(BaseModel):
    opinion_id: str
    channel: str
    topic: str
    topic_name: str
    title: str
    received_on: date
    state: str
    unit: str | None
    wants_reply: bool
    may_publish: bool
    due_on: date | None
    answered_on: date | None
    late: bool | None
    hidden: bool
    published: bool


class OpinionDetail(OpinionSummary):
    text: str
    reply: str | None
    answered_by: str | None
    hidden_reason: str | None
    hidden_by: str | None
    hidden_on: date | None
    publication: PublicationView | None
    steps: list[StepView]
    person: dict[str, Any] = Field(description="the person's name and contact (staff only; never public)")


class OpinionStatus(BaseModel):
    """What the person who wrote sees with the number and secret: never who handled it."""

    opinion_id: str
    state: str
    state_name: str
    received_on: date
    due_on: date | None
    answered_on: date | None
    reply: str | None


class PublishedOpinion(BaseModel):
    """An opinion and its reply as published: the approved, anonymised text only."""

    opinion_id: str
    title: str
    body: str
    topic: str
    topic_name: str
    unit: str | None
    received_on: date
    answered_on: date | None
    published_at: datetime | None
    content_hash: str


class Counts(BaseModel):
    received: int = 0
    answered: int = 0
    in_time: int = 0
    late: int = 0
    open: int = 0
    overdue: int = Field(0, description="open past the reply clock's due date")
    published: int = 0
    hidden: int = 0


class Row(Counts):
    key: str
    name: str


class OpinionStatistics(BaseModel):
    year: int
    as_of: date
    total: Counts
    by_unit: list[Row]
    by_topic: list[Row]


class StaffComment(BaseModel):
    comment_id: str
    number: int
    text: str
    received_on: date
    review: str
    version: int
    shown: bool
    hidden: bool
    hidden_reason: str | None
    person: dict[str, Any]


class ConsultationDetail(BaseModel):
    consultation: dict[str, Any] = Field(description="the whole record: draft and its review, experts, hearings, "
                                                     "research visits, the report and its answers, the steps")
    comments: list[StaffComment]
    registrations: dict[str, list[dict[str, Any]]] = Field(description="per hearing, with names and contacts")


class ConsultationCounts(BaseModel):
    key: str
    consultations: int = 0
    open: int = 0
    reported: int = 0
    comments: int = 0
    shown: int = 0
    hidden: int = 0
    expert_opinions: int = 0
    hearings: int = 0
    adopted: int = 0
    partly: int = 0
    not_adopted: int = 0


class ConsultationStatistics(BaseModel):
    year: int
    total: ConsultationCounts
    by_unit: list[ConsultationCounts]


class Statistics(BaseModel):
    opinions: OpinionStatistics
    consultations: ConsultationStatistics


def summary(o: Opinion, policy: Policy) -> OpinionSummary:
    return OpinionSummary(
        opinion_id=o.opinion_id, channel=o.channel.value, topic=o.topic, topic_name=policy.topic_name(o.topic),
        title=o.title, received_on=o.received_on, state=o.state.value, unit=o.unit, wants_reply=o.wants_reply,
        may_publish=o.may_publish, due_on=o.due_on, answered_on=o.answered_on, late=o.late, hidden=o.hidden,
        published=o.published)


def detail(o: Opinion, person: dict[str, Any], policy: Policy) -> OpinionDetail:
    pub = o.publication
    return OpinionDetail(
        **summary(o, policy).model_dump(), text=o.text, reply=o.reply, answered_by=o.answered_by,
        hidden_reason=o.hidden_reason, hidden_by=o.hidden_by, hidden_on=o.hidden_on,
        publication=PublicationView(version=pub.version, title=pub.title, body=pub.body,
                                    content_hash=pub.content_hash, review=pub.review,
                                    published_at=pub.published_at) if pub else None,
        steps=[StepView(**d.model_dump()) for d in o.history], person=person)


def status(o: Opinion) -> OpinionStatus:
    return OpinionStatus(opinion_id=o.opinion_id, state=o.state.value, state_name=STATE_NAMES[o.state],
                         received_on=o.received_on, due_on=o.due_on if o.state is not State.answered else None,
                         answered_on=o.answered_on, reply=o.reply if o.state is State.answered else None)


def published(o: Opinion, policy: Policy) -> PublishedOpinion:
    pub = o.publication
    assert pub is not None
    return PublishedOpinion(opinion_id=o.opinion_id, title=pub.title, body=pub.body, topic=o.topic,
                            topic_name=policy.topic_name(o.topic), unit=o.unit, received_on=o.received_on,
                            answered_on=o.answered_on, published_at=pub.published_at, content_hash=pub.content_hash)


def _count(counts: Counter[str], o: Opinion, today: date) -> None:
    counts["received"] += 1
    if o.hidden:
        counts["hidden"] += 1
    if o.state is State.answered:
        counts["answered"] += 1
        counts["late" if o.late else "in_time"] += 1
    elif not o.hidden:
        counts["open"] += 1
        if o.due_on is not None and today > o.due_on:
            counts["overdue"] += 1
    if o.published:
        counts["published"] += 1


def opinion_statistics(opinions: Iterable[Opinion], year: int, today: date, policy: Policy) -> OpinionStatistics:
    """Per unit and per topic: received, answered (in time or late), open, overdue, published and hidden."""
    total: Counter[str] = Counter()
    units: dict[str, Counter[str]] = {}
    topics: dict[str, Counter[str]] = {topic: Counter() for topic in policy.topics}
    for o in opinions:
        _count(total, o, today)
        _count(units.setdefault(o.unit or "", Counter()), o, today)
        _count(topics.setdefault(o.topic, Counter()), o, today)
    return OpinionStatistics(
        year=year, as_of=today, total=Counts(**total),
        by_unit=[Row(key=unit, name=unit or "未转办", **counts) for unit, counts in sorted(units.items())],
        by_topic=[Row(key=topic, name=policy.topic_name(topic), **counts) for topic, counts in topics.items()])


def consultation_statistics(found: Iterable[Consultation], comments: dict[str, list[Comment]], year: int
                            ) -> ConsultationStatistics:
    """Per unit: consultations (open, reported), comments (shown, hidden), expert opinions, hearings, answers."""
    total: Counter[str] = Counter()
    units: dict[str, Counter[str]] = {}
    for x in found:
        for counts in (total, units.setdefault(x.unit, Counter())):
            counts["consultations"] += 1
            counts["open"] += x.state is CState.approved
            counts["reported"] += x.state is CState.reported
            counts["comments"] += len(comments.get(x.consultation_id, []))
            counts["shown"] += sum(m.shown for m in comments.get(x.consultation_id, []))
            counts["hidden"] += sum(m.hidden for m in comments.get(x.consultation_id, []))
            counts["expert_opinions"] += len(x.experts)
            counts["hearings"] += len(x.hearings)
            for name, n in counts_of(x).items():
                counts[name] += n
    return ConsultationStatistics(year=year, total=ConsultationCounts(key="", **total),
                                  by_unit=[ConsultationCounts(key=u, **n) for u, n in sorted(units.items())])
