"""Consultations on major decisions (征求意见) as values and rules, with no I/O.

    create ──▶ in-review ──(review approves the draft's hash)──▶ approved: open from opens_on to closes_on
                  └──(rejected, blocked, withheld)──▶ rejected
    approved ──close (after closes_on)──▶ closed ──publish_feedback (every opinion answered)──▶ report-in-review
                                                          ──(review approves the report's hash)──▶ reported

Comments are taken only while the draft is approved and open (opens_on ≤ today ≤ closes_on) and show only as
review approved their text; expert opinions, hearings (notice at least N days ahead, registration with a cap,
representatives, the record) and research visits are records. Every function returns the next value or raises
``Refused`` with the reason.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from gongkai.shared import contracts as c
from gongkai.shared.errors import Conflict, NotFound, Refused

from .domain import REDACTED, Done, Frozen, Publication
from .policy import Policy

OUTCOME_NAMES = {c.AnswerOutcome.adopted: "采纳", c.AnswerOutcome.partly: "部分采纳",
                 c.AnswerOutcome.not_adopted: "未采纳"}


class CState(StrEnum):
    in_review = "in-review"                # 草案保密审查中
    rejected = "rejected"                  # 草案未通过审查
    approved = "approved"                  # 已公布，按日期征求意见
    closed = "closed"                      # 征求意见已结束
    report_in_review = "report-in-review"  # 反馈报告审查中
    reported = "reported"                  # 反馈报告已公布


class Expert(Frozen):
    record_id: str
    expert: str
    affiliation: str | None
    opinion: str
    on: date


class Hearing(Frozen):
    hearing_id: str
    title: str
    held_on: date
    place: str
    capacity: int
    announced_on: date
    registered: int = 0
    representatives: tuple[str, ...] = ()
    record: str | None = None
    recorded_on: date | None = None


class Research(Frozen):
    record_id: str
    on: date
    place: str
    participants: str
    summary: str


class FeedbackAnswer(Frozen):
    opinion: str
    outcome: c.AnswerOutcome
    reason: str


class Consultation(Frozen):
    consultation_id: str
    kind: str
    title: str
    unit: str
    opens_on: date
    closes_on: date
    state: CState = CState.in_review
    draft: Publication
    closed_on: date | None = None
    experts: tuple[Expert, ...] = ()
    hearings: tuple[Hearing, ...] = ()
    research: tuple[Research, ...] = ()
    comments: int = 0
    answers: tuple[FeedbackAnswer, ...] = ()
    summary: str | None = None
    report: Publication | None = None
    history: tuple[Done, ...] = ()

    def open_on(self, day: date) -> bool:
        return self.state is CState.approved and self.opens_on <= day <= self.closes_on


class Comment(Frozen):
    comment_id: str
    consultation_id: str
    number: int
    text: str
    received_on: date
    publication: Publication
    hidden: bool = False
    hidden_reason: str | None = None
    hidden_by: str | None = None
    hidden_on: date | None = None

    @property
    def shown(self) -> bool:
        return self.publication.published_at is not None and not self.hidden


def _done(x: Consultation, step: str, on: date, person: str, note: str | None = None, **changes: object
          ) -> Consultation:
    return x.model_copy(update={**changes, "history": (*x.history, Done(step=step, on=on, person=person, note=note))})


def hash_of(title: str, body: str, category: str) -> str:
    return c.content_hash(title, body, category, c.Audience.public.value, [])


def _publication(title: str, body: str, category: str, person: str, version: int = 1) -> Publication:
    return Publication(version=version, title=title, body=body, content_hash=hash_of(title, body, category),
                       submitted_by=person)


def draft_body(draft: str, documents: list[c.Document]) -> str:
    parts = [draft.strip()] + [f"【{d.name.strip()}】\n{d.text.strip()}" for d in documents]
    return "\n\n".join(parts)


def create(consultation_id: str, data: c.CreateConsultation, policy: Policy, *, person: str, today: date
           ) -> Consultation:
    kind = policy.kinds.get(data.kind)
    if kind is None:
        raise Refused(f"kind {data.kind!r} is not one of {', '.join(sorted(policy.kinds))} (policy.toml)")
    closes_on = data.closes_on or data.opens_on + timedelta(days=kind.days - 1)
    days = (closes_on - data.opens_on).days + 1
    if days < kind.min_days:
        raise Refused(f"a {kind.name} is open for comments at least {kind.min_days} days; {data.opens_on} to "
                      f"{closes_on} is {days}")
    if closes_on < today:
        raise Refused(f"closes_on {closes_on} has passed (today is {today})")
    draft = _publication(data.title.strip(), draft_body(data.draft, data.documents), c.CONSULTATION_CATEGORY, person)
    x = Consultation(consultation_id=consultation_id, kind=data.kind, title=data.title.strip(), unit=data.unit,
                     opens_on=data.opens_on, closes_on=closes_on, draft=draft)
    return _done(x, "create", today, person, f"{data.opens_on}至{closes_on}")


def decided(pub: Publication, version: int, content_hash: str, outcome: str, at: datetime) -> Publication | None:
    """Review's decision on ``pub``; None when it is about another version or text, or was taken already."""
    if pub.version != version or pub.content_hash != content_hash or pub.review != "pending":
        return None
    return pub.model_copy(update={"review": outcome, "published_at": at if outcome == "approved" else None})


