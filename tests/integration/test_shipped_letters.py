"""A release's corrected letters reach a running deployment, and never over
an administrator's own wording."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from redress.db.migrate import upgrade
from redress.db.tables.followup import MessageTemplate
from services.followup.store import FollowupStore
from services.followup.templates import LetterTemplate, shipped


def test_letters_redress_still_owns_are_brought_up_to_date_and_an_administrators_are_kept(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'redress.db'}"
    upgrade(url)
    store = FollowupStore(url)
    try:
        letters = {(t.name, t.language): t for t in shipped()}
        assert store.install_shipped() == len(letters)
        # As an earlier release shipped them: Spanish "a el", a leaflet
        # "enclosed", and no word of what a request for information asks.
        old_es = LetterTemplate("final_response", "es", "Respuesta", "dirigir a el servicio\n")
        old_en = LetterTemplate("summary_resolution", "en", "Resolved", "A leaflet is enclosed.\n")
        old_rfi = LetterTemplate("request_for_information", "en", "Info", "{{ extra.question }}\n")
        for letter in (old_es, old_en, old_rfi):
            store.put_template(letter, "other", "redress")
        mine = LetterTemplate("final_response", "de", "Meine Antwort", "Mein eigener Text\n")
        store.put_template(mine, "final_response", "local-admin")

        assert store.install_shipped() == 3
        for name, language in [
            ("final_response", "es"),
            ("summary_resolution", "en"),
            ("request_for_information", "en"),
        ]:
            latest = store.get_template(name, language)
            assert latest is not None and latest.version == 3
            assert latest.body_text == letters[(name, language)].body_text
        rfi = store.get_template("request_for_information", "en")
        assert rfi is not None and [a["name"] for a in rfi.asks] == ["question"]
        kept = store.get_template("final_response", "de")
        assert kept is not None and kept.body_text == "Mein eigener Text\n"
        # Nothing changed: nothing added on the next start.
        assert store.install_shipped() == 0
        with store.sessions() as session:
            assert len(session.scalars(select(MessageTemplate)).all()) == len(letters) + 7
    finally:
        store.close()
