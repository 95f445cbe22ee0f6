"""The language a complaint is written in, when its submission does not say.

A customer who writes in German and states no language should get German
letters and German classification rules. Intake finds the language from the
narrative (lingua, whose models ship inside its wheel: nothing is fetched at
run time) before the complaint's workflow starts, so that the workflow only
reads the result and stays deterministic. The result, with its confidence,
travels in the submission and is recorded on the case's audit trail.
"""

from __future__ import annotations

import dataclasses
import re
from importlib import metadata

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from redress.domain.complaint_state import ComplaintSubmission, LanguageDetection

# The languages told apart: those Redress writes letters and rules in, and
# those most often met besides in the regimes it serves, so that a French
# complaint is recorded as French (and answered in the English fallback)
# rather than taken for the nearest of English, German and Spanish.
CANDIDATES = (
    Language.ENGLISH,
    Language.GERMAN,
    Language.SPANISH,
    Language.FRENCH,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
    Language.POLISH,
)
# Below this the narrative is left without a language (letters in English,
# no language-specific rules) rather than guessed.
MIN_CONFIDENCE = 0.7
# Fewer letters than this say too little to tell a language by.
MIN_LETTERS = 20
_LETTER = re.compile(r"[^\W\d_]")


def _detector_name() -> str:
    try:
        return f"lingua-language-detector {metadata.version('lingua-language-detector')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - installed with Redress
        return "lingua-language-detector"


class NarrativeLanguage:
    """Detects a narrative's language; one per process (the models load once,
    on first use, in low-accuracy mode: trigrams, tens of MB, a few ms a
    narrative, and reliable on a sentence or more, which a complaint is)."""

    def __init__(self) -> None:
        self._detector: LanguageDetector | None = None
        self.name = _detector_name()

    def _built(self) -> LanguageDetector:
        if self._detector is None:
            self._detector = (
                LanguageDetectorBuilder.from_languages(*CANDIDATES).with_low_accuracy_mode().build()
            )
        return self._detector

    def detect(self, text: str) -> LanguageDetection | None:
        """The language of `text`, or None when it is too short or too unsure."""
        if len(_LETTER.findall(text)) < MIN_LETTERS:
            return None
        ranked = self._built().compute_language_confidence_values(text)
        if not ranked or ranked[0].value < MIN_CONFIDENCE:
            return None
        best, second = ranked[0], ranked[1] if len(ranked) > 1 else None
        return LanguageDetection(
            language=best.language.iso_code_639_1.name.lower(),
            confidence=round(best.value, 3),
            detector=self.name,
            runner_up=second.language.iso_code_639_1.name.lower() if second else "",
            runner_up_confidence=round(second.value, 3) if second else 0.0,
        )

    def applied(self, submission: ComplaintSubmission) -> ComplaintSubmission:
        """The submission with the customer's language set from the narrative
        when none was given; unchanged when one was, or none can be told."""
        if submission.customer.preferred_language or not submission.narrative.strip():
            return submission
        found = self.detect(submission.narrative)
        if found is None:
            return submission
        customer = dataclasses.replace(submission.customer, preferred_language=found.language)
        return dataclasses.replace(submission, customer=customer, language_detected=found)
