"""Generated test documents: the article as a typeset PDF with notes at the page bottoms,
and a report with a cover and roman-numbered front matter.

The article PDF is one column, Helvetica 10.5 pt, a running header and a printed page
number on every page but the cover; footnote markers are small raised digits; each
note is printed at the bottom of the page where its marker stands; long words are
hyphenated at line ends, compounds with a real hyphen break at that hyphen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

BODY, LEAD, NOTE, NOTE_LEAD, SUP = 10.5, 14.0, 8.0, 10.0, 6.5
LEFT, RIGHT, TOP, BOTTOM = 70.0, A4[0] - 70.0, A4[1] - 80.0, 70.0
HEADER = "Platform31 · Ruimte voor economie en werk"
FONT = "Helvetica"


@dataclass
class Page:
    """What one page holds: body lines (segments), notes, its printed label."""

    lines: list = field(default_factory=list)     # (y, [(text, is_marker)])
    notes: list = field(default_factory=list)     # (number, [note lines])
    label: str = ""


def _width(segments) -> float:
    return sum(stringWidth(t, FONT, SUP if m else BODY) for t, m in segments)


def _segments(word: str) -> list[tuple[str, bool]]:
    """A word with ``\\x00n\\x00`` marker codes as (text, is_marker) pieces."""
    parts = word.split("\x00")
    return [(p, i % 2 == 1) for i, p in enumerate(parts) if p]


def _split_word(word: str, room: float) -> tuple[str, str] | None:
    """Where to break a word at a line end: a real hyphen, or a syllable-like point."""
    if "\x00" in word:
        return None
    for m in reversed(list(re.finditer(r"-", word))):
        head = word[:m.end()]
        if 0 < m.start() and m.end() < len(word) and stringWidth(head, FONT, BODY) <= room:
            return head, word[m.end():]
    if len(word) < 10 or "-" in word or not word.isalpha():
        return None
    for cut in range(len(word) - 4, 3, -1):
        head = word[:cut] + "-"
        if word[cut - 1] in "aeiou" and word[cut] not in "aeiou" and word[cut + 1:cut + 2] not in ("", ) \
                and stringWidth(head, FONT, BODY) <= room:
            return head, word[cut:]
    return None


def wrap(text: str) -> list[list[tuple[str, bool]]]:
    """Body text (markers as `` [n]``) as lines of segments that fit the column."""
    words = re.sub(r" \[(\d+)\]", "\x00\\1\x00", text).split()
    lines, current = [], []
    width = RIGHT - LEFT
    for word in words:
        piece = ([(" ", False)] if current else []) + _segments(word)
        if _width(current + piece) <= width:
            current += piece
            continue
        split = _split_word(word, width - _width(current) - stringWidth(" ", FONT, BODY))
        if split and current:
            current += [(" ", False), (split[0], False)]
            lines.append(current)
            current = _segments(split[1])
        else:
            lines.append(current)
            current = _segments(word)
    if current:
        lines.append(current)
    return [ln for ln in lines if ln]


def wrap_note(text: str, indent: float = 12.0) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if stringWidth(trial, FONT, NOTE) <= RIGHT - LEFT - indent:
            current = trial
        else:
            lines.append(current)
            current = word
    return lines + [current] if current else lines


def layout(paragraphs: list[str], notes: dict[int, str]) -> list[Page]:
    """Body paragraphs into pages; each note at the bottom of the page of its marker."""
    pages, page = [], Page()
    y, note_height = TOP, 0.0
    for para in paragraphs:
        for line in wrap(para):
            numbers = [int(t) for t, m in line if m]
            extra = sum(len(wrap_note(notes[n])) * NOTE_LEAD + 2 for n in numbers if n in notes)
            reserve = note_height + extra + (12 if note_height + extra else 0)
            if y - LEAD < BOTTOM + reserve:
                pages.append(page)
                page, y, note_height = Page(), TOP, 0.0
            page.lines.append((y, line))
            for n in numbers:
                if n in notes:
                    page.notes.append((n, wrap_note(notes[n])))
                    note_height += len(page.notes[-1][1]) * NOTE_LEAD + 2
            y -= LEAD
        y -= 6
    pages.append(page)
    return pages


def draw(path: Path, cover: list[str], pages: list[Page], front: list[list[str]] = ()) -> None:
    """Draw the cover, optional front-matter pages, then the laid-out pages."""
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(cover[0])
    y = A4[1] - 250
    for i, line in enumerate(cover):
        c.setFont(FONT + "-Bold" if i == 0 else FONT, 24 if i == 0 else 12)
        for part in wrap_note(line) if i else [line]:
            c.drawString(LEFT, y, part)
            y -= 30 if i == 0 else 16
    c.showPage()
    romans = ["ii", "iii", "iv", "v"]
    for page in [*[Page(lines=[(TOP - LEAD * k, [(t, False)]) for k, t in enumerate(f)],
                        label=romans[i]) for i, f in enumerate(front)], *pages]:
        _draw_page(c, page)
    c.save()


def _draw_page(c, page: Page) -> None:
    c.setFont(FONT, 8)
    c.drawString(LEFT, A4[1] - 45, HEADER)
    if page.label:
        c.drawCentredString(A4[0] / 2, 35, page.label)
    for y, line in page.lines:
        x = LEFT
        runs: list[list] = []
        for text, marker in line:              # one string per run of normal text
            if runs and not marker and not runs[-1][1]:
                runs[-1][0] += text
            else:
                runs.append([text, marker])
        for text, marker in runs:
            size = SUP if marker else BODY
            c.setFont(FONT, size)
            c.drawString(x, y + (3.5 if marker else 0), text)
            x += stringWidth(text, FONT, size)
    y = BOTTOM + sum(len(lines) * NOTE_LEAD + 2 for _, lines in page.notes)
    if page.notes:
        c.line(LEFT, y + 4, LEFT + 120, y + 4)
    for number, lines in page.notes:
        y -= NOTE_LEAD
        c.setFont(FONT, SUP)
        if number is not None:                 # None: a note continued from the page before
            c.drawString(LEFT, y + 3, str(number))
        c.setFont(FONT, NOTE)
        for k, text in enumerate(lines):
            c.drawString(LEFT + 12, y - k * NOTE_LEAD, text)
        y -= (len(lines) - 1) * NOTE_LEAD + 2
    c.showPage()


def label_pages(path: Path, roman: int, start: int = 1) -> None:
    """/PageLabels: the cover and ``roman`` front pages i, ii, ...; then 1, 2, ... from ``start``."""
    writer = PdfWriter(clone_from=PdfReader(path))
    n = len(writer.pages)
    writer.set_page_label(0, roman, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
    writer.set_page_label(roman + 1, n - 1, style=PageLabelStyle.DECIMAL, start=start)
    writer.write(path)


def article_pdf(article_text: str, path: Path) -> dict:
    """The article typeset as a PDF with its 20 notes at the page bottoms.

    Returns:
        ``{"pages": [Page], "paragraphs": [...], "notes": {n: text}, "header": HEADER}``;
        page labels are ``i`` for the cover, then 1, 2, ...
    """
    from bronwijzer.corpus.article import parse_article
    clean, blocks, refs = parse_article(article_text)
    notes: dict[int, list[str]] = {}
    for r in refs:
        notes.setdefault(r.footnote, []).append(r.raw)
    note_text = {n: "; ".join(raws) for n, raws in notes.items()}
    paragraphs = [b.text for b in blocks[2:]]
    pages = layout(paragraphs, note_text)
    for number, page in enumerate(pages, 1):
        page.label = str(number)
    draw(path, [blocks[0].text, blocks[1].text], pages)
    label_pages(path, roman=0)
    return {"pages": pages, "paragraphs": paragraphs, "notes": note_text, "header": HEADER,
            "cover": [blocks[0].text, blocks[1].text]}


# --------------------------------------------------------------------------- office files

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_with_footnotes(path: Path, paragraphs: list[list], notes: dict[int, str]) -> None:
    """A Word file whose paragraphs are lists of text and ``int`` footnote references,
    with a real footnotes part (``word/footnotes.xml``, its relationship and content type)."""
    import zipfile

    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    document = docx.Document()
    document.core_properties.title = "Werklocaties in de stad"
    for parts in paragraphs:
        paragraph = document.add_paragraph()
        for part in parts:
            if isinstance(part, int):
                run = paragraph.add_run()
                ref = OxmlElement("w:footnoteReference")
                ref.set(qn("w:id"), str(part + 1))         # Word's ids 0/1 are separators
                run._r.append(ref)
            else:
                paragraph.add_run(part)
    raw = path.with_suffix(".tmp.docx")
    document.save(raw)
    body = "".join(
        f'<w:footnote w:id="{n + 1}"><w:p><w:r><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:footnote>'
        for n, text in notes.items())
    footnotes = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W_NS}">'
                 '<w:footnote w:type="separator" w:id="0"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                 '<w:footnote w:type="continuationSeparator" w:id="1"><w:p><w:r><w:continuationSeparator/>'
                 f'</w:r></w:p></w:footnote>{body}</w:footnotes>')
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType='
                                    b'"application/vnd.openxmlformats-officedocument.wordprocessingml.'
                                    b'footnotes+xml"/></Types>')
            elif item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdFn" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/footnotes" '
                                    b'Target="footnotes.xml"/></Relationships>')
            out.writestr(item, data)
        out.writestr("word/footnotes.xml", footnotes)
    raw.unlink()


def odt_with_notes(path: Path, paragraphs: list[list], notes: dict[int, str]) -> None:
    """A minimal OpenDocument text with ``text:note`` footnotes."""
    import zipfile
    from xml.sax.saxutils import escape
    body = ""
    for parts in paragraphs:
        inner = ""
        for part in parts:
            if isinstance(part, int):
                inner += (f'<text:note text:id="ftn{part}" text:note-class="footnote">'
                          f'<text:note-citation>{part}</text:note-citation><text:note-body>'
                          f'<text:p>{escape(notes[part])}</text:p></text:note-body></text:note>')
            else:
                inner += escape(part)
        body += f"<text:p>{inner}</text:p>"
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:text>{body}</office:text></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        out.writestr("content.xml", content)
        out.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?>'
                     '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                     'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
                     '"application/vnd.oasis.opendocument.text"/></manifest:manifest>')


def scanned_pdf(path: Path, lines: list[str]) -> None:
    """An image-only PDF: the text is drawn into a picture (PIL), the page holds only it."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    image = Image.new("L", (2480, 1200), 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 56)
    except OSError:
        font = ImageFont.load_default(size=56)
    for i, line in enumerate(lines):
        draw.text((120, 120 + i * 90), line, fill=0, font=font)
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(image), 0, A4[1] - A4[0] * 1200 / 2480, width=A4[0],
                height=A4[0] * 1200 / 2480)
    c.showPage()
    c.save()


