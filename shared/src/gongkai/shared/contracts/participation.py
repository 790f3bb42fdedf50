"""The participation service's messages: public participation (政民互动) — the opinion box (意见箱) and
consultations on major decisions (征求意见).

Commands (``gongkai.intake``, routing key ``participation.*``) are the staff's steps; the facts
(``gongkai.events``, ``participation.*``) say what happened. Notification keeps an opinion's reply clock from the
facts (it consumes ``participation.#``), review screens what is to be shown to the public
(``participation.publication_submitted``, the payload of ``disclosure.submitted``), and audit records everything.
What the public may see goes out on ``gongkai.public`` under ``participation.*`` keys of its own.

A review case is about an item named by its kind: ``opinion:<id>`` (an opinion and its reply, anonymised),
``consultation:<id>`` (a decision draft), ``comment:<id>`` (a comment's public text), ``feedback:<id>`` (a
consultation's feedback report); its version is the text's number, so a decision binds exactly the text approved.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ._base import Day, ItemId, Line, Moment, Payload, Text
from .requests_service import Contact

OPINION_ITEM_PREFIX = "opinion:"
CONSULTATION_ITEM_PREFIX = "consultation:"
COMMENT_ITEM_PREFIX = "comment:"
FEEDBACK_ITEM_PREFIX = "feedback:"
PARTICIPATION_PREFIXES = (OPINION_ITEM_PREFIX, CONSULTATION_ITEM_PREFIX, COMMENT_ITEM_PREFIX, FEEDBACK_ITEM_PREFIX)
# Review categories of what participation shows the public. Opinions, drafts and reports are never auto-approved
# by the default policy; a comment with no finding of low risk may be (review's policy.default.json).
OPINION_CATEGORY = "participation-opinion"
CONSULTATION_CATEGORY = "participation-draft"
COMMENT_CATEGORY = "participation-comment"
FEEDBACK_CATEGORY = "participation-feedback"
MAX_OPINION = 4_000   # an opinion's text, as the portal form takes it
MAX_TITLE_CHARS = 100
MAX_REPLY_TEXT = 10_000


def is_participation_item(item_id: str) -> bool:
    return item_id.startswith(PARTICIPATION_PREFIXES)


class OpinionChannel(StrEnum):
    """How an opinion came in (意见箱): the portal's form, a letter, or the service hall (staff entry)."""

    online = "online"              # 门户网站意见箱
    letter = "letter"              # 来信
    service_hall = "service-hall"  # 政务服务大厅


class OpinionBody(Payload):
    """What a person says, however it came in."""

    title: Line = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    text: Text = Field(min_length=1, max_length=MAX_OPINION, description="the opinion, as written")
    topic: Line = Field(min_length=1, max_length=32, description="one of the topics in the service's policy.toml")
    name: Line | None = Field(None, max_length=64, description="the person's name, never public")
    contact: Contact = Field(default_factory=Contact, description="how to reach the person, never public")
    wants_reply: bool = Field(True, description="the person asks for a reply: a contact is then required")
    may_publish: bool = Field(False, description="the person agrees that the opinion and its reply may be "
                                                 "published, anonymised")


# ---- commands -------------------------------------------------------------------------------------

RECEIVE_OPINION = "gongkai.participation.receive_opinion.v1"
SUBMIT_ONLINE_OPINION = "gongkai.participation.submit_opinion.v1"
ROUTE_OPINION = "gongkai.participation.route_opinion.v1"
REPLY_OPINION = "gongkai.participation.reply_opinion.v1"
PUBLISH_OPINION = "gongkai.participation.publish_opinion.v1"
HIDE_OPINION = "gongkai.participation.hide_opinion.v1"


class ReceiveOpinion(OpinionBody):
    """Staff entry of an opinion that came by letter or at the service hall, with the day it was received."""

    channel: OpinionChannel
    received_on: Day


class SubmitOnlineOpinion(OpinionBody):
    """The portal's opinion box: received the day it is acknowledged."""

    website: Line | None = Field(None, max_length=200, description="leave empty (a field people do not see)")


class RouteOpinionBody(Payload):
    unit: Line = Field(min_length=1, max_length=128, description="the unit that answers it")
    on: Day


class RouteOpinion(RouteOpinionBody):
    opinion_id: Line = Field(min_length=1, max_length=64)


class ReplyOpinionBody(Payload):
    text: Text = Field(max_length=MAX_REPLY_TEXT, description="the reply to the person; refused when empty")
    answered_on: Day


