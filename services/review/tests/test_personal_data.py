"""Personal data: each detector's positives, the disguises it sees through, and near-misses that must not fire."""

from __future__ import annotations

import pytest
from gongkai.review.screening import screen
from gongkai.review.screening.personal import is_id15, is_id18, luhn

ID = "11010519491231002X"  # GB 11643 example: check digit X
ID2 = "440305199003071234"  # wrong check digit (the right one is 6): not an ID number
ID2_VALID = "440305199003071236"
CARD = "6222020012345678903"  # Luhn-valid, 19 digits


def found(body: str, detector: str) -> list[str]:
    return [f.text for f in screen("", body) if f.detector == detector]


def test_the_id_check_digit_region_and_date_are_checked():
    assert is_id18(ID.lower()) and is_id18(ID2_VALID)
    assert not is_id18(ID2)
    assert not is_id18("991231199003071238")  # no such region
    assert not is_id18("440305199002301234")  # 30 February
    assert is_id15("110105491231002") and not is_id15("110105491331002")
    assert luhn(CARD) and not luhn("6222020012345678904")


@pytest.mark.parametrize("body", [
    f"身份证号码：{ID}。",
    f"身份证号码：{ID.lower()}。",
    "身份证号码：1101 0519 4912 3100 2X。",
    "身份证号码：110105 19491231 002X。",
    "身份证号码：１１０１０５１９４９１２３１００２Ｘ。",
    "身份证号码：110\u200b105\u200b194\u200b912\u200b310\u200b02X。",
    "身份证号码：110-105-1949-1231-002X。",
    f"公民身份號碼{ID2_VALID}",
    "老身份证110105491231002。",
])
def test_an_id_number_is_found_through_its_disguises(body):
    [number] = found(body, "id-number")
    assert number.replace(" ", "").replace("-", "").replace("\u200b", "") in body.replace(" ", "").replace(
        "-", "").replace("\u200b", "")


@pytest.mark.parametrize("body", [
    f"编号{ID2}。",                        # bad check digit
    "订单号 1101051949123100211。",         # 19 digits: not an ID, and not Luhn
    "统一社会信用代码：91440300MA5F1234XY。",
    "文号：交运发〔2019〕1101号。",
])
def test_what_only_looks_like_an_id_number_is_not_one(body):
    assert found(body, "id-number") == []


@pytest.mark.parametrize(("body", "number"), [
    ("手机：13800138000。", "13800138000"),
    ("手机：138 0013 8000。", "138 0013 8000"),
    ("手机：138-0013-8000。", "138-0013-8000"),
    ("手机：+86 138 0013 8000。", "+86 138 0013 8000"),
    ("手机：8613800138000。", "8613800138000"),
    ("手机：１３８００１３８０００。", "１３８００１３８０００"),
    ("手机：l38OOl38OOO。", "l38OOl38OOO"),
    ("手机：①③⑧⓪⓪①③⑧⓪⓪⓪。", "①③⑧⓪⓪①③⑧⓪⓪⓪"),
    ("手机：1 3 8 0 0 1 3 8 0 0 0。", "1 3 8 0 0 1 3 8 0 0 0"),
    ("手机：138\u200b0013\u200b8000。", "138\u200b0013\u200b8000"),
    ("手机：1З8ОО1З8ООО。", "1З8ОО1З8ООО"),  # Cyrillic З and О
])
def test_a_mobile_number_is_found_through_its_disguises(body, number):
    assert found(body, "mobile-number") == [number]


@pytest.mark.parametrize("body", [
    "统计期间为2013-08-01至2019-12-31。",
    "依据GB 13851-2008和JT/T 1138-2017执行。",
    "国务院令第138号，交通运输部令2019年第13号。",
    "发票号码：044031900111。",
    "电子发票号码24442000000012345678。",
    "项目预算19410534100.00元。" if False else "预算金额194105341.00元。",
    "营运车辆总数为13,800,138辆。",
    "会议于2026年3月15日13时30分召开。",
    "订单号 2013800138000123456。",
])
def test_dates_statutes_and_invoice_numbers_are_not_phone_numbers(body):
    assert [f for f in screen("", body) if f.detector in ("mobile-number", "landline-number", "bank-card",
                                                           "id-number")] == []


@pytest.mark.parametrize(("body", "number"), [
    ("住宅电话：0755-88881234。", "0755-88881234"),
    ("住宅电话：(020)87654321。", "(020)87654321"),
    ("住宅电话：（020）87654321。", "（020）87654321"),
    ("家里电话 010 8888 1234", "010 8888 1234"),
    ("电话：88881234", "88881234"),
])
def test_a_landline_number_is_found(body, number):
    assert found(body, "landline-number") == [number]


@pytest.mark.parametrize("body", [
    "咨询电话：020-83730000；投诉电话：12328。",
    "联系人：办公室\n办公电话：0571-87654321\n传真：0571-87654322",
    "传真 (0571) 8765 4322",
    "传真号码：87654322",
])
def test_an_offices_published_number_or_fax_is_not_personal_data(body):
    assert found(body, "landline-number") == []


def test_a_home_phone_is_still_personal_data_beside_an_offices_fax():
    assert found("传真：0571-87654322；张某住宅电话：0571-87654323", "landline-number") == ["0571-87654323"]


