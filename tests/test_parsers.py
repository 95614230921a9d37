"""Parsers turn real files of every supported format into blocks, and bad files into errors.

Every fixture is a real file written to ``tmp_path``: PDFs are drawn with reportlab and DOCX
files built with python-docx, so the tests exercise the same libraries the indexer uses.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from indexer.blocks import Block, ParseError
from indexer.parsers import SUPPORTED_SUFFIXES, parse_file

# --- helpers -----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def summary(blocks: list[Block]) -> list[tuple[str, int, str]]:
    return [(block.kind, block.level, block.text) for block in blocks]


def parse_error(path: Path) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert path.name in str(caught.value)
    assert caught.value.path == str(path)
    return caught.value


PDF_PAGES = [
    [
        ("bold", "1. Introduction"),
        ("body", "Practitioners should share information with other agencies when"),
        ("body", "it is necessary to protect a child from harm, including the safe-"),
        ("body", "guarding partners and the police."),
        ("body", "\u2022 Contact children's social care"),
        ("body", "\u2022 Record the decision and the reasons for it"),
    ],
    [
        ("bold", "2. Roles and Responsibilities"),
        ("body", "The police have a duty to investigate offences against children and"),
        ("body", "to take emergency action under section 46 of the Children Act 1989."),
        ("body", "- Attend the strategy discussion"),
    ],
    [
        ("bold", "2.1 Police Protection"),
        ("body", "Police protection lasts for no longer than 72 hours."),
    ],
]


def draw_pdf(path: Path, pages: list[list[tuple[str, str]]], header: str | None = None) -> Path:
    """Draw one PDF page per entry: optional running header, the lines, a page-number footer."""
    width, height = A4
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number, lines in enumerate(pages, start=1):
        if header:
            pdf.setFont("Helvetica", 8)
            pdf.drawString(72, height - 40, header)
        y = height - 100
        for style, text in lines:
            pdf.setFont("Helvetica-Bold" if style == "bold" else "Helvetica", 11)
            pdf.drawString(72, y, text)
            y -= 16
        pdf.setFont("Helvetica", 8)
        pdf.drawString(width / 2, 30, f"Page {number} of {len(pages)}")
        pdf.showPage()
    pdf.save()
    return path


@pytest.fixture
def guidance_pdf(tmp_path: Path) -> Path:
    return draw_pdf(tmp_path / "guidance.pdf", PDF_PAGES, header="Working Together 2023")


# --- Markdown ----------------------------------------------------------------------------


MARKDOWN = """---
title: Working Together
source: https://example.gov.uk
---

# Working Together to *Safeguard* Children

