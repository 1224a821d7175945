"""Exports of the monthly report: XLSX (a summary sheet and the month's complaints) and CSV.

Headers are in Chinese, as on the paper register the report replaces. Text that a spreadsheet
would read as a formula (starting with = + - @, or a tab or carriage return) is neutralised:
in XLSX it is stored as text with Excel's quote prefix, in CSV it gets a leading apostrophe.
"""
import csv
import datetime
import io
import itertools
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KIND_ZH = {"complaint": "投诉", "inquiry": "咨询", "repair": "报修"}
GRADE_ZH = {"general": "一般", "important": "重要", "hot": "热点", "major": "重大"}
CHANNEL_ZH = {"phone": "电话", "letter": "信函", "fax": "传真", "walk_in": "来访", "email": "电子邮件",
              "web": "网页表单", "hq_dispatch": "总部工单", "consumer_association": "消协/12315", "media": "媒体",
              "other": "其他"}
STATUS_ZH = {"received": "已受理", "investigating": "调查中", "transferred": "已传递责任部门",
             "plan_proposed": "方案待客户确认", "implementing": "实施中", "revisit_pending": "待回访",
             "closed": "已结案", "closed_invalid": "投诉不成立", "answered": "已答复", "merged": "已合并",
             "returned": "已退回总部", "redirected": "已转其他单位"}
COMPLAINT_HEADERS = ["编号", "类型", "渠道", "级别", "类别", "责任部门", "状态", "受理时间", "结案时间",
                     "二次投诉", "重开次数", "危机事件", "投诉内容"]
DATE_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT = "0.0%"


def summary_rows(doc: dict) -> list[tuple[str, object, str | None]]:
    """(label, value, number format) for every figure of the report, in the page's order."""
    f = doc["figures"]
    rows = [("月份", doc["period"], None), ("单位", doc["tenant"], None),
            ("新增投诉", f["new"], None), ("本月结案", f["closed"], None), ("月末未结", f["open_at_end"], None),
            ("上月结转", f["carried_over"], None), ("登记总数（含咨询、报修）", f["register"], None)]
    for key, label in (("response_rate", "及时响应率"), ("completion_rate", "及时完成率"),
                       ("satisfaction_rate", "满意率"), ("repeat_rate", "重复投诉率")):
        rows.append((label, f[key]["value"], PERCENT))
    rows += [("平均处理时长（工作日）", _round(f["handling"]["mean_days"]), "0.00"),
             ("处理时长中位数（工作日）", _round(f["handling"]["median_days"]), "0.00"),
             ("危机事件", f["crises"], None)]
    if "passed_on" in f:  # reports submitted before it was counted apart have no such figure
        rows += [("退回总部的工单", f["passed_on"].get("returned", 0), None),
                 ("转其他单位的工单", f["passed_on"].get("redirected", 0), None)]
    for title, key, names in (("类型", "by_kind", KIND_ZH), ("级别", "by_grade", GRADE_ZH),
                              ("渠道", "by_channel", CHANNEL_ZH), ("类别", "by_category", {}),
                              ("责任部门", "by_department", {})):
        rows += [(f"{title}：{names.get(k, k) or '未指定'}", n, None) for k, n in f[key].items()]
    rows += [(f"主要问题：{p['name'] or '未分类'}（上月 {p['previous']}）", p["count"], None)
             for p in f["top_problems"]]
    return rows


def _round(value):
    return None if value is None else round(value, 2)


def _text(ws, value):
    """The value as it goes into a row: formula-looking text as a cell marked text, anything else as it is
    (openpyxl makes the plain cells itself: a cell of ours for every value took a third of a big month's time)."""
    if not (isinstance(value, str) and value.startswith(FORMULA_START)):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # stored as text, never as a formula
    cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def _date(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def _local(t, zone):
    return None if t is None else t.replace(tzinfo=datetime.UTC).astimezone(zone).replace(tzinfo=None)


def complaint_cells(row, zone) -> list:
    number, kind, channel, grade, category, department, status, received, closed, repeat, reopened, crisis, text = row
    return [number, KIND_ZH.get(kind, kind), CHANNEL_ZH.get(channel, channel), GRADE_ZH.get(grade, grade),
            category or "", department or "", STATUS_ZH.get(status, status), _local(received, zone),
            _local(closed, zone), "是" if repeat else "否", reopened, "是" if crisis else "否", text]


def xlsx(doc: dict, complaints, timezone: str, out) -> None:
    """Write the workbook into the binary file `out`: 汇总 (summary) and 投诉明细 (the month's complaints,
    real date cells). Rows go to openpyxl's temporary files as they come, so a big month stays out of memory."""
    wb = Workbook(write_only=True)
    zone = ZoneInfo(timezone)
    summary = wb.create_sheet("汇总")
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 16
    summary.append([_bold(summary, "指标"), _bold(summary, "数值")])
    for label, value, fmt in summary_rows(doc):
        if fmt and value is not None:
            value = WriteOnlyCell(summary, value=value)
            value.number_format = fmt
        summary.append([_text(summary, label), _text(summary, value)])
    sheet = wb.create_sheet("投诉明细")
    for col, width in zip("ABCDEFGHIJKLM", (18, 6, 10, 6, 12, 12, 14, 17, 17, 8, 8, 8, 60)):
        sheet.column_dimensions[col].width = width
    sheet.append([_bold(sheet, h) for h in COMPLAINT_HEADERS])
    for row in complaints:
        cells = [_text(sheet, v) for v in complaint_cells(row, zone)]
        cells[7:9] = [_date(sheet, v) for v in cells[7:9]]
        sheet.append(cells)
    wb.save(out)


def _bold(ws, text):
    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True)
    return cell


def _csv_value(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return "" if value is None else value


def csv_chunks(header: list[str], rows, per_chunk: int = 1000):
    """The CSV in pieces of `per_chunk` rows, for a streamed response: UTF-8 with a byte-order mark, so
    spreadsheet programs show Chinese correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(header)
    rows = iter(rows)
    while True:
        for row in itertools.islice(rows, per_chunk):
            writer.writerow([_csv_value(v) for v in row])
        if not buf.tell():
            return
        yield buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()


def csv_bytes(header: list[str], rows) -> bytes:
    return b"".join(csv_chunks(header, rows))


def summary_csv(doc: dict) -> bytes:
    return csv_bytes(["指标", "数值"], ((label, value) for label, value, _ in summary_rows(doc)))


def complaints_csv(complaints, timezone: str):
    """The month's complaints as CSV pieces (see csv_chunks)."""
    zone = ZoneInfo(timezone)
    return csv_chunks(COMPLAINT_HEADERS, (complaint_cells(row, zone) for row in complaints))
