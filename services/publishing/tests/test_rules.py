"""Pure rules: the catalogue file, the state machine, redaction and the search terms."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from gongkai.publishing import catalogue as catalogue_module
from gongkai.publishing import domain, search
from gongkai.publishing.catalogue import Catalogue, CatalogueError
from gongkai.publishing.deadlines import Deadlines
from gongkai.shared.contracts import Audience, Channel, Span
from gongkai.shared.errors import Conflict

GOOD = {"code": "T01", "name": "交通运输行政许可", "audience": "public", "channels": ["portal", "bulletin"],
        "default_channels": ["portal"], "legal_basis": "《政府信息公开条例》第二十条",
        "deadline": {"rule": "proactive-publication", "working_days": 20}}


def test_the_bundled_catalogue_holds_the_plans_ten_public_and_three_internal_categories():
    catalogue = Catalogue.load()
    public = [c.code for c in catalogue.categories() if c.audience is Audience.public]
    internal = [c.code for c in catalogue.categories() if c.audience is Audience.internal]
    assert public == [f"S{n:02}" for n in range(1, 11)] and internal == ["N01", "N02", "N03"]
    assert all(c.legal_basis and c.deadline for c in catalogue.categories())


def test_another_agencys_catalogue_file_is_loaded(tmp_path):
    path = tmp_path / "transport.json"
    entry = {**GOOD, "content": "许可事项、依据、条件", "responsible": "行政审批科", "proactive": True}
    path.write_text(json.dumps({"agency": "交通运输部门", "categories": [entry]}), encoding="utf-8")
    catalogue = Catalogue.load(path)
    assert catalogue.codes() == ["T01"] and catalogue.get("T01").responsible == "行政审批科"


@pytest.mark.parametrize(("categories", "reason"), [
    ([GOOD, GOOD], "listed twice: T01"),
    ([{**GOOD, "default_channels": ["media"]}], "categories[0] (T01): Value error, default_channels ['media']"),
    ([{**GOOD, "audience": "internal"}], "internal category cannot use the public channels ['portal']"),
    ([{**GOOD, "colour": "red"}], "categories[0] (T01).colour: Extra inputs are not permitted"),
    ([{**GOOD, "deadline": {"rule": "proactive-publication", "working_days": 0}}], "deadline.working_days"),
    ([{**GOOD, "deadline": {"rule": "proactive-publication", "working_days": 21}}], "deadline.working_days"),
    ([{**GOOD, "deadline": {"rule": "annual-report", "working_days": 5}}], "working_days is a time limit of"),
    ([{**GOOD, "deadline": {"rule": "weekly"}}], "deadline.rule"),
    ([{**GOOD, "deadline": {"kind": "working-days", "days": 20}}], "deadline.rule: Field required"),
    ([{**GOOD, "channels": ["fax"]}], "channels.0"),
    ([], "categories: List should have at least 1 item"),
])
def test_a_bad_catalogue_is_refused_with_where_and_why(categories, reason):
    with pytest.raises(CatalogueError) as refused:
        Catalogue.parse({"categories": categories})
    assert reason in str(refused.value)


STANDARD = Path(catalogue_module.__file__).with_name("catalogue-transport.json")


def test_the_shipped_transport_standard_catalogue_is_the_plans_categories_and_two_level_sector_items():
    catalogue = Catalogue.load(STANDARD)
    sector = [c for c in catalogue.categories() if c.code.startswith("JT-")]
    assert catalogue.codes()[:13] == Catalogue.load().codes()  # the plan's S01–S10, N01–N03 first
    assert {c.group for c in sector} >= {"行政许可", "行政处罚", "行政强制", "行政检查", "公共服务", "重大建设项目"}
    assert all(c.group and c.content and c.responsible and c.levels and c.legal_basis for c in sector)
    licence = catalogue.get("JT-XK-01")
    assert licence is not None and licence.deadline.working_days == 7 and licence.subjects == "全社会"
    on_request = catalogue.get("JT-YS-01")
    assert on_request is not None and not on_request.proactive and on_request.deadline.rule is None
    Deadlines.load().check(catalogue)  # every time limit within its rule's legal ceiling


def test_an_included_file_is_read_first_and_may_not_repeat_a_code_loop_or_leave_its_folder(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps({"categories": [GOOD]}), encoding="utf-8")
    extra = {**GOOD, "code": "T02", "group": "行政许可", "levels": ["县级"]}
    (tmp_path / "all.json").write_text(json.dumps({"include": ["base.json"], "categories": [extra]}), encoding="utf-8")
    assert Catalogue.load(tmp_path / "all.json").codes() == ["T01", "T02"]
    (tmp_path / "twice.json").write_text(json.dumps({"include": ["base.json"], "categories": [GOOD]}))
    with pytest.raises(CatalogueError, match="listed twice: T01"):
        Catalogue.load(tmp_path / "twice.json")
    (tmp_path / "loop.json").write_text(json.dumps({"include": ["loop.json"], "categories": [GOOD]}))
    with pytest.raises(CatalogueError, match="includes itself"):
        Catalogue.load(tmp_path / "loop.json")
    (tmp_path / "away.json").write_text(json.dumps({"include": ["../etc/x.json"], "categories": [GOOD]}))
    with pytest.raises(CatalogueError, match="beside it"):
        Catalogue.load(tmp_path / "away.json")
    with pytest.raises(CatalogueError, match="levels"):
        Catalogue.parse({"categories": [{**GOOD, "levels": ["村级"]}]})


def test_a_catalogue_file_that_is_not_json_is_refused_with_its_path(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{categories: [", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"cannot read catalogue file .*broken\.json"):
        Catalogue.load(path)


def test_staff_are_told_the_dates_notification_enforces_on_the_official_calendar():
    catalogue, deadlines = Catalogue.load(), Deadlines.load()
    # 15 working days of the shared rules, across the National Day holiday and its make-up Saturday.
    due = deadlines.publication(catalogue.get("S05"), date(2026, 9, 28))
    assert (due.rule, due.on, due.provisional) == ("proactive-publication", date(2026, 10, 23), False)
    assert deadlines.change(date(2026, 9, 28)).on == date(2026, 10, 23)
    assert deadlines.publication(catalogue.get("S08"), date(2026, 11, 27)).on == date(2027, 1, 31)
    assert deadlines.publication(catalogue.get("N01"), date(2026, 11, 27)).on == date(2027, 1, 31)
    assert deadlines.publication(catalogue.get("N03"), date(2026, 11, 27)) is None
    assert deadlines.publication(catalogue.get("S05"), date(2026, 12, 28)).provisional  # reaches 2027


def test_a_category_with_its_own_time_limit_is_counted_by_it():
    own = Catalogue.parse({"categories": [{**GOOD, "deadline": {"rule": "proactive-publication",
                                                                "working_days": 7}}]})
    assert Deadlines.load().publication(own.get("T01"), date(2026, 9, 28)).on == date(2026, 10, 13)


def test_a_catalogue_that_names_a_yearly_rule_for_another_category_is_refused():
    wrong = Catalogue.parse({"categories": [{**GOOD, "deadline": {"rule": "annual-report"}}]})
    with pytest.raises(CatalogueError, match="meet by publishing S08"):
        Deadlines.load().check(wrong)
    Deadlines.load().check(Catalogue.load())  # the shipped catalogue and rules agree


def version(**changes) -> domain.Version:
    base = domain.Version(item_id="i", version=1, title="关于张三的通知", body="联系电话13800138000，地址某路1号",
                          category="S05", audience=Audience.public, channels=(Channel.portal,), unit="办公室",
                          created_by="li.na", created_at=datetime.now(UTC), content_hash="sha256:x",
                          summary="张三", submitted_by="li.na", state=domain.State.in_review)
    return domain.replace(base, **changes)


def test_an_illegal_transition_is_refused_with_the_current_state():
    with pytest.raises(Conflict) as refused:
        version(state=domain.State.draft).to(domain.State.published)
    assert refused.value.status == 409 and "is draft; it cannot become published" in refused.value.reason


def test_every_state_has_its_transitions_and_the_final_ones_have_none():
    assert set(domain.TRANSITIONS) == set(domain.State)
    for final in ("rejected", "blocked", "withheld", "changes_requested", "superseded", "withdrawn"):
        assert domain.TRANSITIONS[domain.State(final)] == frozenset()


def test_redaction_replaces_every_span_from_the_end_and_changes_the_hash():
    original = version()
    spans = [Span(field="body", start=4, end=15), Span(field="body", start=18, end=22),
             Span(field="title", start=2, end=4), Span(field="summary", start=0, end=2)]
    redacted = domain.redacted(original, spans, 2, datetime.now(UTC))
    assert redacted.body == "联系电话×××，地址×××"
    assert redacted.title == "关于×××的通知" and redacted.summary == "×××"
    assert redacted.version == 2 and redacted.state is domain.State.submitted and redacted.submitted_by == "li.na"
    assert redacted.content_hash == redacted.content.hash != original.content.hash


def test_a_span_beyond_the_text_is_refused():
    with pytest.raises(Exception, match="beyond its"):
        domain.redacted(version(), [Span(field="title", start=2, end=400)], 2, datetime.now(UTC))


def test_search_terms_are_characters_and_bigrams_for_chinese_and_words_for_latin():
    terms = search.terms("公交线路 Bus 2026年")
    assert {"公", "公交", "交线", "线路", "bus", "2026", "年"} <= set(terms)
    assert search.query_terms("公交 线路")[0] == ["公交", "线路"]
    assert search.query_terms("公")[0] == ["公"]
    assert search.query_terms("ＢＵＳ")[1] == ["bus"]  # full-width letters are folded


# ---- what an approval signed by review must still satisfy ----------------------------------------


def signed_approval(reviewers: list[str], risk: str = "none", required: int = 1):
    from gongkai.shared.contracts import ReviewDecided

    return ReviewDecided(case_id="case-1", item_id="item-1", version=1, content_hash="sha256:" + "a" * 64,
                         reviewer=reviewers[-1] if reviewers else "zhao.lei", reviewers=reviewers, risk=risk,
                         required_approvals=required, decided_at=datetime(2026, 12, 1, tzinfo=UTC))


@pytest.mark.parametrize(("reviewers", "risk", "required", "reason"), [
    ([], "none", 1, "names no approver"),
    (["zhao.lei", "zhao.lei"], "high", 2, "are not different people"),
    (["li.na"], "none", 1, "li.na wrote or submitted this item"),
    (["zhao.lei", "liu.yang"], "high", 2, "liu.yang wrote or submitted this item"),
    (["zhao.lei"], "high", 2, "risk high needs 2 approvals"),
    (["zhao.lei"], "high", 0, "risk high needs 2 approvals"),  # review's own count below the floor
    (["zhao.lei"], "medium", 2, "risk medium needs 2 approvals"),
    (["zhao.lei"], "blocked", 0, "risk 'blocked' cannot publish"),
    (["zhao.lei"], None, 1, "risk None cannot publish"),
    (["service:review"], "medium", 1, "needs a person's approval"),
    (["service:review", "zhao.lei"], "low", 1, "needs a person's approval"),
])
def test_an_approval_that_breaks_reviews_own_rules_does_not_publish(reviewers, risk, required, reason):
    problem = domain.approval_problem(signed_approval(reviewers, risk, required), {"li.na", "liu.yang"})
    assert problem is not None and reason in problem


@pytest.mark.parametrize(("reviewers", "risk", "required"), [
    (["zhao.lei"], "none", 1), (["zhao.lei"], "medium", 1), (["zhao.lei", "chen.jing"], "high", 2),
    (["service:review"], "low", 1), (["service:review"], "none", 1),
])
def test_an_approval_within_the_rules_may_publish(reviewers, risk, required):
    assert domain.approval_problem(signed_approval(reviewers, risk, required), {"li.na"}) is None


def test_the_authors_are_everyone_who_created_or_submitted_a_version():
    base = {"title": "t", "body": "b", "category": "S05", "audience": Audience.public, "channels": (Channel.portal,),
            "unit": "办公室", "created_at": datetime(2026, 12, 1, tzinfo=UTC), "content_hash": "sha256:" + "0" * 64,
            "item_id": "item-1"}
    versions = [domain.Version(version=1, created_by="li.na", submitted_by="liu.yang", **base),
                domain.Version(version=2, created_by="sun.qiang", **base)]
    assert domain.authors(versions) == {"li.na", "liu.yang", "sun.qiang"}


def test_search_folds_traditional_characters_full_width_and_case_on_both_sides():
    assert search.normalise("道路運輸 ＡＢＣ") == "道路运输 abc"
    needed, phrases = search.query_terms("運輸")
    assert needed == ["运输"] and phrases == ["运输"]
    assert set(search.terms("運輸管理")) >= {"运", "输", "运输", "管理"}
