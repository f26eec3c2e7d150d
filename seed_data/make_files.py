"""Generate the demo attachment files under seed_data/files/ (deterministically).

Run:  .venv/bin/python seed_data/make_files.py

PDFs are written by hand (uncompressed, one page, standard Type1 fonts Helvetica and
Helvetica-Bold with WinAnsiEncoding, so only Latin-script text). Texts in Cyrillic or
Arabic script go into DOCX files (python-docx). Every output is byte-for-byte
reproducible: no timestamps in the PDFs, fixed core properties and fixed ZIP entry
dates in the DOCX files.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
import zipfile
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

OUT = Path(__file__).resolve().parent / "files"
FIXED_DATE = dt.datetime(2024, 1, 15, 9, 0, 0)
ZIP_DATE = (2024, 1, 15, 9, 0, 0)


# --------------------------------------------------------------------------- PDF

def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (cp1252), with escapes."""
    raw = text.encode("cp1252")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw + b")"


def _pdf_text_string(text: str) -> bytes:
    """A PDF text string for the document information dictionary (UTF-16BE, hex)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def write_pdf(path: Path, title: str, paragraphs: list[str], lang: str) -> None:
    width_chars = 88  # ~10 pt Helvetica across a 475 pt text block
    ops = [b"BT", b"/F2 14 Tf", b"60 780 Td", b"18 TL"]
    for line in textwrap.wrap(title, 60, break_on_hyphens=False):
        ops.append(_pdf_string(line) + b" Tj T*")
    ops += [b"/F1 10 Tf", b"14 TL", b"T*"]
    for para in paragraphs:
        for line in textwrap.wrap(para, width_chars, break_on_hyphens=False):
            ops.append(_pdf_string(line) + b" Tj T*")
        ops.append(b"T*")
    ops.append(b"ET")
    stream = b"\n".join(ops) + b"\n"
    assert len(ops) < 60, "text does not fit on one page"

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang " + _pdf_string(lang) + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Title " + _pdf_text_string(title) + b" /Producer (PAN Platform seed_data/make_files.py) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n"
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size " + str(len(objects) + 1).encode()
            + b" /Root 1 0 R /Info 7 0 R >>\nstartxref\n" + str(xref_at).encode() + b"\n%%EOF\n")
    path.write_bytes(bytes(out))


# -------------------------------------------------------------------------- DOCX

def _make_rtl(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(OxmlElement("w:bidi"))
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        rpr.append(OxmlElement("w:rtl"))


def write_docx(path: Path, title: str, paragraphs: list[str], lang: str, rtl: bool = False) -> None:
    document = docx.Document()
    props = document.core_properties
    props.title = title
    props.author = "PAN Platform demo"
    props.last_modified_by = "PAN Platform demo"
    props.language = lang
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.revision = 1

    heading = document.add_heading(title, level=1)
    if rtl:
        _make_rtl(heading)
    for text in paragraphs:
        paragraph = document.add_paragraph(text)
        if rtl:
            _make_rtl(paragraph)
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            rpr = run._r.get_or_add_rPr()
            lang_el = OxmlElement("w:lang")
            lang_el.set(qn("w:bidi" if rtl else "w:val"), lang)
            rpr.append(lang_el)

    buffer = io.BytesIO()
    document.save(buffer)
    # Re-pack with fixed entry dates so that the file is reproducible.
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))


# ------------------------------------------------------------------------ content

PDFS = {
    "thb-victim-identification-checklist.pdf": ("en", "Checklist: Indicators for the Identification of Presumed Victims of Trafficking in Human Beings", [
        "Purpose. This checklist supports front-line officers and investigators in recognising presumed "
        "victims of trafficking in human beings during routine checks, labour inspections and raids. No "
        "single indicator proves trafficking: the indicators and the person's own account must be assessed "
        "together, and any doubt must be resolved in favour of referral to specialised assistance.",
        "General indicators: the person does not hold his or her own identity documents; debts to an "
        "employer or recruiter that cannot realistically be repaid; restricted freedom of movement or "
        "constant supervision; signs of physical or psychological abuse; wages withheld or far below the "
        "agreed level; accommodation provided by the employer and shared with many others; fear of the "
        "authorities or rehearsed answers.",
        "Immediate actions: separate the person from possible controllers; use a qualified interpreter, "
        "never a companion; explain the person's rights and the recovery and reflection period; contact "
        "the national referral mechanism; record every indicator observed. Do not treat a presumed victim "
        "as an offender for immigration or prostitution-related offences committed as a direct consequence "
        "of being trafficked.",
    ]),
    "darknet-ermittlungen-leitfaden.pdf": ("de", "Leitfaden: Ermittlungen im Darknet", [
        "Dieser Leitfaden fasst die wichtigsten Schritte für Ermittlungen im Darknet zusammen. Er richtet "
        "sich an Ermittlerinnen und Ermittler der Kriminalpolizei, die mit dem Handel von Betäubungsmitteln, "
        "Waffen und gefälschten Dokumenten auf illegalen Marktplätzen befasst sind.",
        "1. Sicherung: Jede Sichtung eines Hidden Service wird mit Datum, Uhrzeit und Onion-Adresse "
        "dokumentiert; Bildschirmaufnahmen und Hashwerte werden unverzüglich gesichert. 2. Zahlungsströme: "
        "Bitcoin- und Monero-Transaktionen werden mit Analysewerkzeugen nachverfolgt; Übergänge zu "
        "regulierten Handelsplattformen sind Ansatzpunkte für Auskunftsersuchen. 3. Verdeckte Maßnahmen: "
        "Testkäufe und der Einsatz unter Legende bedürfen der vorherigen Genehmigung nach dem jeweiligen "
        "Strafprozessrecht.",
        "Die Ermittlung endet nicht mit der Identifizierung eines Verkäufers: Packstationen, Versandmuster "
        "und Kundendaten aus beschlagnahmten Servern ermöglichen Folgeermittlungen. Internationale "
        "Zusammenarbeit über Europol, INTERPOL und gemeinsame Ermittlungsgruppen ist in nahezu jedem "
        "Verfahren erforderlich.",
    ]),
    "police-de-proximite-fiche.pdf": ("fr", "Fiche pédagogique : le diagnostic local de sécurité", [
        "Objectif de la séance : à l'issue de cette séance de trois heures, les stagiaires seront capables "
        "de conduire un diagnostic local de sécurité dans un quartier, en associant les habitants, les élus, "
        "les bailleurs sociaux et les associations.",
        "Déroulement : (1) présentation des principes de la police de proximité et du partenariat local, "
        "30 minutes ; (2) analyse des statistiques de la délinquance et des mains courantes du secteur, "
        "45 minutes ; (3) marche exploratoire dans le quartier avec un groupe d'habitants, 60 minutes ; "
        "(4) restitution et élaboration d'un plan d'action priorisé, 45 minutes.",
        "Évaluation : chaque groupe présente trois problèmes prioritaires, les partenaires à mobiliser et "
        "les indicateurs permettant de mesurer l'amélioration du sentiment de sécurité des habitants.",
    ]),
    "precursores-quimicos-guia.pdf": ("es", "Guía práctica: identificación de precursores químicos en inspecciones", [
        "Esta guía ayuda a los agentes que realizan inspecciones en empresas químicas, puertos y almacenes "
        "a detectar el desvío de precursores químicos hacia la fabricación ilícita de drogas. Los precursores "
        "más vigilados son la efedrina y la pseudoefedrina, el anhídrido acético, el permanganato potásico y "
        "el ácido fenilacético, así como los pre-precursores y las sustancias de diseño no catalogadas.",
        "Señales de alerta: pedidos de cantidades inusuales o sin justificación comercial; pagos en "
        "efectivo; clientes nuevos que rechazan la entrega en su domicilio social; etiquetado incompleto o "
        "declaraciones aduaneras que no coinciden con el producto; envases reetiquetados; rutas de "
        "transporte ilógicas a través de terceros países.",
        "Actuación: documentar la operación sospechosa, tomar muestras conforme al protocolo de cadena de "
        "custodia, comunicar el caso a la autoridad nacional competente y, cuando proceda, a la Junta "
        "Internacional de Fiscalización de Estupefacientes mediante el sistema PICS. Se recomienda la "
        "entrega vigilada en coordinación con los demás Estados afectados.",
    ]),
}

DOCXS = {
    "thb-financial-investigation-lesson-plan.docx": ("en", "Lesson Plan: Financial Investigation in Trafficking in Human Beings Cases", [
        "Duration: 4 hours. Target group: criminal investigators and financial analysts. Learning "
        "objective: participants will be able to launch a parallel financial investigation alongside a "
        "trafficking case, identify the proceeds of exploitation and prepare requests for asset freezing.",
        "Session 1 (60 min): the business model of trafficking – recruitment costs, transport, "
        "accommodation, debt bondage and the flow of profits. Session 2 (90 min): sources of financial "
        "intelligence – suspicious transaction reports from the Financial Intelligence Unit, money-transfer "
        "records, bank statements and payments for online advertising. Session 3 (90 min): group exercise "
        "reconstructing the money trail of a fictitious sexual exploitation network operating between two "
        "participating States.",
        "Assessment: each group presents a financial profile of the suspects, a list of assets to be frozen "
        "and a draft request for mutual legal assistance. Trainer's note: stress that confiscated proceeds "
        "can be used to compensate victims.",
    ], False),
    "cybercrime-investigation-practicum-ru.docx": ("ru", "Практикум: изъятие и исследование цифровых доказательств", [
        "Цель практикума — сформировать у полицейских практические навыки изъятия, фиксации и "
        "предварительного исследования цифровых доказательств при расследовании киберпреступлений. "
        "Продолжительность — 6 академических часов.",
        "Ход занятия: слушатели получают учебное дело о мошенничестве с использованием фишинговых сайтов. "
        "На месте происшествия они фотографируют рабочее место, фиксируют состояние включённых устройств, "
        "изымают носители информации с соблюдением правил упаковки и создают образ диска с помощью "
        "блокиратора записи. Затем вычисляются контрольные суммы и составляется протокол осмотра.",
        "Критерии оценки: соблюдение порядка изъятия и цепочки хранения доказательств, полнота протокола, "
        "корректность запросов к провайдеру и к зарубежным партнёрам через сеть контактных пунктов 24/7. "
        "Полиция должна обеспечить допустимость цифровых доказательств в суде.",
    ], False),
    "border-drug-interdiction-exercise.docx": ("en", "Field Exercise: Interdiction of Drug Consignments at a Road Border Crossing", [
        "Scenario: a lorry declared as carrying dried fruit approaches a road border crossing point. Risk "
        "profiling by the joint analytical team has flagged the consignor, a company registered three weeks "
        "earlier, and the route passes through a region known for opiate transit.",
        "Tasks: (1) apply risk indicators to the documents and to the driver's behaviour; (2) conduct a "
        "secondary search using a density meter, a fibre-optic scope and a detector dog; (3) secure the scene "
        "and the evidence when heroin is found concealed in the cargo; (4) decide, together with the "
        "prosecutor and the counterpart agency across the border, whether a controlled delivery is feasible.",
        "Debriefing: observers from the border guard service and UNODC assess inter-agency communication, "
        "respect for the driver's rights and the quality of the seizure report.",
    ], False),
    "ilp-arabic-guide.docx": ("ar", "دليل العمل الشرطي المبني على المعلومات الاستخباراتية", [
        "يهدف هذا الدليل إلى تعريف ضباط الشرطة بنموذج العمل الشرطي المبني على المعلومات الاستخباراتية، "
        "الذي يجعل التحليل الجنائي أساساً لتحديد الأولويات وتوزيع الموارد واتخاذ القرارات العملياتية.",
        "تشمل دورة المعلومات الاستخباراتية خمس مراحل: التخطيط والتوجيه، وجمع المعلومات، والتقييم والتحليل، "
        "والنشر، والتغذية الراجعة. ويجب تقييم كل معلومة من حيث موثوقية المصدر ودقة المعلومة قبل إدخالها في "
        "قاعدة البيانات.",
        "ويراعي الدليل احترام حقوق الإنسان وحماية البيانات الشخصية، ويشجع على تبادل المعلومات مع الدول "
        "المشاركة في منظمة الأمن والتعاون في أوروبا والشركاء من أجل التعاون، ومع الدول الأعضاء في جامعة "
        "الدول العربية.",
    ], True),
    "joint-investigation-teams-checklist.docx": ("en", "Checklist: Setting Up a Joint Investigation Team in a Trafficking Case", [
        "Before the agreement: confirm that the investigation has a cross-border dimension requiring "
        "co-ordinated action; consult the prosecutors of all States concerned; check whether Eurojust or "
        "Europol support and funding are available; agree on a working language and on the team leaders.",
        "The agreement should specify the purpose and duration of the team, the seconded members and their "
        "powers, the rules on the exchange and use of evidence, the protection of victims and witnesses, and "
        "the arrangements for costs and equipment.",
        "During operations: hold regular operational meetings, keep a shared log of decisions, agree on a "
        "common day of action and plan victim support in each State before any arrests are made.",
    ], False),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (lang, title, paragraphs) in PDFS.items():
        write_pdf(OUT / name, title, paragraphs, lang)
    for name, (lang, title, paragraphs, rtl) in DOCXS.items():
        write_docx(OUT / name, title, paragraphs, lang, rtl)
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>7}  {path.relative_to(OUT.parent)}")


if __name__ == "__main__":
    main()