def front_matter_pdf(path: Path) -> dict:
    """A cover, two roman-numbered front pages (i is the cover) and two body pages with a
    footnote; labels through /PageLabels: i, ii, iii, 1, 2."""
    paragraphs = [
        "Deze verkenning gaat over werklocaties in middelgrote steden en over de vraag hoe "
        "gemeenten ruimte voor bedrijven kunnen houden terwijl zij woningen bijbouwen [1]. "
        "De gemeenten in de regio trekken daarbij steeds vaker samen op.",
        "Een tweede alinea beschrijft de aanpak van de woon-werkbalans in de binnenstad, met "
        "aandacht voor de scale-up-agenda van de regio en voor kleine bedrijven in de wijken.",
    ]
    notes = {1: "Rli (2023) Samen werken. Raad voor de Leefomgeving en Infrastructuur. "
                "https://www.rli.nl/publicaties/2023/advies/samen-werken"}
    pages = layout(paragraphs, notes)
    for number, page in enumerate(pages, 1):
        page.label = str(number)
    front = [["Voorwoord", "Dit voorwoord staat op pagina ii van het rapport."],
             ["Inhoud", "1 Werklocaties"]]
    draw(path, ["Werklocaties in de stad", "Een verkenning"], pages, front)
    label_pages(path, roman=2)
    return {"paragraphs": paragraphs, "notes": notes}