def redacted(pub: Publication, version: int, content_hash: str, spans: list[c.Span], case_id: str, category: str
             ) -> Publication | None:
    """The next version of ``pub`` with each span replaced by ×××, as the case's redaction."""
    if pub.version != version or pub.content_hash != content_hash or pub.review != "pending":
        return None
    fields = {"title": pub.title, "body": pub.body}
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        text = fields.get(span.field)
        if text is None or span.end > len(text):
            raise Refused(f"span {span.field} {span.start}..{span.end} is not in version {version}")
        fields[span.field] = text[:span.start] + REDACTED + text[span.end:]
    return Publication(version=version + 1, title=fields["title"], body=fields["body"],
                       content_hash=hash_of(fields["title"], fields["body"], category),
                       submitted_by=pub.submitted_by, redaction_of=case_id)


# ---- comments ------------------------------------------------------------------------------------------


def comment(x: Consultation, comment_id: str, text: str, *, today: date) -> Comment:
    """A comment, refused unless the draft is approved and open today; its text goes to review before it shows."""
    if x.state is CState.in_review or x.state is CState.rejected:
        raise Conflict(f"consultation {x.consultation_id} is not open: its draft has not passed review")
    if today < x.opens_on:
        raise Conflict(f"consultation {x.consultation_id} opens on {x.opens_on}")
    if today > x.closes_on or x.state is not CState.approved:
        raise Conflict(f"consultation {x.consultation_id} closed on {x.closes_on}: comments are no longer taken")
    if not text.strip():
        raise Refused("a comment has a text")
    number = x.comments + 1
    pub = _publication(f"{x.title}：意见{number}", text.strip(), c.COMMENT_CATEGORY, "public:portal")
    return Comment(comment_id=comment_id, consultation_id=x.consultation_id, number=number, text=text.strip(),
                   received_on=today, publication=pub)


def hide_comment(comment_: Comment, reason: str, *, person: str, today: date) -> Comment:
    if not reason.strip():
        raise Refused("reason: a comment is hidden for a reason, recorded with it")
    if comment_.hidden:
        raise Conflict(f"comment {comment_.comment_id} was already hidden on {comment_.hidden_on}")
    return comment_.model_copy(update={"hidden": True, "hidden_reason": reason.strip(), "hidden_by": person,
                                       "hidden_on": today})


# ---- records ---------------------------------------------------------------------------------------------


