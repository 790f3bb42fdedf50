from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES = (
    MessageSpec(c.SUBMIT_DISCLOSURE, c.SubmitDisclosure, "intake", ("staff-tools",),
                "Submit a disclosure item (version 1) for review"),
    MessageSpec(c.DISCLOSURE_SUBMITTED, c.DisclosureSubmitted, "events", ("publishing",),
                "A version was stored and awaits review"),
    MessageSpec(c.DISCLOSURE_PUBLISHED, c.DisclosurePublished, "events", ("publishing",),
                "A version was published (internal record, public and internal items)"),
    MessageSpec(c.DISCLOSURE_PUBLICATION_REFUSED, c.PublicationRefused, "events", ("publishing",),
                "An approval did not match the version; nothing was published"),
    MessageSpec(c.PUBLIC_DISCLOSURE_PUBLISHED, c.PublicDisclosure, "public", ("publishing",),
                "An approved item, as the public sees it, on one channel",
                routing_key="{channel}.{category}.published"),
)
