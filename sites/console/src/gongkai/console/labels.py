"""What the pages call things: the services' codes in Chinese."""

from __future__ import annotations

ITEM_STATES = {
    "draft": "草稿", "submitted": "已提交", "in_review": "审查中", "approved": "已通过审查", "rejected": "已退回",
    "changes_requested": "待删改", "blocked": "已拦截", "withheld": "不予公开", "scheduled": "定时发布",
    "published": "已发布", "superseded": "已被新版本取代", "withdrawn": "已撤回",
}
# Publication not yet out: a due date past is overdue.
NOT_YET_OUT = {"draft", "submitted", "in_review", "approved", "changes_requested", "scheduled"}

CASE_STATES = {
    "open": "待审查", "approved": "已批准", "rejected": "已退回", "blocked": "已拦截",
    "redaction_requested": "已要求删改", "withheld": "不予公开", "voided": "已作废",
}
RISKS = {"blocked": "拦截", "high": "高", "medium": "中", "low": "低", "none": "无"}
RISK_ORDER = {"blocked": 0, "high": 1, "medium": 2, "low": 3, "none": 4}
LEGAL_REASONS = {
    "state-secret": "国家秘密", "commercial-secret": "商业秘密", "personal-privacy": "个人隐私",
    "internal-process": "内部事务信息、过程性信息", "other": "其他（须写明理由）",
}
CHANNELS = {"portal": "门户网站", "bulletin": "公开栏、电子屏", "media": "广播电视报刊",
            "press-conference": "新闻发布会", "other": "其他"}
AUDIENCES = {"public": "向社会公开", "internal": "仅限内部"}
ROLES = {"submitter": "经办人", "reviewer": "审查员", "publisher": "发布人", "auditor": "审计员",
         "administrator": "管理员"}
RULES = {"proactive-publication": "主动公开期限", "change-publication": "变更公开期限", "review-sla": "审查时限",
         "annual-report": "年度报告", "annual-targets": "年度工作要点", "request-reply": "依申请答复",
         "request-correction": "补正", "request-third-party": "征求第三方意见", "opinion-reply": "意见箱答复",
         "inspection-rectification": "整改期限", "district-report-ack": "报送回执"}
DEADLINE_STATES = {"open": "计时中", "paused": "暂停", "met": "已完成", "cancelled": "已取消"}
DETECTORS = {
    "classification-marking": "密级标志", "internal-marking": "内部标志", "id-number": "身份证号码",
    "mobile-number": "手机号码", "landline-number": "电话号码", "bank-card": "银行卡号", "email": "电子邮箱",
    "passport-number": "护照号码", "licence-plate": "车牌号码", "home-address": "家庭住址", "person-name": "姓名",
    "keyword": "关键词", "attachment-type": "附件类型",
}
STATISTICS = {
    "submitted": "提交", "approved": "审查通过", "rejected": "退回", "blocked": "拦截", "withheld": "不予公开",
    "published": "发布", "updated": "更新", "published_on_time": "按时发布", "published_late": "逾期发布",
    "withdrawn": "撤回", "reminders": "提醒", "escalations": "督办",
}

# The oversight service's codes (监督检查, 实施方案七(三); 定期报送, 六(五)).
INSPECTION_STATES = {"planned": "已安排", "inspected": "已检查", "rectifying": "整改中", "closed": "已办结"}
INSPECTION_KINDS = {"announced": "明查", "unannounced": "暗访"}
POINT_RESULTS = {"met": "符合", "partly": "部分符合", "not-met": "不符合"}
SEVERITIES = {"minor": "一般", "major": "较重", "serious": "严重"}
INSPECTION_STEPS = {"plan": "安排检查", "record_checklist": "记录检查结果", "record_finding": "记录问题",
                    "order_rectification": "下达整改", "close_rectification": "整改销号", "close": "办结检查"}
SCHEDULES = {"monthly": "月报", "quarterly": "季报"}
REPORT_STATES = {"pending": "待报送", "delivered": "已送达，待回执", "acknowledged": "已签收", "failed": "报送失败"}


def label(table: dict[str, str], code: object) -> str:
    return table.get(str(code), str(code)) if code is not None else ""