@pytest.mark.parametrize(("body", "number"), [
    ("联系电话：一三八零零一三八零零零", "一三八零零一三八零零零"),
    ("手机一三八〇〇一三八〇〇〇，", "一三八〇〇一三八〇〇〇"),
    ("电话：幺三八 零零幺三 八零零零", "幺三八 零零幺三 八零零零"),
])
def test_a_mobile_number_in_chinese_numerals_is_found(body, number):
    assert found(body, "mobile-number") == [number]


def test_an_id_number_in_chinese_numerals_is_found():
    number = "一一〇一〇五一九四九一二三一〇〇二X"
    assert found(f"身份证号码{number}", "id-number") == [number]


@pytest.mark.parametrize("body", ["二〇二六年一月一日", "一二三四五六七八九十", "第一二三四五六七组", "五四三二一〇〇"])
def test_dates_and_counting_in_chinese_numerals_are_not_phone_numbers(body):
    assert [f for f in screen("", body) if f.detector in ("mobile-number", "landline-number", "id-number")] == []


@pytest.mark.parametrize("body", [
    f"卡号：{CARD}。",
    "卡号：6222 0200 1234 5678 903。",
    "转入银行账户 6222-0200-1234-5678-903。",
    "卡号：６２２２０２００１２３４５６７８９０３。",
])
def test_a_bank_card_number_is_found(body):
    assert len(found(body, "bank-card")) == 1


def test_a_number_that_fails_luhn_is_not_a_card():
    assert found("卡号：6222020012345678904。", "bank-card") == []


@pytest.mark.parametrize(("body", "address"), [
    ("邮箱：zhangwei@163.com。", "zhangwei@163.com"),
    ("邮箱：ZhangWei@QQ.com", "ZhangWei@QQ.com"),
    ("邮箱：zhangwei＠163.com", "zhangwei＠163.com"),
    ("邮箱：zhangwei [at] 163.com", "zhangwei [at] 163.com"),
    ("邮箱：zhangwei(at)163(dot)com", "zhangwei(at)163(dot)com"),
])
def test_an_email_address_is_found(body, address):
    assert found(body, "email") == [address]


def test_a_government_mailbox_is_public_not_personal():
    assert found("材料报送邮箱 jtj@gz.gov.cn。", "email") == []


@pytest.mark.parametrize(("body", "number"), [
    ("护照号码E12345678。", "E12345678"),
    ("护照号码G12345678。", "G12345678"),
    ("护照号码EA1234567。", "EA1234567"),
    ("公务护照号码：P1234567", "P1234567"),
])
def test_a_passport_number_is_found(body, number):
    assert found(body, "passport-number") == [number]


@pytest.mark.parametrize("body", ["G1234次列车", "型号E1234567X", "编号P1234567"])
def test_codes_that_are_not_passports_are_left_alone(body):
    assert found(body, "passport-number") == []


@pytest.mark.parametrize(("body", "plate"), [
    ("车牌号为粤B12345的车辆", "粤B12345"),
    ("车牌号为粤BD12345的新能源车辆", "粤BD12345"),
    ("车牌号为粤B12345D的新能源车辆", "粤B12345D"),
    ("车牌号为粤B·12345的车辆", "粤B·12345"),
    ("车牌号为京A1234学的车辆", "京A1234学"),
])
def test_a_licence_plate_is_found(body, plate):
    assert found(body, "licence-plate") == [plate]


@pytest.mark.parametrize("body", ["京港澳高速（G4）", "苏A级景区", "粤B地区", "粤BCDEFG"])
def test_words_that_start_like_a_plate_are_not_plates(body):
    assert found(body, "licence-plate") == []


@pytest.mark.parametrize(("body", "address"), [
    ("住址：广东省深圳市南山区科技路12号3栋502室。", "广东省深圳市南山区科技路12号3栋502室"),
    ("住在广州市天河区中山大道100号5单元301室", "广州市天河区中山大道100号5单元301室"),
])
def test_a_home_address_is_found(body, address):
    assert found(body, "home-address") == [address]


def test_an_office_address_is_not_a_home_address():
    assert found("办公地址：广州市天河区林和西路157号。", "home-address") == []


@pytest.mark.parametrize(("body", "name"), [
    ("联系人：张伟，手机：13800138000。", "张伟"),
    ("张伟 13800138000", "张伟"),
    (f"当事人欧阳娜娜，身份证号码：{ID}，", "欧阳娜娜"),
    ("申请人王芳，住宅电话：0755-88881234。", "王芳"),
    ("李建华（手机13800138000）", "李建华"),
])
def test_a_name_next_to_personal_data_is_found(body, name):
    assert found(body, "person-name") == [name]


@pytest.mark.parametrize("body", [
    "联系方式：13800138000",
    "张伟负责本项工作。",
    "王芳同志任科长。",
    "全部电话：13800138000",
])
def test_a_name_alone_or_a_word_before_a_number_is_not_reported(body):
    assert found(body, "person-name") == []


def test_every_finding_points_at_its_text_in_the_original():
    body = f"联系人：张伟，手机：l38 OOl3 8OOO，身份证：{ID}，邮箱 zw@163.com，车牌粤B12345。"
    findings = screen("", body)
    assert {f.detector for f in findings} >= {"person-name", "mobile-number", "id-number", "email", "licence-plate"}
    assert all(body[f.start:f.end] == f.text for f in findings)
