from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES = (
    MessageSpec(c.REGISTER_REQUEST, c.RegisterRequest, "intake", ("staff-tools",),
                "Record a request for disclosure (依申请公开) as received; its clocks start"),
    MessageSpec(c.ASK_REQUEST_CORRECTION, c.RecordRequestStep, "intake", ("staff-tools",),
                "Record that the applicant was asked to correct the request (补正)"),
    MessageSpec(c.RECORD_REQUEST_CORRECTION, c.RecordRequestStep, "intake", ("staff-tools",),
                "Record the corrected request as received: the reply clock starts again"),
    MessageSpec(c.CONSULT_THIRD_PARTY, c.RecordRequestStep, "intake", ("staff-tools",),
                "Record that a third party was consulted: the reply clock pauses"),
    MessageSpec(c.RECORD_THIRD_PARTY_REPLY, c.RecordRequestStep, "intake", ("staff-tools",),
                "Record the third party's reply: the reply clock resumes"),
    MessageSpec(c.EXTEND_REQUEST, c.ExtendRequest, "intake", ("staff-tools",),
                "Extend the reply once, by up to 20 working days, with its approval"),
    MessageSpec(c.ANSWER_REQUEST, c.AnswerRequest, "intake", ("staff-tools",),
                "Record the answer to a request and its outcome"),
    MessageSpec(c.REQUEST_RECEIVED, c.RequestReceived, "events", ("notification",), "A request was registered"),
    MessageSpec(c.REQUEST_CORRECTION_ASKED, c.RequestStep, "events", ("notification",),
                "The applicant was asked to correct the request"),
    MessageSpec(c.REQUEST_CORRECTION_RECEIVED, c.RequestStep, "events", ("notification",),
                "The corrected request arrived"),
    MessageSpec(c.REQUEST_THIRD_PARTY_CONSULTED, c.RequestStep, "events", ("notification",),
                "A third party was consulted"),
    MessageSpec(c.REQUEST_THIRD_PARTY_REPLIED, c.RequestStep, "events", ("notification",),
                "The third party replied"),
    MessageSpec(c.REQUEST_EXTENDED, c.RequestExtended, "events", ("notification",),
                "The reply was extended, with its approval"),
    MessageSpec(c.REQUEST_ANSWERED, c.RequestAnswered, "events", ("notification",),
                "A request was answered, with the national outcome"),
)
