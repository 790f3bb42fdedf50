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