def _recording(x: Consultation, on: date, today: date, what: str) -> None:
    if x.state in (CState.rejected, CState.reported):
        raise Conflict(f"consultation {x.consultation_id} is {x.state.value}: {what} is no longer recorded")
    if on > today:
        raise Refused(f"{what} is dated {on}, in the future (today is {today})")


def expert(x: Consultation, data: c.ExpertOpinionBody, *, person: str, today: date) -> Consultation:
    _recording(x, data.on, today, "an expert opinion")
    if x.state is CState.report_in_review:
        raise Conflict("the feedback report is in review: an expert opinion after it would go unanswered")
    record = Expert(record_id=f"E{len(x.experts) + 1}", expert=data.expert, affiliation=data.affiliation,
                    opinion=data.opinion.strip(), on=data.on)
    return _done(x, "expert", data.on, person, record.record_id, experts=(*x.experts, record))


def announce_hearing(x: Consultation, data: c.HearingBody, notice_days: int, *, person: str, today: date
                     ) -> Consultation:
    _recording(x, today, today, "a hearing")
    if x.state is not CState.approved:
        raise Conflict(f"consultation {x.consultation_id} is {x.state.value}: a hearing is held while it is open")
    if (data.held_on - today).days < notice_days:
        raise Refused(f"a hearing's notice is given at least {notice_days} days before it is held: {data.held_on} "
                      f"is {(data.held_on - today).days} days from today")
    hearing = Hearing(hearing_id=f"H{len(x.hearings) + 1}", title=data.title, held_on=data.held_on,
                      place=data.place, capacity=data.capacity, announced_on=today)
    return _done(x, "hearing", today, person, hearing.hearing_id, hearings=(*x.hearings, hearing))


def hearing_of(x: Consultation, hearing_id: str) -> Hearing:
    found = next((h for h in x.hearings if h.hearing_id == hearing_id), None)
    if found is None:
        raise NotFound(f"no hearing {hearing_id} of consultation {x.consultation_id}")
    return found


def _with(x: Consultation, hearing: Hearing) -> tuple[Hearing, ...]:
    return tuple(hearing if h.hearing_id == hearing.hearing_id else h for h in x.hearings)


def register(x: Consultation, hearing_id: str, *, today: date) -> tuple[Consultation, Hearing]:
    """One more registration; refused over the cap or once the hearing is held."""
    hearing = hearing_of(x, hearing_id)
    if today >= hearing.held_on or hearing.record is not None:
        raise Conflict(f"hearing {hearing_id} is held on {hearing.held_on}: registration is closed")
    if hearing.registered >= hearing.capacity:
        raise Conflict(f"hearing {hearing_id} is full: its {hearing.capacity} places are taken")
    after = hearing.model_copy(update={"registered": hearing.registered + 1})
    return x.model_copy(update={"hearings": _with(x, after)}), after


def select_representatives(x: Consultation, hearing_id: str, chosen: list[str], registered: set[str], on: date, *,
                           person: str, today: date) -> Consultation:
    _recording(x, on, today, "the representatives")
    hearing = hearing_of(x, hearing_id)
    unknown = sorted(set(chosen) - registered)
    if unknown:
        raise Refused(f"not registered for hearing {hearing_id}: {', '.join(unknown)}")
    if len(set(chosen)) > hearing.capacity:
        raise Refused(f"hearing {hearing_id} has {hearing.capacity} places; {len(set(chosen))} were chosen")
    after = hearing.model_copy(update={"representatives": tuple(sorted(set(chosen)))})
    return _done(x, "representatives", on, person, hearing_id, hearings=_with(x, after))


def record_hearing(x: Consultation, hearing_id: str, record: str, on: date, *, person: str, today: date
                   ) -> Consultation:
    _recording(x, on, today, "a hearing's record")
    hearing = hearing_of(x, hearing_id)
    if on < hearing.held_on:
        raise Refused(f"hearing {hearing_id} is held on {hearing.held_on}; its record is not dated {on}")
    after = hearing.model_copy(update={"record": record.strip(), "recorded_on": on})
    return _done(x, "hearing_record", on, person, hearing_id, hearings=_with(x, after))