Intro with **bold**, __strong__, _emphasis_ and a [linked guide](https://example.gov.uk/a_(b)).
It wraps onto a second line with snake_case_name, `code *kept*` and 2 * 3 * 4.
Escapes: \\(a\\), \\*literal stars\\* and <span class="x">inline HTML</span>.

![Diagram of the process](flow.png)

## 1. Making a referral

- Call 999 if a child is in *immediate* danger
  and stay on the line
- Contact children's social care
  - Out of hours: the emergency duty team
      - deeper levels stay at level 1
1. Numbered items keep their number

| Agency | Duty |
|:-------|-----:|
| Police | Section 46 **protection** |

```text
strategy   discussion
within 24 hours
```

[Extract ends here. See the full guidance.]
"""


def test_markdown_structure_and_inline_markup(tmp_path: Path) -> None:
    blocks = parse_file(write(tmp_path, "guide.md", MARKDOWN))

    assert summary(blocks) == [
        ("heading", 1, "Working Together to Safeguard Children"),
        (
            "paragraph",
            0,
            "Intro with bold, strong, emphasis and a linked guide. It wraps onto a second "
            "line with snake_case_name, code *kept* and 2 * 3 * 4. Escapes: (a), "
            "*literal stars* and inline HTML.",
        ),
        ("heading", 2, "1. Making a referral"),
        ("list_item", 0, "Call 999 if a child is in immediate danger and stay on the line"),
        ("list_item", 0, "Contact children's social care"),
        ("list_item", 1, "Out of hours: the emergency duty team"),
        ("list_item", 1, "deeper levels stay at level 1"),
        ("list_item", 0, "1. Numbered items keep their number"),
        ("paragraph", 0, "Agency | Duty"),
        ("paragraph", 0, "Police | Section 46 protection"),
        ("paragraph", 0, "strategy discussion within 24 hours"),
        ("paragraph", 0, "[Extract ends here. See the full guidance.]"),
    ]
    assert all(block.page is None for block in blocks)


def test_markdown_front_matter_is_not_content(tmp_path: Path) -> None:
    blocks = parse_file(write(tmp_path, "guide.markdown", "---\ntitle: T\n---\nBody text.\n"))

    assert summary(blocks) == [("paragraph", 0, "Body text.")]


def test_markdown_setext_headings_and_blockquotes(tmp_path: Path) -> None:
    text = "Main Title\n==========\n\nSection\n-------\n\n> Quoted guidance\n> continues here.\n"

    blocks = parse_file(write(tmp_path, "setext.md", text))

    assert summary(blocks) == [
        ("heading", 1, "Main Title"),
        ("heading", 2, "Section"),
        ("paragraph", 0, "Quoted guidance continues here."),
    ]


def test_markdown_inline_triple_backticks_are_not_a_fence(tmp_path: Path) -> None:
    text = "Run ```make index``` first.\n\nNext paragraph.\n"

    blocks = parse_file(write(tmp_path, "code.md", text))

    assert summary(blocks) == [
        ("paragraph", 0, "Run make index first."),
        ("paragraph", 0, "Next paragraph."),
    ]


# --- plain text --------------------------------------------------------------------------


def test_text_paragraphs_and_list_items(tmp_path: Path) -> None:
    text = (
        "\ufeffSection 47 enquiries   must start\nwithin the statutory timescale.\n\n"
        "Consider whether:\n"
        "- the child is at risk\n"
        "* siblings are affected\n"
        "\u2022 a strategy discussion is needed\n"
        "1. record the decision\n"
        "(a) notify the police\n"
        "    with the reasons\n"
        "\n\n"
        "Final paragraph."
    )

    blocks = parse_file(write(tmp_path, "notes.txt", text))

    assert summary(blocks) == [
        ("paragraph", 0, "Section 47 enquiries must start within the statutory timescale."),
        ("paragraph", 0, "Consider whether:"),
        ("list_item", 0, "the child is at risk"),
        ("list_item", 0, "siblings are affected"),
        ("list_item", 0, "a strategy discussion is needed"),
        ("list_item", 0, "1. record the decision"),
        ("list_item", 0, "(a) notify the police with the reasons"),
        ("paragraph", 0, "Final paragraph."),
    ]


def test_text_accepts_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "utf16.txt", "Caf\u00e9 guidance.".encode("utf-16"))

    assert summary(parse_file(path)) == [("paragraph", 0, "Caf\u00e9 guidance.")]


# --- HTML --------------------------------------------------------------------------------


HTML = """<!DOCTYPE html>
<html><head><title>Page title</title><style>p { color: red }</style></head>
<body>
<header><a href="/">Site banner</a></header>
<nav><ul><li>Home</li><li>Guidance</li></ul></nav>
<div role="navigation">Breadcrumb trail</div>
<main>
  <h1>Child protection <em>procedures</em></h1>
  <p>Share   information
     with <a href="/x">partner agencies</a>.</p>
  <script>var tracking = "script text";</script>
  <div>Loose text in a div <strong>stays</strong><p>Inner paragraph.</p>Tail text.</div>
  <ul>
    <li>Call the police<ul><li>Dial <b>999</b></li></ul></li>
    <li><p>Refer to social care</p></li>
  </ul>
  <h3>Contacts</h3>
  <table>
    <tr><th>Agency</th><th>Phone</th></tr>
    <tr><td>MASH</td><td>0100 000</td></tr>
  </table>
  <aside>Related links</aside>
  <!-- a comment -->
</main>
<footer>Crown copyright</footer>
</body></html>
"""


def test_html_keeps_content_and_strips_chrome(tmp_path: Path) -> None:
    blocks = parse_file(write(tmp_path, "page.html", HTML))

    assert summary(blocks) == [
        ("heading", 1, "Child protection procedures"),
        ("paragraph", 0, "Share information with partner agencies."),
        ("paragraph", 0, "Loose text in a div stays"),
        ("paragraph", 0, "Inner paragraph."),
        ("paragraph", 0, "Tail text."),
        ("list_item", 0, "Call the police"),
        ("list_item", 1, "Dial 999"),
        ("list_item", 0, "Refer to social care"),
        ("heading", 3, "Contacts"),
        ("paragraph", 0, "Agency | Phone"),
        ("paragraph", 0, "MASH | 0100 000"),
    ]
    text = " ".join(block.text for block in blocks)
    for chrome in ("Site banner", "Home", "Breadcrumb", "script text", "Related", "Crown"):
        assert chrome not in text


def test_html_without_main_reads_the_body(tmp_path: Path) -> None:
    html = "<html><body><nav>Menu</nav><h2>Early help</h2>Bare body text.</body></html>"

    blocks = parse_file(write(tmp_path, "plain.htm", html))

    assert summary(blocks) == [("heading", 2, "Early help"), ("paragraph", 0, "Bare body text.")]


def test_html_honours_meta_charset(tmp_path: Path) -> None:
    html = (
        '<html><head><meta charset="iso-8859-1"></head>'
        "<body><p>Caf\u00e9 \u2018quoted\u2019 guidance</p></body></html>"
    )
    # Declared "iso-8859-1" is read as Windows-1252, as browsers do, so curly quotes survive.
    path = write(tmp_path, "latin.html", html.encode("cp1252"))

    assert summary(parse_file(path)) == [("paragraph", 0, "Caf\u00e9 \u2018quoted\u2019 guidance")]


def test_html_stale_meta_charset_loses_to_valid_utf8(tmp_path: Path) -> None:
    html = '<meta charset="windows-1252"><p>Caf\u00e9 guidance</p>'

    blocks = parse_file(write(tmp_path, "resaved.html", html))

    assert summary(blocks) == [("paragraph", 0, "Caf\u00e9 guidance")]


def test_html_unknown_meta_charset(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.html", b'<meta charset="x-klingon"><p>caf\xe9</p>')

    assert parse_error(path).reason == "unknown charset 'x-klingon' declared in <meta charset>"


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_blocks_carry_page_numbers_and_structure(guidance_pdf: Path) -> None:
    blocks = parse_file(guidance_pdf)

    assert [(block.kind, block.level, block.text, block.page) for block in blocks] == [
        ("heading", 2, "1. Introduction", 1),
        (
            "paragraph",
            0,
            "Practitioners should share information with other agencies when it is necessary "
            "to protect a child from harm, including the safeguarding partners and the police.",
            1,
        ),
        ("list_item", 0, "Contact children's social care", 1),
        ("list_item", 0, "Record the decision and the reasons for it", 1),
        ("heading", 2, "2. Roles and Responsibilities", 2),
        (
            "paragraph",
            0,
            "The police have a duty to investigate offences against children and to take "
            "emergency action under section 46 of the Children Act 1989.",
            2,
        ),
        ("list_item", 0, "Attend the strategy discussion", 2),
        ("heading", 3, "2.1 Police Protection", 3),
        ("paragraph", 0, "Police protection lasts for no longer than 72 hours.", 3),
    ]


def test_pdf_drops_running_header_and_page_number_footer(guidance_pdf: Path) -> None:
    texts = [block.text for block in parse_file(guidance_pdf)]

    assert not any("Working Together 2023" in text for text in texts)
    assert not any(text.startswith("Page ") for text in texts)


def test_pdf_keeps_repeated_line_in_short_document(tmp_path: Path) -> None:
    pages = [[("body", "Draft guidance for consultation.")]] * 2
    path = draw_pdf(tmp_path / "short.pdf", pages, header="Draft Header Line")

    texts = [block.text for block in parse_file(path)]

    # Two pages are too few to tell a running header from content, but page numbers still go.
    assert texts.count("Draft Header Line") == 2
    assert not any(text.startswith("Page ") for text in texts)


def test_pdf_rejoins_page_breaks_and_reads_lone_bullets(tmp_path: Path) -> None:
    pages = [
        [("body", "Strategy discussions should include the police, social care and the")],
        [
            ("body", "referring agency, and should be held within one working day."),
            ("body", "\u2022"),
            ("body", "Record who attended"),
        ],
    ]
    path = draw_pdf(tmp_path / "split.pdf", pages)

    assert [(block.kind, block.text, block.page) for block in parse_file(path)] == [
        (
            "paragraph",
            "Strategy discussions should include the police, social care and the referring "
            "agency, and should be held within one working day.",
            1,
        ),
        ("list_item", "Record who attended", 2),
    ]


def test_pdf_opens_encrypted_file_with_empty_user_password(guidance_pdf: Path) -> None:
    writer = PdfWriter(clone_from=guidance_pdf)
    writer.encrypt(user_password="", owner_password="owner-secret")
    writer.write(guidance_pdf)

    assert parse_file(guidance_pdf)[0].text == "1. Introduction"


# --- DOCX --------------------------------------------------------------------------------


def test_docx_styles_lists_and_tables_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Safeguarding Policy", style="Title")
    document.add_heading("Making a Referral", level=1)
    document.add_paragraph("Act   without delay.")
    document.add_paragraph("")
    document.add_paragraph("Call 999 in an emergency", style="List Bullet")
    document.add_paragraph("Then inform the MASH", style="List Bullet 2")
    table = document.add_table(rows=2, cols=2)
    for row, cells in enumerate([("Agency", "Contact"), ("Police", "101")]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    document.add_heading("Recording", level=2)
    numbered = document.add_paragraph("Directly numbered step")
    numbering = numbered._p.get_or_add_pPr().get_or_add_numPr()
    numbering.get_or_add_ilvl().val = 1
    numbering.get_or_add_numId().val = 1
    path = tmp_path / "policy.docx"
    document.save(str(path))

    assert summary(parse_file(path)) == [
        ("heading", 1, "Safeguarding Policy"),
        ("heading", 2, "Making a Referral"),
        ("paragraph", 0, "Act without delay."),
        ("list_item", 0, "Call 999 in an emergency"),
        ("list_item", 1, "Then inform the MASH"),
        ("paragraph", 0, "Agency | Contact"),
        ("paragraph", 0, "Police | 101"),
        ("heading", 3, "Recording"),
        ("list_item", 1, "Directly numbered step"),
    ]


# --- bad input ---------------------------------------------------------------------------


def test_unknown_suffix_lists_supported_formats(tmp_path: Path) -> None:
    error = parse_error(write(tmp_path, "notes.xyz", "text"))

    assert "unsupported format '.xyz'" in error.reason
    assert all(suffix in error.reason for suffix in SUPPORTED_SUFFIXES)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    error = parse_error(tmp_path / "absent.md")

    assert error.reason == "file not found"


@pytest.mark.parametrize("name", ["empty.md", "empty.txt", "empty.html"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    assert parse_error(write(tmp_path, name, b"")).reason == "empty file"


@pytest.mark.parametrize("name", ["blank.md", "blank.txt"])
def test_whitespace_only_file(tmp_path: Path, name: str) -> None:
    error = parse_error(write(tmp_path, name, " \n\t\n   \r\n"))

    assert error.reason.startswith("empty file")
    assert "whitespace" in error.reason


def test_binary_content_in_text_file(tmp_path: Path) -> None:
    error = parse_error(write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))

    assert "binary content in a text file" in error.reason
    assert "offset 8" in error.reason


def test_wrong_encoding_names_offset_and_fix(tmp_path: Path) -> None:
    error = parse_error(write(tmp_path, "latin.md", b"# Title\n\ncaf\xe9 policy"))

    assert "not valid UTF-8" in error.reason
    assert "0xE9 at offset 12 (line 3)" in error.reason
    assert "save the file as UTF-8" in error.reason


def test_document_with_no_text_after_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "only-script.html", "<html><script>var x = 1;</script></html>")

    assert parse_error(path).reason == "no text found (empty file?)"


def test_random_bytes_pdf(tmp_path: Path) -> None:
    error = parse_error(write(tmp_path, "random.pdf", bytes(range(1, 256)) * 8))

    assert error.reason.startswith("corrupt or unreadable PDF")
    assert "not a PDF file" in error.reason


def test_truncated_pdf(tmp_path: Path, guidance_pdf: Path) -> None:
    data = guidance_pdf.read_bytes()
    path = write(tmp_path, "truncated.pdf", data[: len(data) // 2])

    error = parse_error(path)

    assert error.reason.startswith("corrupt or unreadable PDF")
    assert "truncated" in error.reason


def test_encrypted_pdf_needs_password(guidance_pdf: Path) -> None:
    writer = PdfWriter(clone_from=guidance_pdf)
    writer.encrypt(user_password="secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    guidance_pdf.write_bytes(buffer.getvalue())

    error = parse_error(guidance_pdf)

    assert error.reason.startswith("encrypted PDF:")
    assert "password" in error.reason


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(72, 72, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()

    assert parse_error(path).reason == "no extractable text (scanned PDF? run OCR first)"


def test_corrupt_docx(tmp_path: Path) -> None:
    error = parse_error(write(tmp_path, "policy.docx", b"This is not a zip archive at all"))

    assert error.reason.startswith("corrupt or unreadable DOCX")
    assert "ZIP" in error.reason


def test_legacy_doc_renamed_to_docx(tmp_path: Path) -> None:
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

    error = parse_error(write(tmp_path, "old.docx", ole_header))

    assert "legacy .doc" in error.reason
