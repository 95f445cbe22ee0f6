"""Who a customer may refer a complaint to, per regime and language.

Letters offer these as `regulator.name`, `regulator.referral_text` and
`regulator.deadline_text`; `FINAL_CLOCK` names the clock whose deadline a
letter gives as `deadlines.final_response`.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.domain.regulatory import FINAL_RESPONSE_CLOCK as FINAL_CLOCK
from redress.domain.regulatory import SUMMARY_RESOLUTION_CLOCK as SUMMARY_CLOCK

__all__ = ["FINAL_CLOCK", "SUMMARY_CLOCK", "Referral", "referral"]


@dataclass(frozen=True)
class Referral:
    name: str
    referral_text: str
    deadline_text: str


REFERRALS: dict[str, dict[str, Referral]] = {
    "uk_fca": {
        "en": Referral(
            "the Financial Ombudsman Service",
            # No leaflet is enclosed (a letter goes out as one text, by e-mail
            # or handed off for post): it says where the explanation is instead.
            "You must do so within six months of the date of our final response. "
            "The service is free: 0800 023 4567, Exchange Tower, London E14 9SR. "
            "Its website, www.financial-ombudsman.org.uk, explains how it works.",
            "If we have not sent you our final response within eight weeks, you may refer "
            "your complaint to the Financial Ombudsman Service.",
        ),
        "de": Referral(
            "den Financial Ombudsman Service",
            "Dies muss innerhalb von sechs Monaten nach unserer abschließenden Antwort "
            "geschehen. Der Service ist kostenlos: +44 20 7964 0500, Exchange Tower, "
            "London E14 9SR. Auf seiner Website www.financial-ombudsman.org.uk erfahren "
            "Sie, wie er arbeitet (auf Englisch).",
            "Falls Sie innerhalb von acht Wochen keine abschließende Antwort von uns "
            "erhalten, können Sie sich an den Financial Ombudsman Service wenden.",
        ),
        "es": Referral(
            "el Financial Ombudsman Service",
            "Debe hacerlo en un plazo de seis meses desde la fecha de nuestra respuesta "
            "definitiva. El servicio es gratuito: +44 20 7964 0500, Exchange Tower, "
            "London E14 9SR. En su web, www.financial-ombudsman.org.uk, se explica cómo "
            "funciona (en inglés).",
            "Si no le enviamos nuestra respuesta definitiva en un plazo de ocho semanas, "
            "puede presentar su reclamación ante el Financial Ombudsman Service.",
        ),
    },
    "eu_psd2": {
        "en": Referral(
            "the alternative dispute resolution body for payment services in your country",
            "Your national financial regulator lists it; in Germany it is the Schlichtungsstelle "
            "bei der Deutschen Bundesbank, in Spain the Banco de España's complaints service. "
            "You can also use FIN-NET: finance.ec.europa.eu/fin-net.",
            "We will reply within 15 business days; if we cannot, we will tell you why and "
            "reply in full within 35 business days.",
        ),
        "de": Referral(
            "die Schlichtungsstelle für Zahlungsdienste",
            "In Deutschland ist dies die Schlichtungsstelle bei der Deutschen Bundesbank, "
            "Postfach 10 06 02, 60006 Frankfurt am Main, www.bundesbank.de/schlichtungsstelle. "
            "Grenzüberschreitend hilft FIN-NET: finance.ec.europa.eu/fin-net.",
            "Wir antworten innerhalb von 15 Geschäftstagen; falls das nicht möglich ist, "
            "nennen wir Ihnen die Gründe und antworten spätestens nach 35 Geschäftstagen.",
        ),
        "es": Referral(
            "el servicio de reclamaciones del Banco de España",
            "Puede presentarla en sedeelectronica.bde.es o por correo a Banco de España, "
            "Departamento de Conducta de Entidades, C/ Alcalá 48, 28014 Madrid. "
            "Para reclamaciones transfronterizas: finance.ec.europa.eu/fin-net.",
            "Le responderemos en un plazo de 15 días hábiles; si no fuera posible, le "
            "indicaremos los motivos y le responderemos en un máximo de 35 días hábiles.",
        ),
    },
    "us_cfpb": {
        "en": Referral(
            "the Consumer Financial Protection Bureau",
            "You can submit a complaint at www.consumerfinance.gov/complaint or by calling "
            "(855) 411-2372.",
            "We aim to respond within 15 days and to give you our final response within 60 days.",
        ),
        "de": Referral(
            "das Consumer Financial Protection Bureau",
            "Sie können eine Beschwerde unter www.consumerfinance.gov/complaint oder unter "
            "+1 855 411 2372 einreichen.",
            "Wir antworten möglichst innerhalb von 15 Tagen und abschließend innerhalb von "
            "60 Tagen.",
        ),
        "es": Referral(
            "la Oficina para la Protección Financiera del Consumidor (CFPB)",
            "Puede presentar una queja en www.consumerfinance.gov/es/enviar-una-queja o "
            "llamando al (855) 411-2372.",
            "Procuramos responder en 15 días y darle nuestra respuesta definitiva en 60 días.",
        ),
    },
    "au_asic": {
        "en": Referral(
            "the Australian Financial Complaints Authority (AFCA)",
            "AFCA provides fair and independent complaint resolution that is free to "
            "consumers: www.afca.org.au, info@afca.org.au, 1800 931 678, GPO Box 3, "
            "Melbourne VIC 3001.",
            "We will give you our response within 30 calendar days; if we cannot, we will "
            "tell you why and about your right to go to AFCA.",
        ),
        "de": Referral(
            "die Australian Financial Complaints Authority (AFCA)",
            "AFCA bietet eine faire, unabhängige und für Verbraucher kostenlose "
            "Streitbeilegung: www.afca.org.au, info@afca.org.au, +61 3 9613 7373.",
            "Wir antworten innerhalb von 30 Kalendertagen; falls das nicht möglich ist, "
            "nennen wir Ihnen die Gründe und Ihr Recht, sich an AFCA zu wenden.",
        ),
        "es": Referral(
            "la Australian Financial Complaints Authority (AFCA)",
            "AFCA ofrece una resolución de reclamaciones justa, independiente y gratuita "
            "para los consumidores: www.afca.org.au, info@afca.org.au, +61 3 9613 7373.",
            "Le responderemos en un plazo de 30 días naturales; si no fuera posible, le "
            "explicaremos el motivo y su derecho a acudir a AFCA.",
        ),
    },
    "none": {
        "en": Referral(
            "an independent complaints service",
            "Please ask us and we will tell you which service can consider your complaint.",
            "",
        ),
        "de": Referral(
            "eine unabhängige Schlichtungsstelle",
            "Fragen Sie uns gern, welche Stelle für Ihre Beschwerde zuständig ist.",
            "",
        ),
        "es": Referral(
            "un servicio independiente de reclamaciones",
            "Pregúntenos y le indicaremos qué servicio puede examinar su reclamación.",
            "",
        ),
    },
}


def referral(regime: str, language: str) -> Referral:
    by_language = REFERRALS.get(regime) or REFERRALS["none"]
    return by_language.get(language.split("-")[0]) or by_language["en"]
