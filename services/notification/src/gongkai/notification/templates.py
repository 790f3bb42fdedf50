"""What people read: the Chinese title and text of each notification."""

from __future__ import annotations

from typing import Any

from gongkai.shared import contracts as c

RULE_NAMES = {
    c.RULE_PROACTIVE_PUBLICATION: "主动公开",
    c.RULE_CHANGE_PUBLICATION: "信息变更后更新公开",
    c.RULE_REVIEW: "保密审查",
    c.RULE_ANNUAL_REPORT: "政府信息公开工作年度报告公布",
    c.RULE_ANNUAL_TARGETS: "年度工作目标公开",
    c.RULE_REQUEST_REPLY: "依申请公开答复",
    c.RULE_REQUEST_CORRECTION: "告知申请人补正",
    c.RULE_REQUEST_THIRD_PARTY: "征求第三方意见",
    c.RULE_OPINION_REPLY: "意见箱答复",
    c.RULE_RECTIFICATION: "监督检查问题整改",
    c.RULE_REPORT_ACKNOWLEDGEMENT: "定期报告区政务公开办公室回执",
}
OFFICE = "政务公开领导小组办公室"
SIGNATURE = "\n\n—— 政务公开系统（本消息由系统自动发送）"


def rule_name(rule: str) -> str:
    return RULE_NAMES.get(rule, rule)


def _what(data: dict[str, Any]) -> str:
    unit = f"（{data['unit']}）" if data.get("unit") else ""
    return f"事项 {data.get('item_id')}{unit}"


def render(event_type: str, data: dict[str, Any], name: str) -> tuple[str, str]:
    """(title, text) of the notification of one event, addressed to ``name``."""
    rule = rule_name(str(data.get("rule", "")))
    if event_type == c.DEADLINE_DUE_SOON:
        left = int(data["working_days_left"])
        when = "今日到期" if left <= 0 else f"还剩{left}个工作日"
        title = f"【期限提醒】{rule}：{data['due_on']}到期（{when}）"
        text = f"{name}：\n{_what(data)}的{rule}期限为{data['due_on']}，{when}。请按时办理。"
    elif event_type == c.DEADLINE_OVERDUE:
        late = abs(int(data["working_days_left"]))
        title = f"【逾期督办】{rule}：已逾期{late}个工作日"
        text = (f"{name}：\n{_what(data)}的{rule}期限为{data['due_on']}，已逾期{late}个工作日，"
                f"已报{OFFICE}督办。请立即办理并说明原因。")
    elif event_type == c.DEADLINE_RECOMPUTED:
        title = f"【期限调整】{rule}：{data['previous_due_on']} → {data['due_on']}"
        note = "（临时结果：当年节假日安排尚未载入）" if data.get("provisional") else ""
        text = (f"{name}：\n{_what(data)}的{rule}期限由{data['previous_due_on']}调整为{data['due_on']}{note}。"
                f"原因：{data.get('reason', '')}")
    elif event_type == c.CALENDAR_YEAR_MISSING:
        title = f"【日历告警】{data['year']}年节假日安排尚未载入"
        text = (f"{name}：\n期限 {data['deadline_id']}（{rule}，{data.get('item_id')}）涉及{data['year']}年，"
                f"系统尚无该年节假日和调休安排，暂按周末计算，到期日{data['due_on']}为临时结果。"
                f"请载入国务院办公厅关于{data['year']}年部分节假日安排的通知（gongkai calendar load）。")
    elif event_type == c.NOTIFICATION_PARKED:
        title = f"【投递失败】发往{data['recipient']}的{data['channel']}通知已停止重试"
        text = (f"{name}：\n投递 {data['delivery_id']}（{data['channel']} → {data['recipient']}）"
                f"连续失败{data['attempts']}次，已暂停投递，请检查。最后的错误：{data['error']}")
    elif event_type == c.PARKING_WAITING:
        queues = "，".join(f"{queue} {count}条" for queue, count in data["queues"].items() if count)
        title = f"【死信告警】{data['total']}条消息处理失败，已搁置待处理"
        text = (f"{name}：\n以下搁置队列中有消息等待运维处理：{queues}。请用 gongkai parking list 查看原因，"
                "排除故障后用 gongkai parking replay 重放，或用 gongkai parking drop --reason 删除"
                "（均记入审计日志）。搁置期间相关事项不会推进。")
    else:
        title, text = f"【通知】{event_type}", f"{name}：\n{data}"
    return title, text + SIGNATURE
