"""The participation service's messages (政民互动): the opinion box and, later, consultations."""

from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

STAFF = ("staff-tools",)
OWN = ("participation",)

MESSAGES = (
    MessageSpec(c.RECEIVE_OPINION, c.ReceiveOpinion, "intake", STAFF,
                "Enter an opinion that came by letter or at the service hall, with the day it was received"),
    MessageSpec(c.SUBMIT_ONLINE_OPINION, c.SubmitOnlineOpinion, "intake", STAFF,
                "An opinion from the portal's opinion box (the portal posts it to POST /public/opinions)"),
    MessageSpec(c.ROUTE_OPINION, c.RouteOpinion, "intake", STAFF, "The office gives an opinion to the unit that "
                                                                  "answers it"),
    MessageSpec(c.REPLY_OPINION, c.ReplyOpinion, "intake", STAFF,
                "Send the reply to the person: refused without its text"),
    MessageSpec(c.PUBLISH_OPINION, c.PublishOpinion, "intake", STAFF,
                "Publish an answered opinion and its reply, anonymised: it goes to the confidentiality review"),
    MessageSpec(c.HIDE_OPINION, c.HideOpinion, "intake", STAFF,
                "Hide an opinion (moderation) with the reason; nothing is deleted"),
    MessageSpec(c.OPINION_RECEIVED, c.OpinionReceived, "events", OWN,
                "An opinion was received; notification opens its reply clock when a reply is asked"),
    MessageSpec(c.OPINION_ROUTED, c.OpinionRouted, "events", OWN,
                "An opinion went to the unit that answers it; notification tells that unit of its clock"),
    MessageSpec(c.OPINION_ANSWERED, c.OpinionAnswered, "events", OWN,
                "The reply was sent to the person; notification meets the reply clock"),
    MessageSpec(c.OPINION_HIDDEN, c.ItemHidden, "events", OWN,
                "An opinion was hidden with its reason; its reply clock is cancelled"),
    MessageSpec(c.PUBLICATION_SUBMITTED, c.DisclosureSubmitted, "events", OWN,
                "A text participation would show the public (opinion and reply, draft, comment, feedback report) "
                "goes to the confidentiality review, bound to its hash"),
    MessageSpec(c.PUBLICATION_REVIEWED, c.PublicationReviewed, "events", OWN,
                "Review's decision on such a text, as participation took it"),
    MessageSpec(c.PUBLIC_OPINION_PUBLISHED, c.PublicOpinion, "public", OWN,
                "An opinion of the opinion box with its reply, anonymised and approved, as the public sees it",
                routing_key=c.PUBLIC_OPINION_PUBLISHED_KEY),
    MessageSpec(c.PUBLIC_OPINION_WITHDRAWN, c.PublicOpinionWithdrawn, "public", OWN,
                "A published opinion was hidden: take it down", routing_key=c.PUBLIC_OPINION_WITHDRAWN_KEY),
)
