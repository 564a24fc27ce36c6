"""``norte report --pdf``: the PDF opens, it is a report document (cover with the data's
vintages, table of contents with live links, one printed page per section start, page numbers)
and its pages show the charts (rendered to images by ``pdftoppm`` from poppler-utils and checked
for drawn content, text checked with ``pdftotext``).

The PDF is printed once per module (Spanish), from a copy of the session's store on which the
findings were detected as ``norte build`` does."""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from norte.findings.cli import refresh as refresh_findings
from norte.goals import load_shared
from norte.publish.i18n import Translator, catalog
from norte.publish.pages.goals import gt
from norte.store import Store
from tests.publish.conftest import BuiltSite

NEEDS = [t for t in ("chromium", "pdftoppm", "pdftotext", "pdfinfo") if not shutil.which(t)]
pytestmark = pytest.mark.skipif(
    bool(NEEDS),
    reason=f"not installed: {', '.join(NEEDS)} (apt-get install chromium poppler-utils)",
)

LANG = "es"
#: catalog keys of the report's sections, in order (this store has data for every one)
SECTIONS = (
    ("findings", "report_findings"),
    ("goals", "report_goals"),
    ("top-partners", "report_partners"),
    ("charts-goals", "report_charts_goals"),  # every lit light's reasoning chart
    ("charts-partners", "report_charts_partners"),
    ("charts-sources", "report_charts_sources"),
    ("charts-maps", "report_charts_maps"),
)
#: pages of this store's Spanish report before it had a cover, contents and sections (the
#: table and every chart in a flat list), measured on the commit before
PAGES_BEFORE = 14


