"""Hostile corpus files, generated small on disk, and a build measured in a subprocess.

``make(kind, folder)`` writes one file of a kind (see ``KINDS``); ``measured_build(home)``
builds the index of ``home`` in a fresh interpreter with the fake embedder and returns
what it reported with its peak memory (the build and its worker processes) and time.
Run as a script (``python tests/hostile.py KIND HOME``) to measure one kind by hand, e.g.
against another checkout with ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Default Extension="bin" ContentType="application/octet-stream"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>')
GOOD = "notitie.txt"
GOOD_TEXT = "Een gewone notitie over werklocaties.\n\nDe gemeente zoekt ruimte voor bedrijven.\n"


def _deflated(block: bytes, times: int) -> tuple[bytes, int, int]:
    """Raw deflate of ``block`` repeated ``times`` times, made by compressing it once: after
    a full flush the compressor starts afresh, so every repetition compresses the same.
    The data is not final: end it with ``_final``.

    Returns:
        The deflate data, the CRC-32 and the Adler-32 of the whole.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    once = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc, adler = 0, 1
    for _ in range(times):
        crc, adler = zlib.crc32(block, crc), zlib.adler32(block, adler)
    return once * times, crc, adler


def _final(data: bytes = b"") -> bytes:
    """``data`` as a whole raw deflate stream (what ends a ``_deflated`` one)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """Write a zip of ``(name, deflated data, crc, size)`` members (each under 4 GB)."""
    out, central = bytearray(), bytearray()
    for name, packed, crc, size in members:
        fields = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0, crc, len(packed), size,
                             len(name.encode()), 0)
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHII", 0, 0, 0, 0, len(out)) + name.encode())
        out += b"PK\x03\x04" + fields + name.encode() + packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(out), 0)
    path.write_bytes(bytes(out + central + end))


def _small(name: str, text: str) -> tuple[str, bytes, int, int]:
    data = text.encode()
    return name, _final(data), zlib.crc32(data), len(data)


def _docx(path: Path, body: bytes, times: int, extra: tuple[str, int] | None = None) -> None:
    """A .docx whose document.xml holds ``body`` ``times`` times; ``extra`` adds a member
    of that many MB of zeros."""
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    start, _, _ = _deflated(head, 1)
    middle, _, _ = _deflated(body, times)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(body, crc)
    document = ("word/document.xml", start + middle + _final(tail), zlib.crc32(tail, crc),
                len(head) + len(body) * times + len(tail))
    members = [_small("[Content_Types].xml", CONTENT_TYPES), _small("_rels/.rels", RELS), document]
    if extra:
        zeros, zcrc, _ = _deflated(bytes(MB), extra[1])
        members.append((extra[0], zeros + _final(), zcrc, extra[1] * MB))
    _zip(path, members)


def docx_xml_flood(path: Path, megabytes: int = 300) -> None:
    """A .docx holding ``megabytes`` of valid paragraph XML (well under 1 MB on disk)."""
    para = b"<w:p><w:r><w:t>Een zin over bedrijventerreinen en werk.</w:t></w:r></w:p>"
    _docx(path, para * (MB // len(para)), megabytes)


def docx_zip_bomb(path: Path, megabytes: int = 1024) -> None:
    """A small valid .docx whose footnotes part (which the reader unpacks whole) is
    ``megabytes`` of zeros: about 1 MB on disk."""
    _docx(path, b"<w:p><w:r><w:t>Een korte nota.</w:t></w:r></w:p>", 1,
          extra=("word/footnotes.xml", megabytes))


def odt_space_bomb(path: Path) -> None:
    """A 1 KB .odt whose paragraph asks for two billion spaces (``text:s text:c``)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:text><text:p>Ruimte voor<text:s text:c="2000000000"/>werk.'
               '</text:p></office:text></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)