class ReplyOpinion(ReplyOpinionBody):
    opinion_id: Line = Field(min_length=1, max_length=64)


class PublishOpinionBody(Payload):
    """Publish a selected opinion with its reply: the text staff give (anonymised) goes through review first."""

    title: Line | None = Field(None, max_length=MAX_TITLE_CHARS, description="the published title (default: the "
                                                                             "opinion's)")
    opinion_text: Text | None = Field(None, max_length=MAX_OPINION,
                                      description="the opinion as published, anonymised (default: as written)")
    reply_text: Text | None = Field(None, max_length=MAX_REPLY_TEXT,
                                    description="the reply as published (default: as sent)")


class PublishOpinion(PublishOpinionBody):
    opinion_id: Line = Field(min_length=1, max_length=64)


class HideBody(Payload):
    reason: Text = Field(max_length=2_000, description="why it is hidden (recorded; nothing is ever deleted)")


class HideOpinion(HideBody):
    opinion_id: Line = Field(min_length=1, max_length=64)


# ---- facts ----------------------------------------------------------------------------------------

OPINION_RECEIVED = "gongkai.participation.opinion_received.v1"
OPINION_ROUTED = "gongkai.participation.opinion_routed.v1"
OPINION_ANSWERED = "gongkai.participation.opinion_answered.v1"
OPINION_HIDDEN = "gongkai.participation.opinion_hidden.v1"
PUBLICATION_SUBMITTED = "gongkai.participation.publication_submitted.v1"
PUBLICATION_REVIEWED = "gongkai.participation.publication_reviewed.v1"
PUBLIC_OPINION_PUBLISHED = "gongkai.participation.public.opinion_published.v1"
PUBLIC_OPINION_WITHDRAWN = "gongkai.participation.public.opinion_withdrawn.v1"
# Routing keys on the public exchange: four words, so that no other service's public key pattern
# (publishing's ``{channel}.{category}.published``: three) can match them.
PUBLIC_OPINION_PUBLISHED_KEY = "participation.opinion.published.v1"
PUBLIC_OPINION_WITHDRAWN_KEY = "participation.opinion.withdrawn.v1"


class OpinionReceived(Payload):
    """An opinion was received; notification opens its reply clock from ``received_on`` when a reply is asked."""

    opinion_id: Line
    channel: OpinionChannel
    topic: Line
    received_on: Day
    wants_reply: bool
    unit: Line | None = None


class OpinionRouted(Payload):
    opinion_id: Line
    unit: Line
    on: Day
    topic: Line


class OpinionAnswered(Payload):
    """The reply was sent to the person: notification meets the reply clock (its text stays in participation)."""

    opinion_id: Line
    answered_on: Day
    unit: Line | None = None
    topic: Line
    content_sha256: Line = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the reply's text")


class ItemHidden(Payload):
    """Staff hid an opinion, a comment or a consultation's record from view, with the reason; nothing is deleted."""

    item_id: ItemId = Field(description="opinion:<id>, comment:<id> …")
    reason: Text
    hidden_by: Line
    on: Day


class PublicationReviewed(Payload):
    """Review's decision on a text participation would show the public, as participation took it."""

    item_id: ItemId
    version: int = Field(ge=1)
    content_hash: Line
    outcome: Line  # approved, rejected, blocked, redaction_requested, withheld
    decided_by: Line | None = None


class PublicOpinion(Payload):
    """An opinion of the opinion box and its reply, anonymised and approved by review, as the public sees it."""

    opinion_id: Line
    version: int = Field(ge=1)
    title: Line
    body: Text = Field(description="the opinion and the reply, as approved")
    topic: Line
    topic_name: Line
    unit: Line | None = None
    received_on: Day
    answered_on: Day
    published_at: Moment
    content_hash: Line


class PublicOpinionWithdrawn(Payload):
    """A published opinion was hidden: a site that shows it takes it down (the reason is the public's)."""

    opinion_id: Line
    reason: Text
    withdrawn_at: Moment


# ---- consultations on major decisions (征求意见) -------------------------------------------------------

MAX_DRAFT = 200_000
MAX_COMMENT = 2_000


class Document(Payload):
    """A document of a decision draft (起草说明, 草案全文 …), as text: it is reviewed with the draft."""

    name: Line = Field(min_length=1, max_length=200)
    text: Text = Field(min_length=1, max_length=MAX_DRAFT)


class AnswerOutcome(StrEnum):
    adopted = "adopted"   # 采纳
    partly = "partly"     # 部分采纳
    not_adopted = "not"   # 未采纳


