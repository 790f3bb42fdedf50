"""Personal data (个人信息): ID, phone and bank card numbers, e-mail, passports, plates, home addresses, names.

Numbers are found in runs of digits that may carry the separators people type or hide them with
(``1101 0519 9103 0712 34``, ``138-0013-8000``, ``l38OOl38OOO``): each run is cut into segments at its
separators, and every sequence of whole segments is tried against the number shapes (so an 11-digit
phone number inside a longer digit string is not a phone number). Checks that cut false positives:
the ID check digit (GB 11643, ISO 7064 MOD 11-2), a region and a real date of birth; the Luhn digit
and a card prefix or a 卡号/银行 context for bank cards; a valid area code for landlines, which are
not reported when they are an office's published number (咨询/投诉/传真 …电话).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from gongkai.shared.contracts import Severity

from .text import Normalised

Hit = tuple[int, int, Severity, str, str]  # start, end (original offsets), severity, detector, reason

PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
             54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10x98765432"

# A run: digits and look-alikes (o→0, l/i/|→1), at least seven, with up to three separators between two.
# (The look-behinds come after the first character so the regex engine can scan for that character fast.)
_RUN = re.compile(r"[0-9oli|](?<![0-9][0-9oli|])(?<![a-z][oli|])(?:[ \t\-.·_()（）]{0,3}[0-9oli|]){6,}x?(?![0-9])")
_DIGITS = re.compile(r"[0-9]")
_LOOKALIKES = re.compile(r"[oli|]")
_LENGTHS = {7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 19}
_SEPARATORS = re.compile(r"[ \t\-.·_()（）]+")
_LOOKALIKE = str.maketrans("oli|", "0111")
_OPENING = {"mobile-number": "+", "landline-number": "(（"}  # a character before the digits that belongs to them
# Numbers written in Chinese numerals (幺 is 1 read aloud): a run of seven or more, as for digits.
_CHINESE = "零〇一二三四五六七八九幺"
_CHINESE_DIGITS = str.maketrans(_CHINESE, "001234567891")
_CHINESE_RUN = re.compile(rf"[{_CHINESE}](?:[ \t\-.·]{{0,3}}[{_CHINESE}]){{6,}}")

CARD_CONTEXT = re.compile(r"(?:卡号|银行|账号|帐号|账户|帐户|开户|储蓄卡|信用卡|借记卡|card)")
OFFICE_PHONE = re.compile(r"(?:(?:咨询|投诉|举报|监督|传真|办公|值班|服务|热线|受理|联系)[^\n，。；]{0,6}?"
                          r"(?:电话|热线|传真)|传真(?:号码)?)[^\n，。；]{0,4}$")
PHONE_CONTEXT = re.compile(r"(?:电话|手机|tel|联系方式|座机)[^\n，。；]{0,3}$")


def numbers(text: Normalised) -> Iterator[Hit]:
    plain = text.plain.text
    for run in _RUN.finditer(plain):
        real = len(_DIGITS.findall(run.group()))
        if real < 4 or real * 2 < len(_LOOKALIKES.findall(run.group())):
            continue
        yield from _in_run(text, run, plain)
    for run in _CHINESE_RUN.finditer(plain):
        # 一三八〇〇一三八〇〇〇 read as digits: one character for one, so the offsets stay the same.
        digits = plain[:run.start()] + run.group().translate(_CHINESE_DIGITS) + plain[run.end():]
        if (as_digits := _RUN.match(digits, run.start())) is not None:
            yield from _in_run(text, as_digits, digits)


def _in_run(text: Normalised, run: re.Match[str], source: str) -> Iterator[Hit]:
    """Personal-data numbers in one run of ``source`` (the plain view, or it with numerals read as digits)."""
    segments: list[tuple[int, int, str]] = []  # plain start, end, digits
    position = run.start()
    pieces = _SEPARATORS.split(run.group())
    if len(pieces) > 1 and len(pieces[-1]) <= 2 and run.group()[-len(pieces[-1]) - 1] == ".":
        pieces.pop()  # a decimal fraction (194105341.00), not a group of digits
    for piece in pieces:
        start = source.index(piece, position) if piece else position
        end = start + len(piece)
        position = end
        if not piece:
            continue
        if piece.isdigit():
            segments.append((start, end, piece))
            continue
        real = sum(ch.isdigit() for ch in piece)
        if real == 0 and len(piece) > 2:  # letters only: a word, not a number with look-alikes
            segments.append((start, end, ""))
            continue
        segments.append((start, end, piece.translate(_LOOKALIKE)))
    found: list[tuple[int, int, int, Severity, str, str]] = []
    for i in range(len(segments)):
        digits = ""
        for j in range(i, len(segments)):
            if not segments[j][2] or len(digits) > 19:
                break
            digits += segments[j][2]
            start, end = segments[i][0], segments[j][1]
            whole = i == 0 and j == len(segments) - 1
            area = i < j and 3 <= len(segments[i][2]) <= 4
            hit = _classify(digits, source, start, whole, area)
            if hit:
                found.append((start, end, hit[0] if whole else hit[0] + 10, *hit[1:]))
    taken: list[tuple[int, int]] = []
    for start, end, _rank, severity, detector, reason in sorted(found, key=lambda f: (f[2], f[0] - f[1])):
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        if start >= 1 and source[start - 1] in _OPENING.get(detector, ""):
            start -= 1  # +86 138…, (020)8765…
        yield (*text.plain.span(start, end), severity, detector, reason)


def _classify(digits: str, plain: str, start: int, whole: bool, area: bool) -> tuple[int, Severity, str, str] | None:
    """(rank, severity, detector, reason) for a digit string that has a personal-data shape."""
    n = len(digits)
    if n not in _LENGTHS:
        return None
    if n == 18 and is_id18(digits):
        return 0, "high", "id-number", "居民身份证号码（校验位正确）/ resident ID number"
    if "x" in digits:
        return None
    if n == 15 and is_id15(digits):
        return 1, "high", "id-number", "15位居民身份证号码 / old resident ID number"
    if 16 <= n <= 19 and luhn(digits) and (
            digits[:2] == "62" or digits[0] in "45" or CARD_CONTEXT.search(plain, max(0, start - 20), start)):
        return 2, "high", "bank-card", "银行卡号（Luhn校验通过）/ bank card number"
    mobile = digits[2:] if n == 13 and digits.startswith("86") else digits
    if len(mobile) == 11 and mobile[0] == "1" and mobile[1] in "3456789" and mobile.isdigit():
        return 3, "medium", "mobile-number", "手机号码 / mobile phone number"
    if 10 <= n <= 12 and whole and is_landline(digits) and (area or PHONE_CONTEXT.search(
            plain, max(0, start - 8), start)) and not OFFICE_PHONE.search(plain, max(0, start - 16), start):
        return 4, "low", "landline-number", "固定电话号码（区号-号码）/ landline number"
    if n in (7, 8) and whole and digits[0] != "0" and PHONE_CONTEXT.search(plain, max(0, start - 8), start) \
            and not OFFICE_PHONE.search(plain, max(0, start - 16), start):
        return 5, "low", "landline-number", "电话号码 / phone number"
    return None


def is_id18(digits: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dx]", digits) or int(digits[:2]) not in PROVINCES:
        return False
    if not _valid_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == digits[17]


def is_id15(digits: str) -> bool:
    return (digits.isdigit() and int(digits[:2]) in PROVINCES
            and _valid_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])))


def _valid_date(year: int, month: int, day: int) -> bool:
    if not 1900 <= year <= 2099:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def is_landline(digits: str) -> bool:
    if digits.startswith(("010", "02")):
        return len(digits) - 3 in (7, 8)
    return bool(re.fullmatch(r"0[3-9]\d{2}", digits[:4])) and len(digits) - 4 in (7, 8)


# ---- shapes found by a regex on the plain view (lower case) --------------------------------------

_EMAIL = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]{0,63}\s*(?:@|[\[(（]\s*(?:at|@)\s*[\])）])\s*"
                    r"[a-z0-9-]{1,63}(?:\s*(?:\.|[\[(（]\s*dot\s*[\])）])\s*[a-z0-9-]{1,63}){1,4}(?![a-z0-9-])")
_PUBLIC_MAIL = re.compile(r"(?:\.gov\.cn|\.gov)$")
_PASSPORT = re.compile(r"[egpdsh](?<![a-z0-9][egpdsh])[a-z]?\d{7,8}(?![a-z0-9])")
_PASSPORT_SHAPE = re.compile(r"[eg]\d{8}|e[a-hj-np-z]\d{7}")  # ordinary passports; others need 护照 before
_PASSPORT_CONTEXT = re.compile(r"护照[^\n，。；]{0,6}$")
_EMAIL_ANCHOR = re.compile(r"@|[\[(（]\s*at\s*[\])）]")
_HOME_ANCHORS = (re.compile(r"[0-9](?:室|单元|栋|幢|号楼|房|户)"),
                 re.compile(r"[区园寓村苑](?<=小区|花园|公寓|家园|新村|.苑)"))
_PLATE = re.compile(r"(?P<plate>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][a-hj-np-z]"
                    r"(?:[·•\s]{0,2})(?:[df][0-9a-hj-np-z]\d{4}|\d{5}[df]|[0-9a-hj-np-z]{4}[0-9挂学警港澳领使]))"
                    r"(?![0-9a-z])")
_ADDRESS = re.compile(
    r"(?:(?<=[：:，,。；;\s(（址为在住于])|^)(?P<address>"
    r"(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?:[\u4e00-\u9fff]{2,7}?(?:市|州|盟))?"
    r"(?:[\u4e00-\u9fff]{1,7}?(?:区|县|旗|市))?(?:[\u4e00-\u9fff]{1,8}?(?:镇|乡|街道))?"
    r"[\u4e00-\u9fff0-9a-z]{1,14}?(?:路|街|大道|巷|弄|胡同|村|里)[\u4e00-\u9fff0-9a-z]{0,8}?\d{1,5}号"
    r"(?:[\u4e00-\u9fff0-9a-z\-]{0,10}?(?:\d{1,4}|[一二三四五六七八九十]{1,3})(?:号楼|栋|幢|座|单元|楼|层|室|房|户))+)")
_LEAD = re.compile(r"(?:家庭住址|住址|现住|居住在|住在|住于|位于|家住|在|为|于)")
_HOME = re.compile(r"(?:室|单元|栋|幢|户|号楼|房)$")


def shapes(text: Normalised) -> Iterator[Hit]:
    plain = text.plain.text
    done = -1
    for anchor in _EMAIL_ANCHOR.finditer(plain):
        match = _EMAIL.search(plain, max(done, anchor.start() - 64), anchor.end() + 260)
        if match is None or match.start() > anchor.start():
            continue
        done = match.end()
        if not _PUBLIC_MAIL.search(re.sub(r"\s+", "", match.group())):
            yield (*text.plain.span(*match.span()), "medium", "email", "电子邮箱地址 / e-mail address")
    for match in _PASSPORT.finditer(plain):
        if _PASSPORT_SHAPE.fullmatch(match.group()) or _PASSPORT_CONTEXT.search(
                plain, max(0, match.start() - 10), match.start()):
            yield (*text.plain.span(*match.span()), "high", "passport-number", "护照号码 / passport number")
    for match in _PLATE.finditer(plain):
        if sum(ch.isdigit() for ch in match.group("plate")) >= 3:
            yield (*text.plain.span(*match.span("plate")), "low", "licence-plate", "机动车号牌 / licence plate")
    done = -1
    anchors = sorted((a for pattern in _HOME_ANCHORS for a in pattern.finditer(plain)), key=lambda a: a.start())
    for anchor in anchors:
        if anchor.start() < done:
            continue
        match = _ADDRESS.search(plain, max(done, anchor.start() - 60), anchor.end() + 30)
        if match is None or not match.start("address") <= anchor.start() < match.end("address"):
            continue
        done = match.end("address")
        address = match.group("address")
        lead = _LEAD.match(address)
        start = match.start("address") + (lead.end() if lead else 0)
        if _HOME.search(address) or re.search(r"小区|花园|公寓|家园|新村|苑", address):
            yield (*text.plain.span(start, match.end("address")), "medium", "home-address", "家庭住址 / home address")


# ---- a name next to personal data ---------------------------------------------------------------

SURNAMES = ("欧阳|司马|上官|诸葛|东方|皇甫|慕容|令狐|尉迟|公孙|"
            "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
            "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
            "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
            "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_SINGLE = SURNAMES.split("|")[-1]
_DOUBLE = "|".join(SURNAMES.split("|")[:-1])
_LABEL = (r"(?:公民身份号码|身份证号码|身份证号|身份证|证件号码|手机号码|手机号|手机|电话号码|联系电话|"
          r"住宅电话|家庭电话|"
          r"固定电话|办公电话|座机|电话|联系方式|"
          r"银行卡号|银行账号|卡号|账号|护照号码|护照号|护照|tel)")
_NAME_BEFORE = re.compile(
    rf"(?:^|(?<=[\s,，。；;:：、(（])|(?<=联系人|当事人|申请人|驾驶员|驾驶人|被申请|投诉人|举报人|负责人)|(?<=姓名))"
    rf"(?P<name>(?:{_DOUBLE}|[{_SINGLE}])[\u4e00-\u9fff]{{1,2}}?)(?:先生|女士|同志)?"
    rf"[\s,，:：、(（]*(?:{_LABEL}[\s:：]*(?:为|是)?[\s:：(（]*)?$")
_NOT_NAMES = re.compile(r"^(?:方式|电话|手机|号码|时间|地址|单位|部门|高速|路线|安全|文件|关于|全部|和|及|或)")
NAME_TARGETS = {"id-number", "mobile-number", "landline-number", "bank-card", "passport-number"}


def names(text: Normalised, hits: list[Hit]) -> Iterator[Hit]:
    """A 2–4 character name right before a number that identifies a person."""
    plain = text.plain.text
    for start, _end, _severity, detector, _reason in hits:
        if detector not in NAME_TARGETS:
            continue
        at = _plain_index(text, start)
        match = _NAME_BEFORE.search(plain, max(0, at - 20), at)
        if match and not _NOT_NAMES.match(match.group("name")):
            yield (*text.plain.span(*match.span("name")), "medium", "person-name",
                   "与个人信息相邻的姓名 / a name next to personal data")


def _plain_index(text: Normalised, original: int) -> int:
    """The plain-view index of an original offset (the plain view only ever drops characters)."""
    low, high = max(0, original - (len(text.original) - len(text.plain.text))), min(original, len(text.plain.text))
    for i in range(high, low - 1, -1):
        if i < len(text.plain.text) and text.plain.origin(i) <= original:
            return i if text.plain.origin(i) == original else i + 1
    return low
