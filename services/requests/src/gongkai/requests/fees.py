"""信息处理费: the fee for a request, from the bands in ``fees.toml`` (国办函〔2020〕109号), with no I/O in the
computation.

By count (按件计收) the fee of a request depends on how many the applicant made that calendar month: the first
ten are free, the 11th to 30th cost the first band's rate each, and beyond it the rate rises by a step every ten
requests. By volume (按量计收) the pages beyond the free ones are charged band by band (的部分: each page at the
rate of the band it falls in); minutes of audio/video and megabytes count as pages in the proportion of their
free allowances.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gongkai.shared.errors import Refused


@dataclass(frozen=True)
class Band:
    low: int
    high: int | None  # None: no upper end
    yuan: int         # per request (count) or per page (volume)

    def describe(self, unit: str) -> str:
        span = f"第{self.low}{unit}以上" if self.high is None else f"第{self.low}—{self.high}{unit}"
        return f"{span}，{self.yuan}元/{unit}"


@dataclass(frozen=True)
class Schedule:
    notice: str
    number: str
    method: str                 # "count" or "volume"
    pay_within: int             # working days to pay
    count_free: int
    count_bands: tuple[Band, ...]
    beyond_from: int
    beyond_every: int
    beyond_step: int
    free_pages: int
    free_minutes: int
    free_megabytes: int
    page_bands: tuple[Band, ...]

    @property
    def basis(self) -> str:
        return f"{self.notice}（{self.number}）"


@dataclass(frozen=True)
class Fee:
    yuan: int
    method: str       # count or volume
    band: str         # the band that applied, in words
    quantity: int     # the request's number this month, or its pages (equivalent)


class InvalidSchedule(ValueError):
    pass


def _int(table: dict[str, Any], key: str, where: str, minimum: int = 0) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidSchedule(f"{where}.{key}: a whole number ≥ {minimum} is required (got {value!r})")
    return value


def _bands(rows: list[dict[str, Any]], price: str, where: str, start: int) -> tuple[Band, ...]:
    bands = []
    expected = start
    for i, row in enumerate(rows):
        at = f"{where}[{i}]"
        low = _int(row, "from", at, 1)
        high = None if "to" not in row else _int(row, "to", at, low)
        if low != expected:
            raise InvalidSchedule(f"{at}.from is {low}: the bands must follow each other from {expected}")
        bands.append(Band(low, high, _int(row, price, at, 1)))
        if high is None and i != len(rows) - 1:
            raise InvalidSchedule(f"{at}: only the last band may have no upper end")
        expected = (high or 0) + 1
    if not bands:
        raise InvalidSchedule(f"{where}: at least one band is required")
    return tuple(bands)


def parse(data: dict[str, Any]) -> Schedule:
    """The schedule from the file's data, checked: bands contiguous from the free allowance, figures positive."""
    for key in ("notice", "number"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise InvalidSchedule(f"{key}: the notice's name and number are required")
    method = data.get("method")
    if method not in ("count", "volume"):
        raise InvalidSchedule(f"method: count or volume (got {method!r})")
    count, volume = data.get("count", {}), data.get("volume", {})
    count_free = _int(count, "free", "count")
    count_bands = _bands(count.get("bands", []), "yuan_per_request", "count.bands", count_free + 1)
    beyond = count.get("beyond", {})
    last = count_bands[-1]
    if last.high is None:
        raise InvalidSchedule("count.bands: the last band ends where count.beyond starts")
    beyond_from = _int(beyond, "from", "count.beyond", 1)
    if beyond_from != last.high + 1:
        raise InvalidSchedule(f"count.beyond.from is {beyond_from}: it follows the last band ({last.high + 1})")
    free_pages = _int(volume, "free_pages", "volume")
    page_bands = _bands(volume.get("bands", []), "yuan_per_page", "volume.bands", free_pages + 1)
    if page_bands[-1].high is not None:
        raise InvalidSchedule("volume.bands: the last band has no upper end")
    return Schedule(notice=data["notice"], number=data["number"], method=method,
                    pay_within=_int(data, "pay_within_working_days", "", 1), count_free=count_free,
                    count_bands=count_bands, beyond_from=beyond_from,
                    beyond_every=_int(beyond, "every", "count.beyond", 1),
                    beyond_step=_int(beyond, "step_yuan", "count.beyond", 1), free_pages=free_pages,
                    free_minutes=_int(volume, "free_minutes", "volume", 1),
                    free_megabytes=_int(volume, "free_megabytes", "volume", 1), page_bands=page_bands)


def load(text: str | None = None) -> Schedule:
    """The schedule shipped with the service (or given as TOML text)."""
    if text is None:
        text = resources.files("gongkai.requests").joinpath("fees.toml").read_text(encoding="utf-8")
    try:
        return parse(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise InvalidSchedule(f"fees.toml: {error}") from error


def by_count(schedule: Schedule, nth: int) -> Fee:
    """The fee of the applicant's ``nth`` request this calendar month."""
    if nth < 1:
        raise Refused(f"nth {nth}: the request's number this month starts at 1")
    if nth <= schedule.count_free:
        return Fee(0, "count", f"当月第{nth}件，{schedule.count_free}件以内不收费", nth)
    for band in schedule.count_bands:
        if band.high is not None and nth <= band.high:
            return Fee(band.yuan, "count", f"当月第{nth}件，{band.describe('件')}", nth)
    step = 1 + (nth - schedule.beyond_from) // schedule.beyond_every
    low = schedule.beyond_from + (step - 1) * schedule.beyond_every
    yuan = schedule.count_bands[-1].yuan + step * schedule.beyond_step
    band = Band(low, low + schedule.beyond_every - 1, yuan)
    return Fee(yuan, "count", f"当月第{nth}件，{band.describe('件')}", nth)


def pages_of(schedule: Schedule, pages: int = 0, minutes: int = 0, megabytes: int = 0) -> int:
    """Pages, with minutes of audio/video and megabytes counted as pages (in proportion to their allowances)."""
    if min(pages, minutes, megabytes) < 0:
        raise Refused("pages, minutes and megabytes are counted from 0")
    return (pages + math.ceil(minutes * schedule.free_pages / schedule.free_minutes)
            + math.ceil(megabytes * schedule.free_pages / schedule.free_megabytes))


def by_volume(schedule: Schedule, pages: int = 0, minutes: int = 0, megabytes: int = 0) -> Fee:
    """The fee of one request's information: each page beyond the free ones at the rate of its band."""
    total = pages_of(schedule, pages, minutes, megabytes)
    if total <= schedule.free_pages:
        return Fee(0, "volume", f"共{total}页，{schedule.free_pages}页以内不收费", total)
    yuan, reached = 0, schedule.page_bands[0]
    for band in schedule.page_bands:
        if total < band.low:
            break
        top = total if band.high is None else min(total, band.high)
        yuan += (top - band.low + 1) * band.yuan
        reached = band
    words = f"共{total}页，超出{schedule.free_pages}页的部分分档计收，最高档{reached.describe('页')}"
    return Fee(yuan, "volume", words, total)


def fee(schedule: Schedule, *, nth: int, pages: int = 0, minutes: int = 0, megabytes: int = 0) -> Fee:
    """The fee of a request in the way the schedule applies (按件 or 按量)."""
    if schedule.method == "count":
        return by_count(schedule, nth)
    return by_volume(schedule, pages, minutes, megabytes)