def research(x: Consultation, data: c.ResearchVisitBody, *, person: str, today: date) -> Consultation:
    _recording(x, data.on, today, "a research visit")
    visit = Research(record_id=f"R{len(x.research) + 1}", on=data.on, place=data.place,
                     participants=data.participants, summary=data.summary)
    return _done(x, "research", data.on, person, visit.record_id, research=(*x.research, visit))


# ---- closing and the feedback report ---------------------------------------------------------------------


def close(x: Consultation, on: date, *, person: str, today: date) -> Consultation:
    if x.state is not CState.approved:
        raise Conflict(f"consultation {x.consultation_id} is {x.state.value}: only an open one is closed")
    if on > today:
        raise Refused(f"the closing is dated {on}, in the future (today is {today})")
    if on <= x.closes_on:
        raise Conflict(f"consultation {x.consultation_id} takes comments until {x.closes_on}: it is closed after")
    return _done(x, "close", on, person, f"{x.comments}条意见", state=CState.closed, closed_on=on)


def feedback(x: Consultation, summary: str, answers: list[c.Answer], comments: list[Comment], *, person: str,
             today: date) -> Consultation:
    """The feedback report: every comment not hidden and every expert opinion answered, each with its reason."""
    if x.state is not CState.closed and not (x.state is CState.report_in_review and x.report is not None
                                              and x.report.review != "pending"):
        raise Conflict(f"consultation {x.consultation_id} is {x.state.value}: the feedback report follows its "
                       "closing")
    due = {f"{c.COMMENT_ITEM_PREFIX}{m.comment_id}": m for m in comments if not m.hidden}
    due_experts = {f"expert:{e.record_id}": e for e in x.experts}
    given: dict[str, c.Answer] = {}
    for answer in answers:
        if answer.opinion not in due and answer.opinion not in due_experts:
            raise Refused(f"{answer.opinion} is not an opinion of consultation {x.consultation_id} to answer")
        if answer.opinion in given:
            raise Refused(f"{answer.opinion} is answered twice")
        if not answer.reason.strip():
            raise Refused(f"{answer.opinion}: every answer gives its reason")
        given[answer.opinion] = answer
    missing = [key for key in (*due, *due_experts) if key not in given]
    if missing:
        raise Refused(f"the feedback report leaves {len(missing)} opinion(s) unanswered: {', '.join(missing[:20])}")
    lines = [summary.strip(), ""]
    for key, m in due.items():
        said = m.publication.body if m.shown else "（该意见未公开显示）"
        a = given[key]
        lines.append(f"意见{m.number}：{said}\n处理：{OUTCOME_NAMES[a.outcome]}。理由：{a.reason.strip()}")
    for key, e in due_experts.items():
        a = given[key]
        lines.append(f"专家意见（{e.expert}）：{e.opinion}\n处理：{OUTCOME_NAMES[a.outcome]}。理由：{a.reason.strip()}")
    title = f"关于《{x.title}》征求意见情况的反馈"
    version = x.report.version + 1 if x.report else 1
    report = _publication(title, "\n\n".join(lines), c.FEEDBACK_CATEGORY, person, version)
    ordered = tuple(FeedbackAnswer(opinion=k, outcome=given[k].outcome, reason=given[k].reason.strip())
                    for k in (*due, *due_experts))
    return _done(x, "feedback", today, person, f"第{version}稿送审", state=CState.report_in_review,
                 summary=summary.strip(), answers=ordered, report=report)


def counts(x: Consultation) -> dict[str, int]:
    found = {o: 0 for o in c.AnswerOutcome}
    for a in x.answers:
        found[a.outcome] += 1
    return {"adopted": found[c.AnswerOutcome.adopted], "partly": found[c.AnswerOutcome.partly],
            "not_adopted": found[c.AnswerOutcome.not_adopted]}
