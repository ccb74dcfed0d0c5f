"""What staff and readers see: three territory reports checked against the rules of French typography and
grammar, and the run's landing page (index.html) driven in a real headless Chromium."""
import html
import re
from pathlib import Path

import pytest

from emploi_lab.batch import run_reports
from emploi_lab.pipeline import build_dataset

TERRITORIES = ["13", "48", "974"]  # plural article (les Bouches-du-Rhône), feminine (la Lozère), no article (La Réunion)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    "A small published run: three territories and the national report, PDF and HTML."
    base = tmp_path_factory.mktemp("published")
    data = build_dataset(base/"data", scale=0.002, seed=5, months=24, as_of="2026-09-30")
    res = run_reports(data, territories=",".join(TERRITORIES), out=base/"run", workers=2, cache_dir=base/"cache",
                      progress=False, fairness=False)
    assert res.exit_code == 0, res.failed
    return base/"run"


def _texts(run: Path):
    "(report, format, text) of each rendered document: the HTML's visible text and the Typst source of the PDF."
    for c in TERRITORIES:
        d = run/"territories"/c
        page = (d/f"{c}.html").read_text(encoding="utf-8")
        yield c, "html", html.unescape(re.sub(r"(?s)<[^>]+>", " ", re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)))
        yield c, "typst", (d/f"{c}.typ").read_text(encoding="utf-8")


ENGLISH = ["the", "and", "with", "share", "rate", "employment", "offers", "territory", "urgency", "flagged", "disparities",
           "None", "nan", "NaN", "True", "False"]
RULES = {  # what must never appear in a staff report, and why
    "a territory named without its article": r"[Dd]ans le territoire|territoire (Bouches|Lozère|La Réunion)",
    "a percent sign without a narrow no-break space before it": r"(?<!\u202f)%",
    "a decimal point in a number": r"(?<![\d.])\d+\.\d+(?![\d.])",
    "a breakable space inside '150 km'": r"150[ \n]km",  # Typst writes the no-break space "~"
    "an English word": r"\b(" + "|".join(ENGLISH) + r")\b",
    "a plural in brackets": r"\w\(s\)",
    "the scale as a decimal on the cover": r"échelle 0[.,]02",
    "an urgency level as a number": r"urgence \d",
}


@pytest.mark.parametrize("rule", RULES)
def test_staff_reports_follow_french_rules(published, rule):
    bad = []
    for c, fmt, text in _texts(published):
        if fmt == "typst":  # the template's own code (fonts, sizes) is not text a reader sees
            text = text[text.index("#outline"):] if "#outline" in text else text
            text = re.sub(r"#(set|show|let|image|figure|table|block|box|text|link|v|h|line|align|grid)\b[^\n]*", "", text)
            text = re.sub(r'"[^"\n]*\.(png|pdf|html)"|<[\w:.-]+>', "", text)  # file names and labels
            text = re.sub(r"\(\s*\d[\d.]*%(\s*,\s*\d[\d.]*%)*\s*,?\s*\)", "", text)  # column widths of a table
        text = re.sub(r"emploi-lab \d+\.\d+\.\d+|code [0-9a-f]{12}|empreinte [0-9a-f]+|figures [0-9a-f]+", "", text)  # provenance
        if rule == "a percent sign without a narrow no-break space before it" and fmt == "typst":
            text = text.replace("\\%", "%")
        for m in re.finditer(RULES[rule], text):
            bad.append(f"{c} {fmt}: …{text[max(0, m.start() - 40):m.end() + 20]!r}…")
    assert not bad, f"{rule}:\n" + "\n".join(bad[:10])


def test_territories_named_with_their_article(published):
    text = {c: t.replace("\u2019", "'") for c, fmt, t in _texts(published) if fmt == "html"}  # pandoc sets curly apostrophes
    assert "Dans les Bouches-du-Rhône, la part" in text["13"]
    assert "En Lozère, la part" in text["48"]
    assert "À La Réunion, la part" in text["974"]
    assert text["974"].count("Aucun autre département n'est à moins de 150\u00a0km") == 1  # one reason, said once


def test_every_table_can_be_downloaded_as_csv(published):
    pages = {c: (published/"territories"/c/f"{c}.html").read_text(encoding="utf-8") for c in TERRITORIES}
    assert all(p.count("<table") == p.count('class="download"') for p in pages.values())
    # at this tiny scale Lozère keeps only the tables with no cell under k; Bouches-du-Rhône keeps every section
    assert pages["13"].count("<table") > 5
    page = pages["48"]
    assert re.search(r"Tableau\u00a01\u00a0: ", page) and re.search(r"Figure\u00a01\u00a0: ", page)
    # a download holds figures a spreadsheet or a script reads: `;` between cells, no narrow space inside a number,
    # no « % » after it (the unit is in the header), no Markdown link
    import base64
    import csv
    import io
    files = [base64.b64decode(b).decode("utf-8-sig") for b in re.findall(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', pages["13"])]
    assert len(files) == pages["13"].count("<table")
    for f in files:
        assert "\u202f" not in f and "\u00a0" not in f and "](" not in f, f[:300]
        rows = list(csv.reader(io.StringIO(f), delimiter=";"))
        assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows), f[:300]
        for r in rows[1:]:
            for v in r:
                assert not re.fullmatch(r"[-+]?\d+,\d+|\d+ ?%", v), (v, f[:300])
    assert any(h.endswith("(%)") for f in files for h in next(csv.reader(io.StringIO(f), delimiter=";"))), [f.splitlines()[0] for f in files]





def test_landing_page_in_a_browser(published, browser, tmp_path):
    page = browser.new_page()
    page.goto((published/"index.html").as_uri())
    # the map links each published territory to a file that exists
    hrefs = page.eval_on_selector_all("svg a[data-code]", "els => els.map(e => [e.dataset.code, e.getAttribute('href')])")
    assert sorted({c for c, _ in hrefs}) == sorted(TERRITORIES)
    assert all((published/h).exists() for _, h in hrefs), hrefs
    # the search finds Lozère, accents or not
    for q in ("Lozère", "lozere"):
        page.fill("#search", q)
        visible = page.eval_on_selector_all("#reports tr", "rs => rs.filter(r => !r.hidden).map(r => r.innerText)")
        assert len(visible) == 1 and "Lozère" in visible[0], visible
    page.fill("#search", "")
    assert page.eval_on_selector_all("#reports tr", "rs => rs.filter(r => !r.hidden).length") == len(TERRITORIES) + 1
    # the national report is listed first
    assert page.inner_text("#reports tr:first-child").startswith("Rapport national")
    # every character of the page is one the default fonts have (no emoji box)
    text = page.inner_text("body")
    odd = sorted({ch for ch in text if not (ch.isascii() or "\u00a0" <= ch <= "\u024f" or "\u2000" <= ch <= "\u206f")})
    assert not odd, odd
    page.screenshot(path=str(tmp_path/"index.png"), full_page=True)
