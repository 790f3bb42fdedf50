"""The opinion box (意见箱) as values and rules, with no I/O.

An opinion is a frozen value; each step is a function that returns the next value or raises ``Refused`` with
the reason, changing nothing:

    received ──route──▶ routed ──reply──▶ answered ──publish──▶ (publication in review) ──approved──▶ published
    any state ──hide (with a reason)──▶ hidden (never deleted; a published one is taken down)

A reply needs its text; an opinion that asks for a reply needs a way to reach the person; only an answered
opinion whose author agreed is published, and only as the text review approved (bound to its hash).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum

from gongkai.shared import contracts as c
from gongkai.shared.errors import Conflict, Refused
from pydantic import BaseModel, ConfigDict

REDACTED = "×××"


class State(StrEnum):
    received = "received"    # 已收到
    routed = "routed"        # 已转办
    answered = "answered"    # 已答复


class Actor(StrEnum):
    public = "public"        # the portal's opinion box
    staff = "staff"          # registrars and handlers (submitters)
    office = "office"        # 政务公开工作机构（办公室）: routes, publishes, moderates
    reviewer = "reviewer"    # the confidentiality review's decision


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Done(Frozen):
    """One step taken: what, on which day, by whom, with what note."""

    step: str
    on: date
    person: str
    note: str | None = None


class Publication(Frozen):
    """A text to be shown to the public, as submitted to review: ``version`` and ``content_hash`` bind the decision."""

    version: int
    title: str
    body: str
    content_hash: str
    submitted_by: str
    review: str = "pending"  # pending, approved, rejected, blocked, redaction_requested, withheld
    redaction_of: str | None = None
    published_at: datetime | None = None


class Opinion(Frozen):
    opinion_id: str
    channel: c.OpinionChannel
    topic: str
    title: str
    text: str
    received_on: date
    wants_reply: bool
    may_publish: bool
    state: State = State.received
    unit: str | None = None
    reply: str | None = None
    reply_sha256: str | None = None
    answered_on: date | None = None
    answered_by: str | None = None
    due_on: date | None = None        # the reply clock's due date, as notification last announced it
    due_as_of: str | None = None      # that announcement's time (ISO), so an older one changes nothing
    hidden: bool = False
    hidden_reason: str | None = None
    hidden_by: str | None = None
    hidden_on: date | None = None
    publication: Publication | None = None
    history: tuple[Done, ...] = ()

    @property
    def published(self) -> bool:
        return self.publication is not None and self.publication.published_at is not None and not self.hidden

    @property
    def late(self) -> bool | None:
        """Answered after the due date (None while there is no answer or no clock)."""
        if self.answered_on is None or self.due_on is None:
            return None
        return self.answered_on > self.due_on


def _done(opinion: Opinion, step: str, on: date, person: str, note: str | None = None, **changes: object) -> Opinion:
    history = (*opinion.history, Done(step=step, on=on, person=person, note=note))
    return opinion.model_copy(update={**changes, "history": history})


def _dated(opinion: Opinion, on: date, today: date, what: str) -> None:
    if on > today:
        raise Refused(f"{what} is dated {on}, in the future (today is {today})")
    if on < opinion.received_on:
        raise Refused(f"{what} is dated {on}, before the opinion was received ({opinion.received_on})")


def _open(opinion: Opinion, what: str) -> None:
    if opinion.hidden:
        raise Conflict(f"opinion {opinion.opinion_id} was hidden on {opinion.hidden_on} ({opinion.hidden_reason}): "
                       f"it is not {what}")


# ---- intake ------------------------------------------------------------------------------------------


def has_contact(contact: c.Contact) -> bool:
    return any((value or "").strip() for value in (contact.phone, contact.email, contact.address))


def receive(opinion_id: str, body: c.OpinionBody, channel: c.OpinionChannel, received_on: date, *,
            topics: dict[str, str], person: str, today: date) -> Opinion:
    """A new opinion; refused when it asks for a reply with no way to reach the person, or names no known topic."""
    if received_on > today:
        raise Refused(f"received_on {received_on} is in the future (today is {today})")
    if body.topic not in topics:
        raise Refused(f"topic {body.topic!r} is not one of the opinion box's topics: {', '.join(sorted(topics))}")
    if body.wants_reply and not has_contact(body.contact):
        raise Refused("the opinion asks for a reply but gives no way to reach the person: give a phone number, an "
                      "e-mail or a postal address, or do not ask for a reply")
    if not body.text.strip() or not body.title.strip():
        raise Refused("an opinion has a title and a text")
    opinion = Opinion(opinion_id=opinion_id, channel=channel, topic=body.topic, title=body.title.strip(),
                      text=body.text.strip(), received_on=received_on, wants_reply=body.wants_reply,
                      may_publish=body.may_publish)
    return _done(opinion, "receive", received_on, person, channel.value)


_NOT_WORDS = re.compile(r"[\W_]+", re.UNICODE)


def fingerprint(text: str) -> str:
    """The text without case, width, whitespace or punctuation: two opinions that differ only there are the same."""
    plain = _NOT_WORDS.sub("", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(plain.encode()).hexdigest()


# ---- steps -----------------------------------------------------------------------------------------------


def route(opinion: Opinion, unit: str, on: date, *, person: str, today: date) -> Opinion:
    _open(opinion, "routed")
    if opinion.state is State.answered:
        raise Conflict(f"opinion {opinion.opinion_id} was answered on {opinion.answered_on}: it is not routed again")
    _dated(opinion, on, today, "the routing")
    if opinion.unit == unit:
        raise Conflict(f"opinion {opinion.opinion_id} is already with {unit}")
    return _done(opinion, "route", on, person, unit, state=State.routed, unit=unit)


def reply(opinion: Opinion, text: str, answered_on: date, *, person: str, today: date) -> Opinion:
    """The reply to the person: refused without text, before routing, twice, or wrongly dated."""
    _open(opinion, "answered")
    if not text.strip():
        raise Refused("a reply needs its text: write what the person is told")
    if opinion.state is State.received:
        raise Conflict(f"opinion {opinion.opinion_id} is not routed to a unit yet: the unit it is routed to answers")
    if opinion.state is State.answered:
        raise Conflict(f"opinion {opinion.opinion_id} was answered on {opinion.answered_on}")
    _dated(opinion, answered_on, today, "the reply")
    if opinion.history and answered_on < opinion.history[-1].on:
        raise Refused(f"the reply is dated {answered_on}, before the last step ({opinion.history[-1].on})")
    text = text.strip()
    return _done(opinion, "reply", answered_on, person, None, state=State.answered, reply=text,
                 reply_sha256=hashlib.sha256(text.encode()).hexdigest(), answered_on=answered_on, answered_by=person)


def hide(opinion: Opinion, reason: str, *, person: str, today: date) -> Opinion:
    if not reason.strip():
        raise Refused("reason: an opinion is hidden for a reason, recorded with it")
    if opinion.hidden:
        raise Conflict(f"opinion {opinion.opinion_id} was already hidden on {opinion.hidden_on}")
    return _done(opinion, "hide", today, person, reason.strip(), hidden=True, hidden_reason=reason.strip(),
                 hidden_by=person, hidden_on=today)


# ---- publication (through the confidentiality review) ---------------------------------------------------


def publication_hash(title: str, body: str) -> str:
    return c.content_hash(title, body, c.OPINION_CATEGORY, c.Audience.public.value, [])


def publication_body(opinion_text: str, reply_text: str) -> str:
    return f"【来信内容】\n{opinion_text}\n\n【答复内容】\n{reply_text}"


def publish(opinion: Opinion, title: str | None, opinion_text: str | None, reply_text: str | None, *,
            person: str, today: date) -> Opinion:
    """The next version of the opinion's publication, to be reviewed; refused unless answered and agreed to."""
    _open(opinion, "published")
    if opinion.state is not State.answered or opinion.reply is None:
        raise Conflict(f"opinion {opinion.opinion_id} is {opinion.state.value}: only an answered opinion is "
                       "published, with its reply")
    if not opinion.may_publish:
        raise Conflict(f"the person who wrote opinion {opinion.opinion_id} did not agree to its publication")
    current = opinion.publication
    if current is not None and current.review == "pending":
        raise Conflict(f"version {current.version} of the publication is in review ({current.content_hash})")
    title = (title or opinion.title).strip()
    body = publication_body((opinion_text or opinion.text).strip(), (reply_text or opinion.reply).strip())
    version = current.version + 1 if current else 1
    new = Publication(version=version, title=title, body=body, content_hash=publication_hash(title, body),
                      submitted_by=person)
    return _done(opinion, "publish", today, person, f"第{version}稿送审", publication=new)