def pdf_flate_bomb(path: Path, megabytes: int = 1024) -> None:
    """A one-page PDF whose content stream inflates to ``megabytes`` of spaces (~1 MB)."""
    block = b"BT /F1 12 Tf 72 720 Td (Tekst) Tj ET\n" + b" " * (MB - 38)
    packed, _, adler = _deflated(block, megabytes)
    stream = b"\x78\xda" + packed + _final() + struct.pack(">I", adler)    # a zlib stream
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
               + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def blank_pdf(path: Path, pages: int = 2000) -> None:
    """An image-only-looking PDF: ``pages`` blank pages (no text, so OCR is asked for)."""
    from pypdf import PdfWriter
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with open(path, "wb") as handle:
        writer.write(handle)


def text_pdf(path: Path, pages: int = 400) -> None:
    """A text PDF of ``pages`` full pages (slow to read: for the time limit)."""
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path))
    for n in range(pages):
        for line in range(50):
            c.drawString(60, 780 - 15 * line, f"Pagina {n} regel {line}: werklocaties en "
                                              "bedrijventerreinen in de regio.")
        c.showPage()
    c.save()


def big_text(path: Path, megabytes: int = 200) -> None:
    """A plain text file of ``megabytes``."""
    line = ("Een lange regel tekst over ruimte voor economie en werk in Nederland. " * 8 + "\n")
    block = (line * (MB // len(line) + 1))[:MB].encode()
    with open(path, "wb") as handle:
        for _ in range(megabytes):
            handle.write(block)


KINDS = {
    "docx-xml": ("sources/flood.docx", docx_xml_flood),
    "docx-zipbomb": ("sources/bomb.docx", docx_zip_bomb),
    "odt-spaces": ("sources/spaces.odt", odt_space_bomb),
    "pdf-flate": ("sources/flate.pdf", pdf_flate_bomb),
    "pdf-blank": ("sources/blank.pdf", blank_pdf),
    "text-200mb": ("sources/big.txt", big_text),
}


def make(kind: str, corpus: Path) -> Path:
    """Write a hostile file of ``kind`` and a good note into ``corpus``; the hostile file's path."""
    name, maker = KINDS[kind]
    path = corpus / name
    path.parent.mkdir(parents=True, exist_ok=True)
    maker(path)
    (corpus / GOOD).write_text(GOOD_TEXT, encoding="utf-8")
    return path


DRIVER = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from conftest import HashEmbedder
from bronwijzer.index.build import build_index
from bronwijzer.settings import Settings
began = time.perf_counter()
settings = Settings(home=__import__("pathlib").Path(sys.argv[1]), **json.loads(sys.argv[3]))
report = build_index(settings, HashEmbedder())
# this process's own peak (VmHWM: ru_maxrss would carry the forking parent's peak over exec)
self_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"documents": report.documents, "passages": report.passages,
                  "problems": [[p.name, p.reason, p.indexed] for p in report.problems],
                  "peak_mb": max(self_kb, kids_kb) / 1024, "self_mb": self_kb / 1024,
                  "workers_mb": kids_kb / 1024, "seconds": time.perf_counter() - began}))
"""


def measured_build(home: Path, timeout: float = 120, **settings) -> dict:
    """Build ``home``'s index in a subprocess; its report, peak memory (MB) and seconds.

    Args:
        home: the project home (``home/corpus``).
        timeout: seconds before the build is killed (then ``{"killed": True}``).
        **settings: ``Settings`` fields to change.

    Returns:
        ``documents``, ``passages``, ``problems`` ([name, reason, indexed]), ``peak_mb``
        (the larger of the build process and its largest worker), ``seconds``.
    """
    tests = str(Path(__file__).resolve().parent)
    began = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", DRIVER, str(home), tests, json.dumps(settings)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"killed": True, "seconds": time.perf_counter() - began}
    if done.returncode:
        return {"failed": done.returncode, "stderr": done.stderr[-2000:],
                "seconds": time.perf_counter() - began}
    return {**json.loads(done.stdout.strip().splitlines()[-1]),
            "wall": time.perf_counter() - began}


if __name__ == "__main__":
    target = Path(sys.argv[2])
    make(sys.argv[1], target / "corpus")
    print(json.dumps(measured_build(target, timeout=float(sys.argv[3]) if len(sys.argv) > 3
                                    else 600)))
