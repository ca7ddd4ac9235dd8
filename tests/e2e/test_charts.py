"""The program overview's charts fill their column and keep their text at body size,
on a desktop and on a phone, each with its table of numbers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.programs.models import Program
from tests.e2e.conftest import SCREENSHOTS

MEASURE = """() => {
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  return [...document.querySelectorAll('svg.chart')].map(svg => {
    const figure = svg.closest('figure');
    const inner = figure.clientWidth - parseFloat(getComputedStyle(figure).paddingLeft)
      - parseFloat(getComputedStyle(figure).paddingRight);
    const texts = [...svg.querySelectorAll('text')].map(t => {
      const box = t.getBoundingClientRect();
      return {size: parseFloat(getComputedStyle(t).fontSize), height: box.height,
              right: box.right, svgRight: svg.getBoundingClientRect().right + 1};
    });
    return {body, width: svg.getBoundingClientRect().width, inner, texts,
            table: figure.querySelectorAll('details table tbody tr').length,
            bars: svg.querySelectorAll('rect').length};
  });
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_charts_are_full_width_with_body_size_labels(site, sign_in, width: int) -> None:
    server, services = site
    with services.sessions() as session:
        program_id = session.scalars(select(Program.id).where(Program.name == "Pilot")).one()
    lead = sign_in("lead@example.org", width=width)
    lead.goto(f"{server.url}/coordinator/programs/{program_id}/matching")
    if lead.get_by_role("button", name="Propose matches").count():
        lead.get_by_role("button", name="Propose matches").click()
        lead.get_by_role("link", name="See the result").click(timeout=120_000)  # the job's page
        lead.get_by_role("heading", name="Proposed pairs").wait_for()
    lead.goto(f"{server.url}/coordinator/programs/{program_id}#charts")
    charts = lead.evaluate(MEASURE)
    assert len(charts) >= 2  # sessions per week, and the latest run's match scores
    for chart in charts:
        assert chart["width"] >= 0.95 * chart["inner"], chart["width"]
        assert chart["texts"], "a chart without labels"
        for text in chart["texts"]:
            assert text["size"] >= chart["body"]
            assert text["height"] >= chart["body"]  # drawn as large as it is set
            assert text["right"] <= text["svgRight"]  # nothing runs off the edge
        # Each chart has its numbers as a table, a row per bar.
        assert chart["table"] == chart["bars"] >= 1
    assert lead.evaluate("document.documentElement.scrollWidth") <= width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = "desktop" if width > 600 else "phone"
    lead.locator("#charts").scroll_into_view_if_needed()
    lead.locator(".charts").screenshot(path=str(SCREENSHOTS / f"coordinator-charts-{name}.png"))