def review_decided(opinion: Opinion, version: int, content_hash: str, outcome: str, reviewer: str, on: date,
                   at: datetime) -> Opinion | None:
    """Review decided on the publication; None when the decision is about another version or text."""
    pub = opinion.publication
    if pub is None or pub.version != version or pub.content_hash != content_hash or pub.review != "pending":
        return None
    published_at = at if outcome == "approved" and not opinion.hidden else None
    return _done(opinion, "review", max(on, opinion.history[-1].on), reviewer, outcome,
                 publication=pub.model_copy(update={"review": outcome, "published_at": published_at}))


def redacted(opinion: Opinion, version: int, content_hash: str, spans: list[c.Span], case_id: str, reviewer: str,
             on: date) -> Opinion | None:
    """Review asked for these spans to go: the next version with each replaced by ×××, to be reviewed again."""
    pub = opinion.publication
    if pub is None or pub.version != version or pub.content_hash != content_hash or pub.review != "pending":
        return None
    fields = {"title": pub.title, "body": pub.body}
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        text = fields.get(span.field)
        if text is None or span.end > len(text):
            raise Refused(f"span {span.field} {span.start}..{span.end} is not in version {version}")
        fields[span.field] = text[:span.start] + REDACTED + text[span.end:]
    new = Publication(version=version + 1, title=fields["title"], body=fields["body"],
                      content_hash=publication_hash(fields["title"], fields["body"]), submitted_by=pub.submitted_by,
                      redaction_of=case_id)
    return _done(opinion, "review", max(on, opinion.history[-1].on), reviewer,
                 f"redaction_requested: 第{version}稿删除{len(spans)}处，成为第{version + 1}稿", publication=new)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def reply_due(opinion: Opinion, due_on: date, as_of: str) -> Opinion | None:
    """Notification's due date for the reply; None when an announcement as new or newer was taken already."""
    if opinion.due_as_of is not None and as_of <= opinion.due_as_of:
        return None
    return opinion.model_copy(update={"due_on": due_on, "due_as_of": as_of})
