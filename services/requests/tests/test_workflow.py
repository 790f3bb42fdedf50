"""The request workflow as a state machine: every step, its actor and basis, and every refusal (no broker, no DB)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from gongkai.requests import codec, domain, fees
from gongkai.requests.domain import RULES, Actor, State, Step
from gongkai.shared import contracts as c
from gongkai.shared.calendar import shipped_calendar
from gongkai.shared.contracts import ReceiptChannel, RequestOutcome
from gongkai.shared.errors import Conflict, Forbidden, Refused

CAL = shipped_calendar()
DAY = date(2026, 11, 2)  # a Monday, a working day
TODAY = date(2026, 12, 1)
STAFF = frozenset({Actor.registrar, Actor.handler})
OFFICE = frozenset({Actor.registrar, Actor.handler, Actor.office})
HEAD = frozenset({Actor.registrar, Actor.handler, Actor.office, Actor.office_head})


def received(on: date = DAY) -> domain.Request:
    return domain.receive("YSQ-20261102-ABCDEF", ReceiptChannel.registered_post, c.ApplicantKind.natural_person,
                          "请公开2026年城区公交线路调整的论证材料", on, person="li.na", actors=STAFF)


def examining() -> domain.Request:
    return domain.assign(received(), "运输管理科", DAY, person="sun.qiang", actors=OFFICE, today=TODAY)


def drafted(outcome: RequestOutcome = RequestOutcome.granted, disclosed: str | None = "论证报告全文……"
            ) -> domain.Request:
    return domain.draft_reply(examining(), outcome, "经审查，现将您申请的信息提供如下。", disclosed,
                              person="wang.fang", actors=STAFF, today=TODAY)


def approved() -> domain.Request:
    r = drafted()
    assert r.reply is not None
    after = domain.review_decided(r, 1, r.reply.content_hash, "approved", "zhao.lei", TODAY)
    assert after is not None
    return after


# ---- the rules themselves -------------------------------------------------------------------------------


def test_every_step_names_its_actors_and_its_legal_basis():
    assert set(RULES) == set(Step)
    for rule in RULES.values():
        assert rule.actors, rule.step
        assert "条例第" in rule.basis, rule.step


def test_the_national_taxonomy_has_every_outcome_named_in_chinese():
    names = domain.OUTCOME_NAMES
    assert set(names) == set(RequestOutcome)
    assert sum(1 for n in names.values() if n.startswith("不予公开：")) == 8
    assert sum(1 for n in names.values() if n.startswith("无法提供：")) == 3
    assert sum(1 for n in names.values() if n.startswith("不予处理：")) == 5
    assert names[RequestOutcome.granted] == "予以公开" and names[RequestOutcome.partly_granted] == "部分公开"


# ---- receipt (条例第三十一条) ----------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "given", "expected"), [
    (ReceiptChannel.in_person, {"submitted_on": DAY}, DAY),
    (ReceiptChannel.registered_post, {"signed_on": DAY}, DAY),
    (ReceiptChannel.ordinary_post, {"confirmed_on": DAY}, DAY),
    (ReceiptChannel.fax, {"confirmed_on": DAY}, DAY),
    (ReceiptChannel.email, {"confirmed_on": DAY}, DAY),
    (ReceiptChannel.online, {}, TODAY),
])
def test_the_date_of_receipt_follows_the_channel(channel, given, expected):
    assert domain.receipt_date(channel, today=TODAY, **given) == expected


@pytest.mark.parametrize(("channel", "given", "reason"), [
    (ReceiptChannel.registered_post, {}, "signed_on is required"),
    (ReceiptChannel.ordinary_post, {"signed_on": DAY}, "signed_on does not apply"),
    (ReceiptChannel.in_person, {"confirmed_on": DAY}, "confirmed_on does not apply"),
    (ReceiptChannel.fax, {}, "confirmed_on is required"),
    (ReceiptChannel.email, {"confirmed_on": TODAY + timedelta(days=1)}, "in the future"),
])
def test_a_wrong_or_missing_date_of_receipt_is_refused(channel, given, reason):
    with pytest.raises(Refused, match=reason):
        domain.receipt_date(channel, today=TODAY, **given)


def test_staff_cannot_enter_an_online_request_and_the_portal_cannot_enter_a_letter():
    with pytest.raises(Forbidden, match="portal"):
        domain.receive("X", ReceiptChannel.online, c.ApplicantKind.commercial, "d", DAY, person="li.na",
                       actors=STAFF)
    with pytest.raises(Forbidden, match="registrar"):
        domain.receive("X", ReceiptChannel.fax, c.ApplicantKind.commercial, "d", DAY, person="public:portal",
                       actors=frozenset({Actor.applicant}))


def test_receipt_is_the_first_step_with_its_actor_and_basis():
    r = received()
    assert r.state is State.received
    first = r.history[0]
    assert (first.step, first.actor, first.on) == (Step.receive, Actor.registrar, DAY)
    assert "第三十一条" in first.basis


# ---- correction (条例第三十条) --------------------------------------------------------------------------


def ask(r: domain.Request, on: date = DAY, items: list[str] | None = None) -> domain.Request:
    return domain.ask_correction(r, items or ["写明所需信息的名称或文号", "提供身份证明"], on, 10, CAL,
                                 person="wang.fang", actors=STAFF, today=TODAY)


def test_one_notice_lists_everything_to_fix_and_gives_a_date():
    r = ask(received())
    assert r.state is State.correction_asked
    assert r.correction_items == ("写明所需信息的名称或文号", "提供身份证明")
    assert r.correct_by == CAL.add_working_days(DAY, 10)


def test_a_second_correction_notice_is_refused():
    r = domain.record_correction(ask(received()), DAY + timedelta(days=3), None, person="li.na", actors=STAFF,
                                 today=TODAY)
    with pytest.raises(Conflict, match="once"):
        ask(r, DAY + timedelta(days=3))


def test_a_correction_is_asked_within_seven_working_days_of_receipt():
    late = CAL.add_working_days(DAY, 8)
    with pytest.raises(Conflict, match="7 working days"):
        ask(received(), late)
    assert ask(received(), CAL.add_working_days(DAY, 7)).state is State.correction_asked


def test_an_empty_list_of_things_to_fix_is_refused():
    with pytest.raises(Refused, match="list everything"):
        ask(received(), items=["  "])


def test_the_corrected_request_goes_back_where_it_was_with_its_new_description():
    r = domain.record_correction(ask(examining()), DAY + timedelta(days=2), "2026年3路公交线路调整的听证记录",
                                 person="li.na", actors=STAFF, today=TODAY)
    assert r.state is State.examining and r.corrected_on == DAY + timedelta(days=2)
    assert r.description == "2026年3路公交线路调整的听证记录"
    assert domain.record_correction(ask(received()), DAY, None, person="li.na", actors=STAFF,
                                    today=TODAY).state is State.received


def test_no_correction_in_the_time_given_and_the_request_is_deemed_withdrawn():
    r = ask(received())
    assert r.correct_by is not None
    with pytest.raises(Conflict, match="has until"):
        domain.close_uncorrected(r, r.correct_by, person="wang.fang", actors=STAFF, today=TODAY)
    closed = domain.close_uncorrected(r, r.correct_by + timedelta(days=1), person="wang.fang", actors=STAFF,
                                      today=TODAY)
    assert closed.state is State.withdrawn and closed.outcome is RequestOutcome.other_no_correction
    with pytest.raises(Conflict, match="withdrawn"):
        domain.assign(closed, "运输管理科", TODAY, person="sun.qiang", actors=OFFICE, today=TODAY)


def test_a_correction_cannot_be_recorded_when_none_was_asked():
    with pytest.raises(Conflict, match="correction-asked"):
        domain.record_correction(received(), DAY, None, person="li.na", actors=STAFF, today=TODAY)


def test_a_correction_after_a_consultation_is_refused():
    r = domain.consult(examining(), c.ConsultedParty.third_party, "某公交公司", DAY, person="wang.fang",
                       actors=STAFF, today=TODAY)
    r = domain.record_consultation_reply(r, DAY + timedelta(days=1), None, person="wang.fang", actors=STAFF,
                                         today=TODAY)
    with pytest.raises(Conflict, match="consult"):
        ask(r, DAY + timedelta(days=1))


# ---- examination and consultation (条例第三十二条) ----------------------------------------------------------


def test_only_the_office_assigns_a_request():
    with pytest.raises(Forbidden, match="office"):
        domain.assign(received(), "运输管理科", DAY, person="li.na", actors=STAFF, today=TODAY)
    r = examining()
    assert r.state is State.examining and r.unit == "运输管理科"
    assert r.history[-1].actor is Actor.office


def test_a_consultation_pauses_and_its_reply_resumes_examination():
    r = domain.consult(examining(), c.ConsultedParty.agency, "市交通运输局", DAY, person="wang.fang", actors=STAFF,
                       today=TODAY)
    assert r.state is State.consulting and r.consulting == "市交通运输局"
    with pytest.raises(Conflict, match="consulting"):
        domain.draft_reply(r, RequestOutcome.other, "答复", None, person="wang.fang", actors=STAFF, today=TODAY)
    back = domain.record_consultation_reply(r, DAY, "同意公开", person="wang.fang", actors=STAFF, today=TODAY)
    assert back.state is State.examining and back.consulting is None


def test_a_consultation_before_assignment_is_out_of_order():
    with pytest.raises(Conflict, match="examining"):
        domain.consult(received(), c.ConsultedParty.third_party, "x", DAY, person="wang.fang", actors=STAFF,
                       today=TODAY)


# ---- extension (条例第三十三条) ------------------------------------------------------------------------------


def test_the_office_head_extends_once_by_at_most_twenty_working_days():
    r = domain.extend(examining(), 20, "需调取档案", DAY, person="sun.qiang", actors=HEAD, today=TODAY)
    assert r.extended_days == 20 and r.extended_by == "sun.qiang"
    assert r.history[-1].actor is Actor.office_head
    with pytest.raises(Conflict, match="once"):
        domain.extend(r, 5, "再次延期", DAY, person="sun.qiang", actors=HEAD, today=TODAY)


@pytest.mark.parametrize("days", [0, 21, -3])
def test_an_extension_over_twenty_days_or_of_none_is_refused(days):
    with pytest.raises(Refused, match="1 to 20"):
        domain.extend(examining(), days, "x", DAY, person="sun.qiang", actors=HEAD, today=TODAY)


def test_only_the_office_head_extends():
    with pytest.raises(Forbidden, match="office-head"):
        domain.extend(examining(), 10, "x", DAY, person="wang.fang", actors=OFFICE, today=TODAY)


# ---- reply (条例第三十六条) and review (条例第十七条) -----------------------------------------------------------


def test_a_disclosing_reply_waits_for_review_and_is_bound_to_its_hash():
    r = drafted()
    assert r.state is State.reply_in_review and r.reply is not None and r.reply.review == "pending"
    title, body, content_hash = domain.reply_content(r.request_id, RequestOutcome.granted, r.reply.text,
                                                     r.reply.disclosed)
    assert content_hash == r.reply.content_hash and "论证报告全文" in body and "予以公开" in title


def test_a_reply_cannot_be_sent_before_its_approval():
    with pytest.raises(Conflict, match="before its approval"):
        domain.send_reply(drafted(), TODAY, None, person="wang.fang", actors=STAFF, today=TODAY)


def test_an_approval_of_another_text_or_draft_changes_nothing():
    r = drafted()
    assert domain.review_decided(r, 1, "sha256:" + "0" * 64, "approved", "zhao.lei", TODAY) is None
    assert r.reply is not None
    assert domain.review_decided(r, 2, r.reply.content_hash, "approved", "zhao.lei", TODAY) is None


def test_the_approved_reply_is_sent_only_with_its_hash():
    r = approved()
    assert r.state is State.reply_ready and r.reply is not None
    with pytest.raises(Conflict, match="exactly"):
        domain.send_reply(r, TODAY, "sha256:" + "1" * 64, person="wang.fang", actors=STAFF, today=TODAY)
    sent = domain.send_reply(r, TODAY, r.reply.content_hash, person="wang.fang", actors=STAFF, today=TODAY)
    assert sent.state is State.answered and sent.outcome is RequestOutcome.granted and sent.answered_on == TODAY


def test_a_reply_dated_in_the_future_or_before_receipt_is_refused():
    r = approved()
    assert r.reply is not None
    with pytest.raises(Refused, match="future"):
        domain.send_reply(r, TODAY + timedelta(days=1), r.reply.content_hash, person="wang.fang", actors=STAFF,
                          today=TODAY)
    with pytest.raises(Refused, match="before"):
        domain.send_reply(r, DAY - timedelta(days=1), r.reply.content_hash, person="wang.fang", actors=STAFF,
                          today=TODAY)


def test_a_rejected_reply_goes_back_to_examination_and_a_new_draft_is_reviewed_again():
    r = drafted()
    assert r.reply is not None
    back = domain.review_decided(r, 1, r.reply.content_hash, "rejected", "zhao.lei", TODAY)
    assert back is not None and back.state is State.examining
    again = domain.draft_reply(back, RequestOutcome.partly_granted, "部分公开", "摘要", person="wang.fang",
                               actors=STAFF, today=TODAY)
    assert again.reply is not None and again.reply.draft == 2 and again.state is State.reply_in_review
    assert again.reply.content_hash != r.reply.content_hash


def test_a_reply_that_discloses_nothing_needs_no_review():
    r = drafted(RequestOutcome.unavailable_not_held, None)
    assert r.state is State.reply_ready and r.reply is not None and r.reply.review == "not-needed"
    sent = domain.send_reply(r, TODAY, None, person="wang.fang", actors=STAFF, today=TODAY)
    assert sent.outcome is RequestOutcome.unavailable_not_held


def test_a_disclosing_reply_must_say_what_it_gives_and_a_refusal_gives_nothing():
    with pytest.raises(Refused, match="disclosed"):
        drafted(RequestOutcome.granted, None)
    with pytest.raises(Refused, match="discloses nothing"):
        drafted(RequestOutcome.withheld_state_secret, "某文件")
    with pytest.raises(Refused, match="own step"):
        drafted(RequestOutcome.other_no_correction, None)


def test_a_reply_before_examination_is_out_of_order():
    with pytest.raises(Conflict, match="received"):
        domain.draft_reply(received(), RequestOutcome.other, "答复", None, person="wang.fang", actors=STAFF,
                           today=TODAY)


def test_a_sent_reply_ends_the_request():
    r = approved()
    assert r.reply is not None
    sent = domain.send_reply(r, TODAY, r.reply.content_hash, person="wang.fang", actors=STAFF, today=TODAY)
    for step in (lambda: domain.extend(sent, 5, "x", TODAY, person="s", actors=HEAD, today=TODAY),
                 lambda: domain.send_reply(sent, TODAY, None, person="s", actors=STAFF, today=TODAY),
                 lambda: domain.draft_reply(sent, RequestOutcome.other, "x", None, person="s", actors=STAFF,
                                            today=TODAY)):
        with pytest.raises(Conflict, match="answered"):
            step()


def test_steps_keep_their_order_in_time():
    r = domain.assign(received(), "运输管理科", DAY + timedelta(days=5), person="sun.qiang", actors=OFFICE,
                      today=TODAY)
    with pytest.raises(Refused, match="before the last step"):
        domain.consult(r, c.ConsultedParty.third_party, "x", DAY + timedelta(days=1), person="w", actors=STAFF,
                       today=TODAY)


def test_a_refused_step_changes_nothing():
    r = examining()
    before = codec.dump(r)
    with pytest.raises(Forbidden):
        domain.extend(r, 10, "x", DAY, person="wang.fang", actors=STAFF, today=TODAY)
    assert codec.dump(r) == before


def test_a_request_survives_its_round_trip_through_the_table():
    r = approved()
    r = replace(r, correct_by=DAY, corrected_on=DAY)
    assert codec.load(codec.dump(r)) == r


def test_the_reply_due_date_follows_notifications_newest_announcement():
    r = domain.reply_due(received(), date(2026, 11, 30), "2026-11-02T04:00:00+00:00")
    assert r is not None and r.due_on == date(2026, 11, 30)
    moved = domain.reply_due(r, date(2026, 12, 14), "2026-11-10T04:00:00+00:00")
    assert moved is not None and moved.due_on == date(2026, 12, 14)
    assert domain.reply_due(moved, date(2026, 11, 30), "2026-11-02T04:00:00+00:00") is None  # an older one, late
    assert codec.load(codec.dump(moved)) == moved


def test_a_redaction_makes_the_next_draft_without_the_spans_and_reviews_it_again():
    r = drafted(RequestOutcome.partly_granted, "论证报告：联系人张三，电话13800000000。")
    assert r.reply is not None
    start = r.reply.body.index("13800000000")
    span = c.Span(field="body", start=start, end=start + 11)
    after = domain.redacted(r, 1, r.reply.content_hash, [span], "case-1", "zhao.lei", TODAY)
    assert after is not None and after.state is State.reply_in_review and after.reply is not None
    new = after.reply
    assert (new.draft, new.review, new.redaction_of) == (2, "pending", "case-1")
    assert "13800000000" not in new.body and "电话×××。" in new.body
    assert new.disclosed == "论证报告：联系人张三，电话×××。"
    assert new.content_hash == domain.reply_hash(new.title, new.body) != r.reply.content_hash
    with pytest.raises(Conflict, match="before its approval"):
        domain.send_reply(after, TODAY, new.content_hash, person="wang.fang", actors=STAFF, today=TODAY)


def test_a_redaction_of_another_draft_changes_nothing_and_a_span_outside_the_draft_is_refused():
    r = drafted()
    assert r.reply is not None
    span = c.Span(field="body", start=0, end=2)
    assert domain.redacted(r, 2, r.reply.content_hash, [span], "case-1", "zhao.lei", TODAY) is None
    with pytest.raises(Refused, match="not in the reply"):
        domain.redacted(r, 1, r.reply.content_hash, [c.Span(field="body", start=0, end=99_999)], "case-1",
                        "zhao.lei", TODAY)


def sent() -> domain.Request:
    r = approved()
    assert r.reply is not None
    return domain.send_reply(r, TODAY, r.reply.content_hash, person="wang.fang", actors=STAFF, today=TODAY)


def test_a_reconsideration_is_recorded_against_an_answered_request_and_its_result_replaces_pending():
    r = domain.record_challenge(sent(), c.ChallengeKind.reconsideration, c.ChallengeResult.pending, TODAY, None,
                                person="wang.fang", actors=STAFF, today=TODAY)
    r = domain.record_challenge(r, c.ChallengeKind.reconsideration, c.ChallengeResult.upheld, TODAY, "维持",
                                person="wang.fang", actors=STAFF, today=TODAY)
    r = domain.record_challenge(r, c.ChallengeKind.litigation, c.ChallengeResult.pending, TODAY, None,
                                person="wang.fang", actors=STAFF, today=TODAY)
    assert r.challenges == (("reconsideration", "upheld", TODAY.isoformat()),
                            ("litigation", "pending", TODAY.isoformat()))
    assert "第五十一条" in r.history[-1].basis and codec.load(codec.dump(r)) == r
    with pytest.raises(Conflict, match="not pending again"):
        domain.record_challenge(r, c.ChallengeKind.reconsideration, c.ChallengeResult.pending, TODAY, None,
                                person="wang.fang", actors=STAFF, today=TODAY)


def test_a_challenge_before_the_answer_is_out_of_order():
    with pytest.raises(Conflict, match="answered"):
        domain.record_challenge(examining(), c.ChallengeKind.litigation, c.ChallengeResult.pending, TODAY, None,
                                person="wang.fang", actors=STAFF, today=TODAY)



# ---- information processing fees (国办函〔2020〕109号) ------------------------------------------------------

SCHEDULE = fees.load()
CLERK = frozenset({Actor.handler})


def fee_notified(on: date = DAY) -> domain.Request:
    fee = fees.by_count(SCHEDULE, 11)
    return domain.notify_fee(examining(), fee, SCHEDULE.pay_within, on, CAL, person="sun.qiang", actors=OFFICE,
                             today=TODAY)


def test_a_fee_notice_asks_for_the_amount_in_its_band_and_a_day_to_pay_by():
    r = fee_notified()
    assert r.state is State.awaiting_fee
    assert (r.fee_yuan, r.pay_by) == (100, CAL.add_working_days(DAY, 20))
    assert "第11—30件" in (r.fee_band or "")
    done = r.history[-1]
    assert done.step is Step.notify_fee and done.actor is Actor.office and "国办函〔2020〕109号" in done.basis
    assert codec.load(codec.dump(r)) == r


def test_a_fee_notice_is_given_by_the_office_while_examining_and_for_an_amount():
    with pytest.raises(Forbidden):
        domain.notify_fee(examining(), fees.by_count(SCHEDULE, 11), 20, DAY, CAL, person="x", actors=CLERK,
                          today=TODAY)
    with pytest.raises(Conflict):
        domain.notify_fee(received(), fees.by_count(SCHEDULE, 11), 20, DAY, CAL, person="x", actors=OFFICE,
                          today=TODAY)
    with pytest.raises(Refused, match="no fee"):
        domain.notify_fee(examining(), fees.by_count(SCHEDULE, 10), 20, DAY, CAL, person="x", actors=OFFICE,
                          today=TODAY)


def test_while_the_fee_is_unpaid_no_reply_is_drafted_or_sent():
    r = fee_notified()
    with pytest.raises(Conflict, match="awaiting payment of its information processing fee"):
        domain.draft_reply(r, RequestOutcome.unavailable_not_held, "本机关不掌握。", None, person="wang.fang",
                           actors=STAFF, today=TODAY)
    with pytest.raises(Conflict, match="paid or waived"):
        domain.send_reply(r, TODAY, None, person="wang.fang", actors=STAFF, today=TODAY)


def test_payment_brings_the_request_back_to_examining():
    r = domain.record_payment(fee_notified(), DAY + timedelta(days=3), None, person="sun.qiang", actors=OFFICE,
                              today=TODAY)
    assert r.state is State.examining and r.history[-1].step is Step.record_payment
    assert "100元" in (r.history[-1].note or "")
    with pytest.raises(Conflict):  # paid once
        domain.record_payment(r, TODAY, None, person="sun.qiang", actors=OFFICE, today=TODAY)
    with pytest.raises(Conflict, match="already given a fee notice"):
        domain.notify_fee(r, fees.by_count(SCHEDULE, 12), 20, TODAY, CAL, person="x", actors=OFFICE, today=TODAY)


def test_a_payment_after_the_day_to_pay_by_is_refused():
    r = fee_notified()
    assert r.pay_by is not None
    with pytest.raises(Conflict, match="late"):
        domain.record_payment(r, r.pay_by + timedelta(days=1), None, person="x", actors=OFFICE,
                              today=r.pay_by + timedelta(days=1))


def test_a_waiver_is_the_office_heads_with_a_reason():
    r = fee_notified()
    with pytest.raises(Forbidden):
        domain.waive_fee(r, "申请人经济困难", DAY, person="sun.qiang", actors=OFFICE, today=TODAY)
    with pytest.raises(Refused, match="reason"):
        domain.waive_fee(r, "  ", DAY, person="chen.ming", actors=HEAD, today=TODAY)
    after = domain.waive_fee(r, "申请人经济困难", DAY, person="chen.ming", actors=HEAD, today=TODAY)
    assert after.state is State.examining
    assert (after.history[-1].actor, after.history[-1].note) == (Actor.office_head, "申请人经济困难")


def test_an_unpaid_fee_after_its_time_closes_the_request_as_given_up():
    r = fee_notified()
    assert r.pay_by is not None
    with pytest.raises(Conflict, match="until"):
        domain.close_unpaid(r, r.pay_by, person="sun.qiang", actors=OFFICE, today=TODAY)
    late = r.pay_by + timedelta(days=1)
    closed = domain.close_unpaid(r, late, person="sun.qiang", actors=OFFICE, today=late)
    assert closed.state is State.withdrawn
    assert (closed.outcome, closed.answered_on) == (RequestOutcome.other_no_fee, late)
    with pytest.raises(Conflict):
        domain.close_unpaid(examining(), late, person="sun.qiang", actors=OFFICE, today=late)


def test_an_answer_that_disclosed_is_made_public_once_by_staff_who_handle_requests():
    r = domain.make_public(sent(), "item-7", TODAY, person="sun.qiang", actors=OFFICE, today=TODAY)
    assert r.public_item == "item-7" and "第四十四条" in r.history[-1].basis and codec.load(codec.dump(r)) == r
    with pytest.raises(Conflict, match="already made public as item item-7"):
        domain.make_public(r, "item-8", TODAY, person="sun.qiang", actors=OFFICE, today=TODAY)
    with pytest.raises(Refused, match="handler"):
        domain.make_public(sent(), "item-7", TODAY, person="someone", actors=frozenset({Actor.registrar}),
                           today=TODAY)


def test_only_an_answered_request_that_disclosed_information_is_made_public():
    with pytest.raises(Conflict, match="answered"):
        domain.make_public(examining(), "item-7", TODAY, person="sun.qiang", actors=OFFICE, today=TODAY)
    held = domain.draft_reply(examining(), RequestOutcome.unavailable_not_held, "本机关不掌握相关政府信息。", None,
                              person="wang.fang", actors=STAFF, today=TODAY)
    assert held.reply is not None
    held = domain.send_reply(held, TODAY, held.reply.content_hash, person="wang.fang", actors=STAFF, today=TODAY)
    with pytest.raises(Conflict, match="only an answer that disclosed"):
        domain.make_public(held, "item-7", TODAY, person="sun.qiang", actors=OFFICE, today=TODAY)
