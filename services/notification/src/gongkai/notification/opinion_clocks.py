"""The opinion box (意见箱): notification keeps an opinion's reply clock from the participation service's facts.

- received (``participation.opinion_received``), when the person asked for a reply: the clock of the rule(s) the
  policy opens by it (``opinion-reply``, 15 working days in the shipped deadline_rules.toml) starts from the day
  it was received; the office is told, as no unit has it yet.
- routed: the clock's unit becomes the unit it went to, so reminders and escalation reach that unit.
- answered: the policy's rules met by it are met on the day of the reply (late or not).
- hidden: the rules cancelled by it are cancelled (a hidden opinion is not answered).

The participation service keeps the workflow and refuses a step out of order before it emits the fact; this
only counts days, so one reminder schedule, one calendar and one escalation path serve every clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope

from .domain import State
from .handlers import Clocks
from .store import NotificationWork


class OpinionClocks:
    def __init__(self, clocks: Clocks) -> None:
        self.clocks = clocks

    async def on_received(self, fact: c.OpinionReceived, event: Envelope, uow: NotificationWork) -> None:
        if not fact.wants_reply:
            return  # no reply asked for: no clock
        await uow.deadlines.lock(f"opinion:{fact.opinion_id}")
        cal = await self.clocks.calendar(uow)
        for rule in self.clocks.policy.opened_by(event.type):
            if await uow.deadlines.live_deadline(fact.opinion_id, rule.id) is None:
                await self.clocks.open(uow, event, rule, cal, subject=fact.opinion_id, item_id=fact.opinion_id,
                                       version=1, start=fact.received_on, unit=fact.unit, category=fact.topic)

    async def on_routed(self, fact: c.OpinionRouted, event: Envelope, uow: NotificationWork) -> None:
        await uow.deadlines.lock(f"opinion:{fact.opinion_id}")
        for rule in self.clocks.policy.opened_by(c.OPINION_RECEIVED):
            live = await uow.deadlines.live_deadline(fact.opinion_id, rule.id)
            if live is not None and live.unit != fact.unit:
                await uow.deadlines.save(replace(live, unit=fact.unit))

    async def on_answered(self, fact: c.OpinionAnswered, event: Envelope, uow: NotificationWork) -> None:
        await self._close(fact.opinion_id, event, uow, on=fact.answered_on)

    async def on_hidden(self, fact: c.ItemHidden, event: Envelope, uow: NotificationWork) -> None:
        await self._close(fact.item_id.removeprefix(c.OPINION_ITEM_PREFIX), event, uow)

    async def _close(self, opinion_id: str, event: Envelope, uow: NotificationWork, on: date | None = None) -> None:
        await uow.deadlines.lock(f"opinion:{opinion_id}")
        for rules, state in ((self.clocks.policy.met_by(event.type), State.met),
                             (self.clocks.policy.cancelled_by(event.type), State.cancelled)):
            for rule in rules:
                live = await uow.deadlines.live_deadline(opinion_id, rule.id)
                if live is not None:
                    await self.clocks.close(uow, event, live, state, on)
