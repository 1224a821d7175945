"""The monthly report's XLSX and CSV of the month's complaints: every value and format, streamed, in a few
statements however big the month."""
import csv
import io
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from portal.complaints.models import Complaint
from portal.complaints.rules import ELSEWHERE
from portal.reports import documents, exports
from tests.test_query_counts import counting
from tests.test_reports import BASE, MONTH, generate


def month_complaints(t):
    """The month's register entries as the export should list them, oldest first (straight from the table)."""
    b = MONTH.bounds(t.timezone)
    return list(Complaint.select().where((Complaint.received_at >= b.start) & (Complaint.received_at < b.end)
                                         & Complaint.status.not_in(sorted(ELSEWHERE)))
                .order_by(Complaint.received_at, Complaint.id))


def local(t, zone):
    return t.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def test_each_row_of_the_xlsx_carries_its_complaints_values_in_the_registers_formats(in_tenant, login):
    with in_tenant("dealer-sh01") as t:
        generate(t, n=40, seed=11)
        want = [(c, c.category.name if c.category else "", c.department.name if c.department else "")
                for c in month_complaints(t)]
        zone = t.timezone
    response = login("manager@dealer-sh01.demo").get(f"{BASE}/monthly.xlsx?month={MONTH.label}")
    assert response.status_code == 200 and response.content_length == len(response.data)
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["投诉明细"]
    assert [c.value for c in sheet[1]] == exports.COMPLAINT_HEADERS and all(c.font.b for c in sheet[1])
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == [c.number for c, _, _ in want] and len(rows) > 5
    for row, (c, category, department) in zip(rows, want):
        values = [cell.value for cell in row]
        assert values[:7] == [c.number, exports.KIND_ZH[c.kind], exports.CHANNEL_ZH[c.channel],
                              exports.GRADE_ZH[c.grade], category or None, department or None,
                              exports.STATUS_ZH[c.status]]
        assert abs(values[7] - local(c.received_at, zone)) < timedelta(seconds=1)
        assert row[7].is_date and row[7].number_format == exports.DATE_FORMAT
        if c.closed_at:
            assert abs(values[8] - local(c.closed_at, zone)) < timedelta(seconds=1) and row[8].is_date
        else:
            assert values[8] is None
        assert values[9:] == ["是" if c.is_repeat else "否", c.reopen_count, "是" if c.crisis else "否", c.description]
        assert row[10].data_type == "n"


def test_the_complaints_csv_streams_the_same_rows(in_tenant, login):
    with in_tenant("dealer-sh01") as t:
        generate(t, n=40, seed=12)
        numbers = [c.number for c in month_complaints(t)]
    response = login("manager@dealer-sh01.demo").get(f"{BASE}/monthly.csv?month={MONTH.label}&part=complaints",
                                                      buffered=False)
    assert response.is_streamed and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(f"-{MONTH.label}-complaints.csv")
    body = b"".join(response.iter_encoded())
    response.close()
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == exports.COMPLAINT_HEADERS and [line[0] for line in lines[1:]] == numbers


def test_an_export_runs_the_same_statements_for_a_small_and_a_bigger_month(in_tenant, login):
    """No statement per row (names of categories and departments come in the rows' join)."""
    client = login("manager@dealer-sh01.demo")
    client.get(f"{BASE}/monthly?month={MONTH.label}")  # the month's figures stored, as after any first view
    urls = [f"{BASE}/monthly.xlsx?month={MONTH.label}", f"{BASE}/monthly.csv?month={MONTH.label}&part=complaints"]
    with in_tenant("dealer-sh01") as t:
        generate(t, n=5, seed=1)
    few = []
    for url in urls:
        client.get(url)  # the change's figures recomputed first
        with counting() as statements:
            assert len(client.get(url).data) > 0
        few.append(len(statements))
    with in_tenant("dealer-sh01") as t:
        generate(t, n=80, seed=2)
        assert len(month_complaints(t)) > 20
    for url, before in zip(urls, few):
        client.get(url)
        with counting() as statements:
            assert len(client.get(url).data) > 0
        assert len(statements) == before <= 12, "\n".join(s[:120] for s in statements)


@pytest.mark.parametrize("chunk", [1, 4, 7])
def test_the_rows_come_in_chunks_without_losing_or_repeating_one_at_equal_receipt_times(in_tenant, chunk):
    with in_tenant("dealer-sh01") as t:
        generate(t, n=30, seed=5)
        same = month_complaints(t)[3:12]  # nine complaints received at the same moment, across chunk borders
        Complaint.update(received_at=same[0].received_at).where(Complaint.id.in_([c.id for c in same])).execute()
        want = [c.number for c in month_complaints(t)]
        with counting() as statements:
            got = [row[0] for row in documents.export_rows(t, MONTH, chunk=chunk)]
    assert got == want
    assert len(statements) == len(want) // chunk + 1  # one per chunk, and the last one finds the end