@dataclass
class Report:
    pdf: Path
    db: Path
    pages: int
    texts: list[str]  # pdftotext of each page, whitespace collapsed
    stderr: str


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def report(official_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("report")
    db = root / "norte.duckdb"
    shutil.copy(official_site.db, db)
    with Store(db) as store:
        refresh_findings(store, out=io.StringIO())  # the findings `norte build` stores
    out = root / "report.pdf"  # the default output: no --pdf, no --out
    r = subprocess.run(
        [
            sys.executable, "-m", "norte.cli", "--db", str(db), "report",
            "--lang", LANG, "--geo-dir", str(official_site.geo),
        ],
        capture_output=True, text=True, timeout=300, cwd=root,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert out.exists(), r.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(next(ln.split()[-1] for ln in info.stdout.splitlines() if ln.startswith("Pages:")))
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    texts = [_flat(t) for t in text.split("\f")][:pages]
    return Report(out, db, pages, texts, r.stderr)


def _ink(ppm: bytes) -> float:
    """Share of non-white pixels of a binary PPM (P6) image."""
    parts = ppm.split(maxsplit=4)
    assert parts[0] == b"P6"
    pixels = parts[4]
    dark = sum(1 for i in range(0, len(pixels) - 2, 3) if min(pixels[i : i + 3]) < 200)
    return dark / (len(pixels) / 3)


def test_report_pdf_opens_and_pages_show_the_charts(report: Report, tmp_path: Path) -> None:
    assert f"norte report: {report.pdf}" in report.stderr
    # progress while it renders: the page families, then the print
    for step in ("partner: 3 pages", "maps: 1 pages", "printing with Chromium", "page numbers"):
        assert step in report.stderr, step
    pages = report.pages
    assert pages >= 5
    text = subprocess.run(
        ["pdftotext", "-layout", str(report.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for title in (
        "Saldo comercial de EE. UU. con México",
        "Mapa de Prosperidad Compartida",
        "Cruces de camiones hacia EE. UU.",
    ):
        assert title in text, title
    subprocess.run(["pdftoppm", "-r", "30", str(report.pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.ppm"))
    assert len(images) == pages
    inks = [_ink(p.read_bytes()) for p in images]
    # every page has something drawn; the chart pages are well above text-only density
    assert min(inks) > 0.003, inks
    assert sum(1 for i in inks if i > 0.05) >= 3, inks


def test_cover_has_title_mode_and_the_newest_vintage_of_each_source(report: Report) -> None:
    t, tr = catalog(LANG), Translator(LANG)
    first = _flat(
        subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(report.pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert t["report_title"] in first
    assert t["site_name"] in first
    # official data need no "Data: official data" line; the board says what the report holds
    assert tr.t("report_mode", what=t["footer_official"]) not in first
    assert t["report_board"] in first
    for goal in load_shared():
        assert f"{gt(LANG, 'goal_n', n=goal.number)}. {goal.title[LANG]}" in first, goal.id
    assert re.search(rf"({gt(LANG, 'status_no_target')}|{gt(LANG, 'status_on_track')}): \d", first)
    assert t["report_data_as_of"] in first
    with Store(report.db, read_only=True) as s:
        newest = s.con.execute(
            f"SELECT coalesce(c.label_{LANG}, v.source), max(v.vintage) FROM vintages v "
            "LEFT JOIN codes c ON c.scheme = 'source' AND c.code = v.source GROUP BY ALL"
        ).fetchall()
    assert len(newest) >= 3
    for source, vintage in newest:
        assert f"{source}: {tr.date(vintage)}" in first, (source, vintage, first)
    assert "Oficina del Censo de EE. UU." in first  # sources by name (codes scheme 'source')
    # the cover stands alone: no section starts on it, and it carries no page number
    assert not any(t[key] in first for _, key in SECTIONS)  # no contents or section here
    assert not re.search(rf"\b1 ?/ ?{report.pages}\b", first)


def _section_pages(report: Report) -> dict[str, int]:
    """The page (1-based) where each section's numbered heading is, looking past the TOC."""
    t = catalog(LANG)
    found = {}
    for n, (sid, key) in enumerate(SECTIONS, 1):
        heading = f"{n}. {t[key]}"
        found[sid] = next(
            i for i in range(3, report.pages + 1) if report.texts[i - 1].startswith(heading)
        )
    return found


def test_contents_list_every_section_with_working_links(report: Report) -> None:
    t = catalog(LANG)
    toc = report.texts[1]
    assert toc.startswith(t["report_toc"])
    names = [t[key] for _, key in SECTIONS]
    positions = [toc.index(name) for name in names]
    assert positions == sorted(positions), toc
    # partner charts are listed under their partner
    for partner in ("México", "Canadá", "China"):
        assert partner in toc
    # the links stay clickable: a link annotation to each section's named destination
    pdf = report.pdf.read_bytes()
    assert pdf.count(b"/Subtype /Link") >= len(SECTIONS)
    for sid, _ in SECTIONS:
        assert f"/Dest /{sid}\n".encode() in pdf or f"/Dest /{sid}\r".encode() in pdf, sid
    # and every section starts on a new page, in order, after the contents
    starts = list(_section_pages(report).values())
    assert starts == sorted(set(starts)) and starts[0] == 3, starts
    # the contents give each section's page number: the page its heading is printed on
    for (sid, key), page in zip(SECTIONS, starts, strict=True):
        assert re.search(rf"{re.escape(t[key])} {page}\b", toc), (sid, page, toc)


def test_sections_hold_the_top_finding_and_the_goals(report: Report) -> None:
    starts = _section_pages(report)
    with Store(report.db, read_only=True) as s:
        got = s.con.execute(
            f"SELECT body->>'$.headline.{LANG}' FROM findings "  # noqa: S608
            "ORDER BY score DESC, period_start, id LIMIT 1"
        ).fetchall()
    assert got, "the store has findings"
    headline = _flat(got[0][0])
    findings = " ".join(report.texts[starts["findings"] - 1 : starts["goals"] - 1])
    assert headline in findings
    goals = " ".join(report.texts[starts["goals"] - 1 : starts["top-partners"] - 1])
    goal1 = load_shared()[0]
    assert goal1.number == 1
    assert f"{gt(LANG, 'goal_n', n=1)}. {goal1.title[LANG]}" in goals
    assert gt(LANG, "status_no_target") in goals or gt(LANG, "status_on_track") in goals
    # the top-partner table is not split across pages (its section is one page)
    assert starts["charts-goals"] == starts["top-partners"] + 1
    partners = report.texts[starts["top-partners"] - 1]
    assert "México" in partners and "Canadá" in partners


def _figure_titles(official_site: BuiltSite) -> list[str]:
    """The title of every chart of the report (drawn in its SVG), from the built site."""
    page = (official_site.out / LANG / "report.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure id="[^"]+" class="chart">(.*?)</figure>', page, re.S)
    titles = [
        html.unescape(m.group(1))
        for f in figures
        if (m := re.search(r"role-title-text.*?<text[^>]*>([^<]+)</text>", f, re.S))
    ]
    assert len(titles) == len(figures) >= 8
    return titles


def test_no_figure_crosses_a_page_boundary(report: Report, official_site: BuiltSite) -> None:
    """Each chart's title (top of its figure) and its caption's sources (bottom) are printed on
    the same page: between the title and the next chart's title on that page, the caption's
    "Sources:" line. A figure broken across pages has its caption on the next page."""
    sources = catalog(LANG)["chart_sources"] + ":"
    titles = _figure_titles(official_site)
    for title in titles:
        pages = [i for i, text in enumerate(report.texts) if _flat(title) in text]
        assert pages, title
        text = report.texts[pages[-1]]
        start = text.index(_flat(title)) + len(_flat(title))
        ends = [text.find(_flat(o), start) for o in titles if o != title]
        end = min([e for e in ends if e >= 0], default=len(text))
        assert sources in text[start:end], (title, pages[-1] + 1)


def test_screenshots_of_the_cover_and_a_goal_page(report: Report, tmp_path: Path) -> None:
    """The cover and the goals section's first page as PNG (``$NORTE_SCREENSHOTS``, e.g.
    ``docs/screenshots``, else a temporary folder)."""
    folder = Path(os.environ.get("NORTE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    goals = _section_pages(report)["goals"]
    for name, page in (("report-cover", 1), ("report-goals", goals)):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", "-f", str(page), "-l", str(page),
             str(report.pdf), str(folder / name)],
            check=True,
        )  # fmt: skip
        assert (folder / f"{name}.png").stat().st_size > 10_000


def test_pages_are_numbered_and_there_are_more_than_before(report: Report) -> None:
    assert report.pages > PAGES_BEFORE
    for i in range(2, report.pages + 1):
        assert re.search(rf"\b{i} ?/ ?{report.pages}\b", report.texts[i - 1]), i


def test_report_page_headings_are_translated(official_site: BuiltSite) -> None:
    fr = catalog("fr")
    page = html.unescape((official_site.out / "fr" / "report.html").read_text(encoding="utf-8"))
    en = html.unescape((official_site.out / "report.html").read_text(encoding="utf-8"))
    assert f'<h2 id="contents-title">{fr["report_toc"]}</h2>' in page
    # the site's store has no computed indicators, so no light is lit and no goal chart drawn
    shown = [(sid, key) for sid, key in SECTIONS if sid != "charts-goals" or f'id="{sid}"' in page]
    for n, (sid, key) in enumerate(shown, 1):
        assert f'<h2 id="{sid}-title">{n}. {fr[key]}</h2>' in page, key
        assert f'href="#{sid}"' in page and f'id="{sid}"' in page
        assert f"{n}. {catalog('en')[key]}</h2>" in en
    assert fr["report_data_as_of"] in page and catalog("en")["report_data_as_of"] not in page


def test_report_without_chromium_says_how_to_install(
    official_site: BuiltSite, tmp_path: Path
) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(official_site.db), "report", "--pdf",
         "--out", str(tmp_path / "x.pdf")],
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/nonexistent", "NORTE_CHROMIUM": ""},
    )  # fmt: skip
    assert r.returncode != 0
    assert "apt-get install -y chromium" in r.stderr
    assert not (tmp_path / "x.pdf").exists()


# -- figures whole on one page, by pixels ------------------------------------------------------
#: the printed page (Letter) and its content box (report.html: @page margin 18mm 16mm 20mm)
PAGE_MM, TOP_MM, BOTTOM_MM = 279.4, 18.0, 20.0
DPI = 50
#: a band this deep at the content box's bottom and top edges
BAND_MM = 3.0


def _rows(ppm: bytes) -> tuple[int, int, bytes]:
    parts = ppm.split(maxsplit=4)
    assert parts[0] == b"P6"
    return int(parts[1]), int(parts[2]), parts[4]


def _chart_ink(ppm: bytes, top_mm: float, bottom_mm: float) -> int:
    """Pixels of chart colour (saturated: lines, bars, tiles — not black or grey text) between
    ``top_mm`` and ``bottom_mm`` from the top of the page."""
    w, h, px = _rows(ppm)
    per_mm = h / PAGE_MM
    y0, y1 = int(top_mm * per_mm), min(h, int(bottom_mm * per_mm) + 1)
    n = 0
    for y in range(y0, y1):
        row = px[y * w * 3 : (y + 1) * w * 3]
        for i in range(0, len(row) - 2, 3):
            r, g, b = row[i], row[i + 1], row[i + 2]
            if max(r, g, b) - min(r, g, b) > 70:
                n += 1
    return n


def split_figures(pages: list[bytes]) -> list[int]:
    """Pages (1-based) whose content ends in chart ink at the bottom edge of the content box
    while the next page starts with chart ink at its top edge: a figure cut by the page
    boundary (a figure kept whole leaves white space at one of the two edges)."""
    bottom = PAGE_MM - BOTTOM_MM
    out = []
    for i in range(len(pages) - 1):
        ends = _chart_ink(pages[i], bottom - BAND_MM, bottom)
        starts = _chart_ink(pages[i + 1], TOP_MM, TOP_MM + BAND_MM)
        if ends and starts:
            out.append(i + 1)
    return out


def _page(ink_from_mm: float | None, ink_to_mm: float | None) -> bytes:
    """A synthetic page image (P6, Letter at DPI) with a blue chart line drawn down the middle
    from ``ink_from_mm`` to ``ink_to_mm``."""
    w, h = int(8.5 * DPI), int(11 * DPI)
    per_mm = h / PAGE_MM
    px = bytearray(b"\xff" * (w * h * 3))
    if ink_from_mm is not None and ink_to_mm is not None:
        for y in range(int(ink_from_mm * per_mm), int(ink_to_mm * per_mm)):
            for x in range(w // 3, w // 3 + 40):
                px[(y * w + x) * 3 : (y * w + x) * 3 + 3] = b"\x00\x72\xb2"
    return f"P6 {w} {h} 255\n".encode() + bytes(px)


def test_split_figure_detector_sees_a_cut_figure_and_not_a_whole_one() -> None:
    bottom = PAGE_MM - BOTTOM_MM
    cut = [_page(200, bottom), _page(TOP_MM, 80)]  # a chart running off page 1 onto page 2
    whole = [_page(120, 200), _page(TOP_MM, 80)]  # page 1's chart ends 60 mm above the edge
    text = [_page(None, None), _page(None, None)]
    assert split_figures(cut) == [1]
    assert split_figures(whole) == [] and split_figures(text) == []


def test_no_figure_crosses_a_page_boundary_by_pixels(report: Report, tmp_path: Path) -> None:
    """Every page rendered by pdftoppm: no chart is cut by a page boundary."""
    subprocess.run(["pdftoppm", "-r", str(DPI), str(report.pdf), str(tmp_path / "p")], check=True)
    pages = [p.read_bytes() for p in sorted(tmp_path.glob("p-*.ppm"))]
    assert len(pages) == report.pages
    # the detector looks where charts are: chart ink on most chart pages
    assert sum(1 for p in pages if _chart_ink(p, TOP_MM, PAGE_MM - BOTTOM_MM)) >= 5
    assert split_figures(pages) == []
