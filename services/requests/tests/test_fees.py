"""The fee bands of 国办函〔2020〕109号, read from the data file, at each edge."""

from __future__ import annotations

import pytest
from gongkai.requests import fees
from gongkai.requests.fees import InvalidSchedule
from gongkai.shared.errors import Refused

SCHEDULE = fees.load()


def test_the_schedule_names_the_notice_and_its_time_to_pay() -> None:
    assert SCHEDULE.number == "国办函〔2020〕109号"
    assert "政府信息公开信息处理费管理办法" in SCHEDULE.basis
    assert SCHEDULE.pay_within == 20


@pytest.mark.parametrize(("nth", "yuan"), [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200),
                                           (41, 300), (50, 300), (51, 400)])
def test_by_count_at_each_edge(nth: int, yuan: int) -> None:
    fee = fees.by_count(SCHEDULE, nth)
    assert (fee.yuan, fee.method, fee.quantity) == (yuan, "count", nth)
    assert f"第{nth}件" in fee.band


def test_by_count_names_the_band() -> None:
    assert "第11—30件，100元/件" in fees.by_count(SCHEDULE, 11).band
    assert "第31—40件，200元/件" in fees.by_count(SCHEDULE, 40).band
    assert "第41—50件，300元/件" in fees.by_count(SCHEDULE, 41).band
    assert "不收费" in fees.by_count(SCHEDULE, 10).band


@pytest.mark.parametrize(("pages", "yuan"), [(0, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700),
                                             (201, 2740)])
def test_by_volume_at_each_edge(pages: int, yuan: int) -> None:
    fee = fees.by_volume(SCHEDULE, pages)
    assert (fee.yuan, fee.method, fee.quantity) == (yuan, "volume", pages)


def test_by_volume_names_the_highest_band_reached() -> None:
    assert "第31—100页，10元/页" in fees.by_volume(SCHEDULE, 100).band
    assert "第101—200页，20元/页" in fees.by_volume(SCHEDULE, 101).band
    assert "第201页以上，40元/页" in fees.by_volume(SCHEDULE, 201).band


def test_audio_minutes_and_megabytes_count_as_pages() -> None:
    assert fees.by_volume(SCHEDULE, minutes=10).yuan == 0   # 10 minutes: the free allowance
    assert fees.by_volume(SCHEDULE, megabytes=2).yuan == 0  # 2 MB: the free allowance
    assert fees.by_volume(SCHEDULE, pages=1, minutes=10).yuan == 10
    assert fees.by_volume(SCHEDULE, megabytes=3).quantity == 45


def test_fee_applies_the_schedules_method() -> None:
    assert fees.fee(SCHEDULE, nth=11, pages=500).yuan == 100
    volume = fees.parse({**_data(), "method": "volume"})
    assert fees.fee(volume, nth=11, pages=31).yuan == 10


def test_nonsense_quantities_are_refused() -> None:
    with pytest.raises(Refused):
        fees.by_count(SCHEDULE, 0)
    with pytest.raises(Refused):
        fees.by_volume(SCHEDULE, -1)


def _data() -> dict[str, object]:
    import tomllib
    from importlib import resources
    return tomllib.loads(resources.files("gongkai.requests").joinpath("fees.toml").read_text(encoding="utf-8"))


def test_a_schedule_with_a_gap_or_without_its_notice_is_rejected() -> None:
    data = _data()
    with pytest.raises(InvalidSchedule, match="follow each other"):
        gap = {**data["volume"], "bands": [{"from": 31, "to": 100, "yuan_per_page": 10},  # type: ignore[dict-item]
                                           {"from": 102, "yuan_per_page": 20}]}
        fees.parse({**data, "volume": gap})
    with pytest.raises(InvalidSchedule, match="notice"):
        fees.parse({**data, "notice": ""})
    with pytest.raises(InvalidSchedule, match="method"):
        fees.parse({**data, "method": "both"})
    with pytest.raises(InvalidSchedule):
        fees.load("notice = [")