class RecordKind(StrEnum):
    expert = "expert"                    # 专家论证意见
    hearing = "hearing"                  # 听证会（公告）
    representatives = "representatives"  # 听证代表遴选
    hearing_record = "hearing-record"    # 听证笔录
    research = "research"                # 专题调研


CREATE_CONSULTATION = "gongkai.participation.create_consultation.v1"
SUBMIT_COMMENT = "gongkai.participation.submit_comment.v1"
HIDE_COMMENT = "gongkai.participation.hide_comment.v1"
RECORD_EXPERT_OPINION = "gongkai.participation.record_expert_opinion.v1"
ANNOUNCE_HEARING = "gongkai.participation.announce_hearing.v1"
REGISTER_FOR_HEARING = "gongkai.participation.register_for_hearing.v1"
SELECT_REPRESENTATIVES = "gongkai.participation.select_representatives.v1"
RECORD_HEARING = "gongkai.participation.record_hearing.v1"
RECORD_RESEARCH_VISIT = "gongkai.participation.record_research_visit.v1"
CLOSE_CONSULTATION = "gongkai.participation.close_consultation.v1"
PUBLISH_FEEDBACK = "gongkai.participation.publish_feedback.v1"


class CreateConsultation(Payload):
    """A major decision's draft, to be reviewed before it opens; the period follows its kind unless given."""

    kind: Line = Field(min_length=1, max_length=32, description="a kind of policy.toml (major-decision …)")
    title: Line = Field(min_length=1, max_length=200)
    draft: Text = Field(min_length=1, max_length=MAX_DRAFT, description="the decision draft's text")
    documents: list[Document] = Field(default_factory=list, max_length=20)
    unit: Line = Field(min_length=1, max_length=128, description="the unit that drafts the decision")
    opens_on: Day
    closes_on: Day | None = Field(None, description="the last day comments are taken (default: the kind's days)")


class CommentBody(Payload):
    text: Text = Field(min_length=1, max_length=MAX_COMMENT, description="the comment; shown only after screening")
    name: Line | None = Field(None, max_length=64, description="never public")
    contact: Contact = Field(default_factory=Contact, description="never public")
    website: Line | None = Field(None, max_length=200, description="leave empty (a field people do not see)")


class SubmitComment(CommentBody):
    consultation_id: Line = Field(min_length=1, max_length=64)


class HideComment(HideBody):
    consultation_id: Line = Field(min_length=1, max_length=64)
    comment_id: Line = Field(min_length=1, max_length=64)


class ExpertOpinionBody(Payload):
    expert: Line = Field(min_length=1, max_length=128, description="the expert's name")
    affiliation: Line | None = Field(None, max_length=200)
    opinion: Text = Field(min_length=1, max_length=20_000)
    on: Day


class RecordExpertOpinion(ExpertOpinionBody):
    consultation_id: Line = Field(min_length=1, max_length=64)


class HearingBody(Payload):
    title: Line = Field(min_length=1, max_length=200)
    held_on: Day
    place: Line = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=1_000, description="how many may register")


class AnnounceHearing(HearingBody):
    consultation_id: Line = Field(min_length=1, max_length=64)


class RegistrationBody(Payload):
    name: Line = Field(min_length=1, max_length=64, description="never public")
    contact: Contact = Field(description="a phone or an e-mail, never public")
    statement: Text | None = Field(None, max_length=2_000, description="what the person wishes to say")
    website: Line | None = Field(None, max_length=200, description="leave empty (a field people do not see)")


class RegisterForHearing(RegistrationBody):
    consultation_id: Line = Field(min_length=1, max_length=64)
    hearing_id: Line = Field(min_length=1, max_length=16)


class RepresentativesBody(Payload):
    registrations: list[Line] = Field(min_length=1, max_length=1_000, description="the registrations chosen")
    on: Day


class SelectRepresentatives(RepresentativesBody):
    consultation_id: Line = Field(min_length=1, max_length=64)
    hearing_id: Line = Field(min_length=1, max_length=16)


class HearingRecordBody(Payload):
    record: Text = Field(min_length=1, max_length=100_000, description="the hearing's record (听证笔录)")
    on: Day


class RecordHearing(HearingRecordBody):
    consultation_id: Line = Field(min_length=1, max_length=64)
    hearing_id: Line = Field(min_length=1, max_length=16)


class ResearchVisitBody(Payload):
    on: Day
    place: Line = Field(min_length=1, max_length=200)
    participants: Text = Field(min_length=1, max_length=2_000)
    summary: Text = Field(min_length=1, max_length=20_000)


