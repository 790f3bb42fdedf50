"""Generate the labelled screening corpus (bench/corpus/review.jsonl) from templates, with a fixed seed.

Each line: {"id", "kind", "title", "body", "planted": [{"detector", "field", "text"}]}. ``kind`` is
clean (ordinary notices), tricky (clean, but with words and numbers that look like what is screened),
personal (planted personal data, often disguised) or marked (classification or internal markings).
Run: .venv/bin/python bench/corpus/make_review_corpus.py  (rewrites the file; the output is deterministic).
``--seed N --out FILE`` makes another sample from the same templates (for a held-out check).
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 20261127
OUT = Path(__file__).with_name("review.jsonl")
rng = random.Random(SEED)

ROADS = ["中山大道", "环城北路", "解放路", "建设大道", "滨江路", "人民路", "迎宾大道", "沿江西路", "东风路", "黄埔大道"]
DISTRICTS = ["天河区", "越秀区", "海珠区", "白云区", "番禺区", "南山区", "福田区", "江汉区", "武昌区", "鼓楼区"]
CITIES = ["广州市", "深圳市", "武汉市", "南京市", "杭州市", "成都市", "长沙市", "福州市"]
PROVINCES = ["广东省", "湖北省", "江苏省", "浙江省", "四川省", "湖南省", "福建省"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华",
         "志强", "海燕", "晓东", "文博"]
LINES = ["3路", "15路", "B12路", "夜21路", "旅游2线", "快线K5", "地铁接驳1线", "128路"]
STATUTES = ["《中华人民共和国道路交通安全法》第三十九条", "《道路运输条例》第二十三条",
            "《城市公共汽车和电车客运管理规定》第二十条",
            "《中华人民共和国政府信息公开条例》第十九条", "《道路运输车辆技术管理规定》（交通运输部令2023年第3号）",
            "《出租汽车经营服务管理规定》第十三条", "GB 7258-2017《机动车运行安全技术条件》", "JT/T 1138-2017",
            "GB 13851-2008", "《收费公路管理条例》（国务院令第417号）"]
PROVINCE_CODES = [11, 31, 32, 33, 35, 42, 43, 44, 51]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def day() -> date:
    return date(2025, 1, 1) + timedelta(days=rng.randrange(700))


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def name() -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def id_number(old: bool = False) -> str:
    region = f"{rng.choice(PROVINCE_CODES)}{rng.randrange(1, 20):02d}{rng.randrange(1, 30):02d}"
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    if old:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(15000))
        return f"{region}{born:%y%m%d}{rng.randrange(1000):03d}"
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def mobile() -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def landline() -> str:
    area = rng.choice(["010", "020", "021", "0755", "027", "0571", "028", "0731"])
    return f"{area}-{rng.randrange(2, 9)}{rng.randrange(10**7):07d}"


def bank_card() -> str:
    digits = "62" + "".join(rng.choice("0123456789") for _ in range(rng.choice([13, 14, 16])))
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d) * (1 if i % 2 else 2)
        total += v - 9 if v > 9 else v
    return digits + str((10 - total % 10) % 10)


def email() -> str:
    user = rng.choice(["zhangwei", "li.na88", "wangfang_1990", "chenjing", "liuyang2020", "zhao.lei"])
    return f"{user}@{rng.choice(['163.com', 'qq.com', '126.com', 'gmail.com', 'sina.com'])}"


def plate() -> str:
    province = rng.choice("粤京沪鄂苏浙川湘")
    letter = rng.choice("ABCDEFGHJK")
    if rng.random() < 0.3:
        return f"{province}{letter}{rng.choice('DF')}{rng.randrange(10**5):05d}"
    return f"{province}{letter}{rng.randrange(10**5):05d}"


def address() -> str:
    return (f"{rng.choice(PROVINCES)}{rng.choice(CITIES)}{rng.choice(DISTRICTS)}{rng.choice(ROADS)}"
            f"{rng.randrange(1, 300)}号{rng.randrange(1, 20)}栋{rng.randrange(1, 30)}0{rng.randrange(1, 5)}室")


# ---- disguises -----------------------------------------------------------------------------------

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
CIRCLED = str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")


def spaced(number: str, groups: tuple[int, ...], sep: str = " ") -> str:
    out, i = [], 0
    for g in groups:
        out.append(number[i:i + g])
        i += g
    if i < len(number):
        out.append(number[i:])
    return sep.join(p for p in out if p)


def disguise_number(number: str, kind: str) -> str:
    choice = rng.randrange(8)
    if choice == 0:
        return number
    if choice == 1:
        return number.translate(FULL)
    if choice == 2:
        return "\u200b".join(number[i:i + 3] for i in range(0, len(number), 3))
    if choice == 3:
        groups = {"id": (6, 8, 4), "mobile": (3, 4, 4), "card": (4, 4, 4, 4)}[kind]
        return spaced(number, groups, rng.choice([" ", "-", " - "]))
    if choice == 4:
        return spaced(number, (4, 4, 4, 4, 4), " ")
    if choice == 5 and kind == "mobile":
        return number.replace("0", "O").replace("1", "l")
    if choice == 6 and kind == "mobile":
        return number.translate(CIRCLED)
    if choice == 7 and kind == "mobile":
        return "+86 " + spaced(number, (3, 4, 4), " ")
    return spaced(number, (3, 3, 3, 3, 3, 3), " ")


# ---- documents -----------------------------------------------------------------------------------

def clean_notice() -> tuple[str, str]:
    d, road, line = day(), rng.choice(ROADS), rng.choice(LINES)
    kind = rng.randrange(5)
    if kind == 0:
        title = f"关于{road}道路施工期间交通管制的通告"
        body = (f"因{road}（{rng.choice(DISTRICTS)}段）排水管网改造施工，根据{rng.choice(STATUTES)}，"
                f"自{cn_date(d)}起至{cn_date(d + timedelta(days=rng.randrange(20, 90)))}止，对该路段实行半幅封闭施工。"
                f"施工期间，{line}公交车临时绕行，请过往车辆和行人注意交通标志，服从现场交通警察指挥。\n"
                f"咨询电话：12328。\n特此通告。\n{rng.choice(CITIES)}交通运输局\n{cn_date(d - timedelta(days=5))}")
    elif kind == 1:
        title = f"关于调整{line}公交线路走向的公告"
        body = (f"为方便市民出行，经研究，自{cn_date(d)}起，{line}调整走向：由原{road}改经{rng.choice(ROADS)}，"
                f"沿途增设站点{rng.randrange(2, 6)}个，首末班时间不变（6:30—22:00）。\n"
                f"服务监督电话：020-8{rng.randrange(10**6):06d}{rng.randrange(10)}，投诉举报请拨打12345。")
    elif kind == 2:
        title = f"{d.year}年第{rng.randrange(1, 4)}季度道路运输行政许可事项公示"
        body = (f"根据{rng.choice(STATUTES)}，现将本季度准予行政许可的事项公示如下："
                f"道路旅客运输经营许可{rng.randrange(5, 60)}件，"
                f"道路货物运输经营许可{rng.randrange(50, 900)}件，机动车维修经营备案{rng.randrange(10, 200)}件。"
                f"公示期自{cn_date(d)}至{cn_date(d + timedelta(days=7))}，共7个工作日。")
    elif kind == 3:
        title = f"关于开展{d.year}年度出租汽车服务质量信誉考核工作的通知"
        body = (f"各出租汽车企业：\n根据{rng.choice(STATUTES)}，现就{d.year}年度考核工作通知如下。\n"
                f"一、考核范围：本市取得经营许可的出租汽车企业及驾驶员。\n"
                f"二、考核时间：{cn_date(d)}至{cn_date(d + timedelta(30))}。\n"
                f"三、工作要求：各企业应如实填报，材料报送邮箱 jtj@{rng.choice(['gz', 'sz', 'wh'])}.gov.cn。")
    else:
        title = f"{rng.choice(CITIES)}交通运输局{d.year}年政府信息公开工作年度报告"
        body = (f"本报告依据{rng.choice(STATUTES)}编制。"
                f"{d.year - 1}年，本局主动公开政府信息{rng.randrange(300, 2000)}条，"
                f"受理依申请公开{rng.randrange(10, 90)}件，其中予以公开{rng.randrange(5, 50)}件，"
                f"因涉及国家秘密、商业秘密、个人隐私不予公开{rng.randrange(0, 6)}件。行政复议{rng.randrange(0, 4)}件，"
                f"均维持原行政行为。全年信息公开工作经费{rng.randrange(5, 40)}.{rng.randrange(10)}万元。")
    return title, body


TRICKY = [
    "工作公开透明，没有秘密可言。",
    "依法加强商业秘密保护，不得泄露申请人的商业秘密。",
    "为规范财务管理，本局修订了《内部控制制度》，现予以公布。",
    "请广大司机密切配合，按指示牌行驶。",
    "请勿向他人透露手机密码和支付验证码。",
    "有机密封胶运输车辆应符合危险货物运输相关规定。",
    "以上数据仅供参考，以最终统计公报为准。",
    "本局内部道路将于近期进行维修。",
    "本批次发票号码：{inv}，发票代码：{inv2}。",
    "电子发票号码{e20}已作废，请重新开具。",
    "根据国务院令第{n3}号和交通运输部令{y}年第{n2}号的规定执行。",
    "统计期间为{y}-{m:02d}-{d:02d}至{y}-{m2:02d}-{d:02d}。",
    "本市营运车辆总数为{big}辆，较上年增长{p}%。",
    "全年完成客运量{amount}万人次，货运量{amount2}万吨。",
    "G{g}次列车及京港澳高速（G4）沿线服务区运行正常。",
    "统一社会信用代码：91440{n5}MA5F{n4}XY。",
    "会议于{y}年{m}月{d}日13时30分在三楼会议室召开。",
    "项目编号：GZJT-{y}-{n4}-{n3}，预算金额{amount}.00元。",
    "依据GB 13851-2008及JT/T 1138-2017标准进行检测，检测报告编号{y}{n5}{n3}。",
    "涉及国家秘密、商业秘密和个人隐私的信息依法不予公开。",
    "秘密文件管理办法的修订说明已于会上通报。",
    "政府采购合同编号：{y}{m:02d}{d:02d}{n4}，合同金额人民币{amount}元。",
    "请于{y}年{m}月{d}日前登录www.gdjt.gov.cn提交材料，邮箱jtzx@gd.gov.cn。",
    "本次共抽查A类车辆{n3}辆、B类车辆{n2}辆。",
    "第{n2}期《交通运输统计简报》（总第{n4}期）已印发。",
]


def tricky_doc() -> tuple[str, str]:
    title, body = clean_notice()
    values = {"inv": f"{rng.randrange(10**11, 10**12)}", "inv2": f"0{rng.randrange(10**10, 10**11)}",
              "e20": f"{rng.randrange(10**19, 10**20)}", "n2": rng.randrange(1, 40), "n3": rng.randrange(100, 999),
              "n4": rng.randrange(1000, 9999), "n5": rng.randrange(10000, 99999), "y": rng.randrange(2013, 2027),
              "m": rng.randrange(1, 12), "m2": rng.randrange(1, 12), "d": rng.randrange(1, 28),
              "big": f"{rng.randrange(1, 99)},{rng.randrange(100, 999)},{rng.randrange(100, 999)}",
              "p": f"{rng.randrange(1, 30)}.{rng.randrange(10)}", "amount": rng.randrange(10**5, 10**9),
              "amount2": rng.randrange(10**4, 10**8), "g": rng.randrange(1, 9999)}
    picks = rng.sample(TRICKY, 3)
    extra = "".join(p.format(**values) for p in picks)
    if rng.random() < 0.3:
        title = rng.choice(["内部控制制度修订情况说明", "关于公开征集商业秘密保护意见的公告",
                            "内部审计工作情况通报（摘要）"])
    return title, body + "\n" + extra


def personal_doc() -> tuple[str, str, list[dict]]:
    title, body = clean_notice()
    planted: list[dict] = []
    sentences = []
    for _ in range(rng.randrange(1, 4)):
        kind = rng.choice(["id", "id", "mobile", "mobile", "landline", "card", "email", "passport", "plate", "address",
                           "id15"])
        who = name()
        if kind in ("id", "id15"):
            number = disguise_number(id_number(old=kind == "id15"), "id")
            if rng.random() < 0.2:
                number = number.replace("X", "x")
            sentences.append(f"当事人{who}，身份证号码：{number}，")
            planted += [{"detector": "id-number", "text": number}, {"detector": "person-name", "text": who}]
        elif kind == "mobile":
            number = disguise_number(mobile(), "mobile")
            lead = rng.choice([f"联系人：{who}，手机：", f"{who} ", f"请联系{who}（", "举报人电话"])
            sentences.append(f"{lead}{number}{'）' if lead.endswith('（') else ''}。")
            planted.append({"detector": "mobile-number", "text": number})
            if not lead.startswith(("请联系", "举报")):
                planted.append({"detector": "person-name", "text": who})
        elif kind == "landline":
            number = landline()
            if rng.random() < 0.3:
                area, rest = number.split("-")
                number = f"({area}){rest}"
            sentences.append(f"申请人{who}，住宅电话：{number}。")
            planted += [{"detector": "landline-number", "text": number}, {"detector": "person-name", "text": who}]
        elif kind == "card":
            number = disguise_number(bank_card(), "card")
            sentences.append(f"补助资金已转入{who}的银行卡，卡号：{number}。")
            planted.append({"detector": "bank-card", "text": number})
        elif kind == "email":
            address_ = email()
            if rng.random() < 0.3:
                address_ = address_.replace("@", rng.choice([" [at] ", "(at)", "＠"]))
            sentences.append(f"联系邮箱：{address_}。")
            planted.append({"detector": "email", "text": address_})
        elif kind == "passport":
            number = f"{rng.choice('EG')}{rng.randrange(10**8):08d}"
            sentences.append(f"外籍驾驶员{who}的护照号码为{number}。")
            planted.append({"detector": "passport-number", "text": number})
        elif kind == "plate":
            number = plate()
            sentences.append(f"车牌号为{number}的营运车辆存在超载行为，已依法处罚。")
            planted.append({"detector": "licence-plate", "text": number})
        else:
            where = address()
            sentences.append(f"经查，{who}，住址：{where}，未取得许可从事道路运输经营。")
            planted.append({"detector": "home-address", "text": where})
    paragraphs = body.split("\n")
    paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), "".join(sentences))
    body = "\n".join(paragraphs)
    for p in planted:
        p["field"] = "body"
        assert p["text"] in body, p
    return title, body, planted


MARKS = ["绝密★10年", "机密★5年", "秘密★1年", "秘密▲", "【秘密】", "〔机密〕", "机密", "绝密", "秘密★长期",
         "（秘密★6个月）"]
INTERNAL = ["内部资料", "内部资料 注意保管", "不得外传", "内部文件", "【内部】", "内部资料（不得外传）"]


def disguise_mark(mark: str) -> str:
    choice = rng.randrange(6)
    if choice == 0:
        return mark
    if choice == 1:
        return mark.replace("机", "機").replace("绝", "絕")
    if choice == 2:
        return mark[0] + " " + mark[1:]
    if choice == 3:
        return mark[0] + "\u200b" + mark[1:]
    if choice == 4:
        return mark.replace("★", "☆" if False else "★").translate(FULL)
    return mark.replace("★", " ★ ")


def marked_doc() -> tuple[str, str, list[dict]]:
    title, body = clean_notice()
    if rng.random() < 0.6:
        mark = disguise_mark(rng.choice(MARKS))
        if mark.strip().startswith(("秘密▲", "秘密★", "【", "〔", "（")) or "秘" not in mark:
            pass
        where = rng.randrange(3)
        if where == 0:
            title = f"{mark} {title}"
            field = "title"
        elif where == 1:
            body = f"{mark}\n{body}"
            field = "body"
        else:
            body = body.replace("。", f"。本文件密级为{mark}。", 1)
            field = "body"
        detector = "classification-marking"
    else:
        mark = rng.choice(INTERNAL)
        if rng.random() < 0.5:
            body = f"{mark}\n{body}"
            field = "body"
        else:
            title = f"{mark} {title}" if not mark.startswith("【") else f"{mark}{title}"
            field = "title"
        detector = "internal-marking"
    return title, body, [{"detector": detector, "field": field, "text": mark}]


def main() -> None:
    global rng
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    documents = []
    for _ in range(200):
        title, body = clean_notice()
        documents.append({"kind": "clean", "title": title, "body": body, "planted": []})
    for _ in range(150):
        title, body = tricky_doc()
        documents.append({"kind": "tricky", "title": title, "body": body, "planted": []})
    for _ in range(250):
        title, body, planted = personal_doc()
        documents.append({"kind": "personal", "title": title, "body": body, "planted": planted})
    for _ in range(120):
        title, body, planted = marked_doc()
        documents.append({"kind": "marked", "title": title, "body": body, "planted": planted})
    with args.out.open("w", encoding="utf-8") as out:
        for n, doc in enumerate(documents, 1):
            out.write(json.dumps({"id": f"doc-{n:04d}", **doc}, ensure_ascii=False) + "\n")
    print(f"{len(documents)} documents written to {args.out}")


if __name__ == "__main__":
    main()