class RecordResearchVisit(ResearchVisitBody):
    consultation_id: Line = Field(min_length=1, max_length=64)


class CloseBody(Payload):
    on: Day


class CloseConsultation(CloseBody):
    consultation_id: Line = Field(min_length=1, max_length=64)


class Answer(Payload):
    opinion: Line = Field(min_length=1, max_length=64, description="comment:<id> or expert:<id>")
    outcome: AnswerOutcome
    reason: Text = Field(max_length=2_000, description="why adopted, partly adopted or not")


class FeedbackBody(Payload):
    summary: Text = Field(min_length=1, max_length=20_000, description="the report's account of the consultation")
    answers: list[Answer] = Field(max_length=10_000)


class PublishFeedback(FeedbackBody):
    consultation_id: Line = Field(min_length=1, max_length=64)


CONSULTATION_CREATED = "gongkai.participation.consultation_created.v1"
COMMENT_RECEIVED = "gongkai.participation.comment_received.v1"
COMMENT_HIDDEN = "gongkai.participation.comment_hidden.v1"
CONSULTATION_RECORDED = "gongkai.participation.consultation_recorded.v1"
HEARING_REGISTERED = "gongkai.participation.hearing_registered.v1"
CONSULTATION_CLOSED = "gongkai.participation.consultation_closed.v1"
PUBLIC_CONSULTATION_OPENED = "gongkai.participation.public.consultation_opened.v1"
PUBLIC_CONSULTATION_CLOSED = "gongkai.participation.public.consultation_closed.v1"
PUBLIC_COMMENT_SHOWN = "gongkai.participation.public.comment_shown.v1"
PUBLIC_COMMENT_WITHDRAWN = "gongkai.participation.public.comment_withdrawn.v1"
PUBLIC_FEEDBACK_PUBLISHED = "gongkai.participation.public.feedback_published.v1"
PUBLIC_CONSULTATION_OPENED_KEY = "participation.consultation.opened.v1"
PUBLIC_CONSULTATION_CLOSED_KEY = "participation.consultation.closed.v1"
PUBLIC_COMMENT_SHOWN_KEY = "participation.comment.shown.v1"
PUBLIC_COMMENT_WITHDRAWN_KEY = "participation.comment.withdrawn.v1"
PUBLIC_FEEDBACK_PUBLISHED_KEY = "participation.feedback.published.v1"


class ConsultationCreated(Payload):
    consultation_id: Line
    kind: Line
    unit: Line
    opens_on: Day
    closes_on: Day


class CommentReceived(Payload):
    """A comment was received (its number; never its writer's name or contact); it is screened before it shows."""

    consultation_id: Line
    comment_id: Line
    received_on: Day


class ConsultationRecorded(Payload):
    """An expert opinion, a hearing's notice, its representatives or record, or a research visit was recorded."""

    consultation_id: Line
    kind: RecordKind
    record_id: Line
    on: Day
    note: Text | None = Field(None, max_length=2_000)


class HearingRegistered(Payload):
    consultation_id: Line
    hearing_id: Line
    registration_id: Line
    registered: int = Field(ge=1, description="registrations so far")
    capacity: int = Field(ge=1)


class ConsultationClosed(Payload):
    consultation_id: Line
    closed_on: Day
    comments: int = Field(ge=0)


class PublicConsultation(Payload):
    """An approved decision draft open for comments, as the public sees it."""

    consultation_id: Line
    version: int = Field(ge=1)
    kind: Line
    kind_name: Line
    title: Line
    body: Text
    unit: Line
    opens_on: Day
    closes_on: Day
    published_at: Moment
    content_hash: Line


class PublicConsultationClosed(Payload):
    consultation_id: Line
    closed_on: Day
    comments: int = Field(ge=0)


class PublicComment(Payload):
    """A comment's text as screened and approved: never its writer's name or contact."""

    consultation_id: Line
    comment_id: Line
    number: int = Field(ge=1)
    text: Text
    shown_at: Moment
    content_hash: Line


class PublicCommentWithdrawn(Payload):
    consultation_id: Line
    comment_id: Line
    reason: Text
    withdrawn_at: Moment


class PublicFeedback(Payload):
    """A consultation's feedback report, approved: every opinion with its outcome and reason."""

    consultation_id: Line
    version: int = Field(ge=1)
    title: Line
    body: Text
    adopted: int = Field(ge=0)
    partly: int = Field(ge=0)
    not_adopted: int = Field(ge=0)
    published_at: Moment
    content_hash: Line
