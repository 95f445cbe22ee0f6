"""The console's interface text in English, German and Spanish, and the
small safe Markdown renderer for article bodies.

The English text is the key; a German and a Spanish translation stand beside
each. A text without a translation shows in English (tests check that every
text the pages use has both). Data (names, narratives, stage names from the
policy) is shown as entered.
"""

from __future__ import annotations

from collections.abc import Callable

# The safe Markdown renderer is shared with the public web form's article pages.
from redress.platform.markdown import markdown

__all__ = ["LANGUAGES", "TEXTS", "choose", "markdown", "translator"]

LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}

# English: (German, Spanish)
TEXTS: dict[str, tuple[str, str]] = {
    # The hotline's new-complaint form (services/console/routes/hotline.py).
    "New complaint": ("Neue Beschwerde", "Nueva reclamación"),
    "Taken by phone. The caller's open complaints are looked up before filing.": (
        "Telefonisch aufgenommen. Vor dem Anlegen werden die offenen Beschwerden des Anrufers "
        "gesucht.",
        "Recibida por teléfono. Antes de registrarla se buscan las reclamaciones abiertas de "
        "quien llama.",
    ),
    "CRM reference (optional)": ("CRM-Referenz (optional)", "Referencia de CRM (opcional)"),
    "Check for existing complaints": (
        "Nach bestehenden Beschwerden suchen",
        "Buscar reclamaciones existentes",
    ),
    "Complaint {case_id} filed. Its deadlines are below.": (
        "Beschwerde {case_id} angelegt. Ihre Fristen stehen unten.",
        "Reclamación {case_id} registrada. Sus plazos figuran abajo.",
    ),
    "This form had already filed {case_id}.": (
        "Dieses Formular hatte bereits {case_id} angelegt.",
        "Este formulario ya había registrado {case_id}.",
    ),
    "Country (two letters, e.g. GB)": (
        "Land (zwei Buchstaben, z. B. DE)",
        "País (dos letras, p. ej. ES)",
    ),
    "File as a new complaint": ("Als neue Beschwerde anlegen", "Registrar como nueva reclamación"),
    "File complaint": ("Beschwerde anlegen", "Registrar reclamación"),
    "Is the call about one of these? Open it, or file the call as a new complaint.": (
        "Geht es im Anruf um eine davon? Öffnen Sie sie, oder legen Sie eine neue Beschwerde an.",
        "¿Trata la llamada de una de ellas? Ábrala o registre la llamada como nueva reclamación.",
    ),
    "No open complaints found for this caller.": (
        "Keine offenen Beschwerden dieses Anrufers gefunden.",
        "No se han encontrado reclamaciones abiertas de esta persona.",
    ),
    "This caller has open complaints": (
        "Dieser Anrufer hat offene Beschwerden",
        "Esta persona tiene reclamaciones abiertas",
    ),
    "Postal address (one line each)": (
        "Postanschrift (je Zeile eine Angabe)",
        "Dirección postal (una línea por dato)",
    ),
    "Postcode": ("Postleitzahl", "Código postal"),
    "Town or city": ("Ort", "Localidad"),
    "Preferred contact channel": ("Bevorzugter Kontaktweg", "Canal de contacto preferido"),
    "Preferred language": ("Bevorzugte Sprache", "Idioma preferido"),
    "Sub-product": ("Unterprodukt", "Subproducto"),
    "The caller": ("Anrufer", "Persona que llama"),
    "The caller may be vulnerable": (
        "Der Anrufer ist möglicherweise schutzbedürftig",
        "La persona que llama puede ser vulnerable",
    ),
    "The complaint": ("Die Beschwerde", "La reclamación"),
    "Vulnerability, in the caller's words (optional)": (
        "Schutzbedürftigkeit, in den Worten des Anrufers (optional)",
        "Vulnerabilidad, en palabras de quien llama (opcional)",
    ),
    "What happened, in the caller's words": (
        "Was geschehen ist, in den Worten des Anrufers",
        "Qué ocurrió, en palabras de quien llama",
    ),
    "What the caller wants": ("Was der Anrufer erwartet", "Qué pide quien llama"),
    "at most {n} characters": ("höchstens {n} Zeichen", "como máximo {n} caracteres"),
    "not said": ("nicht angegeben", "no indicado"),
    "the firm's default": ("Voreinstellung des Unternehmens", "valor predeterminado de la empresa"),
    # Clocks' time left and the case timeline (services/console/timeline.py).
    "calendar time": ("Kalenderzeit", "tiempo natural"),
    "working day": ("Arbeitstag", "día hábil"),
    "working days": ("Arbeitstage", "días hábiles"),
    "day": ("Tag", "día"),
    "days": ("Tage", "días"),
    "h": ("Std.", "h"),
    "min": ("Min.", "min"),
    "by rule {rule}": ("durch Regel {rule}", "por la regla {rule}"),
    "by {person}": ("von {person}", "por {person}"),
    "by the platform": ("durch die Plattform", "por la plataforma"),
    "letter": ("Brief", "carta"),
    "Staff alert to {who} {state}": (
        "Hinweis an Mitarbeitende an {who} {state}",
        "Aviso al personal para {who} {state}",
    ),
    "{share} % of its time used": ("{share} % der Zeit verbraucht", "{share} % del tiempo usado"),
    "staff alert": ("Hinweis an Mitarbeitende", "aviso al personal"),
    "English": ("Englisch", "inglés"),
    "German": ("Deutsch", "alemán"),
    "Spanish": ("Spanisch", "español"),
    "French": ("Französisch", "francés"),
    "e-mail": ("E-Mail", "correo electrónico"),
    "text message": ("SMS", "SMS"),
    "post": ("Post", "correo postal"),
    "queued": ("in der Warteschlange", "en cola"),
    "sent": ("gesendet", "enviado"),
    "delivered": ("zugestellt", "entregado"),
    "bounced": ("unzustellbar", "devuelto"),
    "Complaint received": ("Beschwerde eingegangen", "Reclamación recibida"),
    "Filed as a historic complaint": (
        "Als historische Beschwerde erfasst",
        "Registrada como reclamación histórica",
    ),
    "Stage changed from {old} to {new}": (
        "Phase geändert von {old} zu {new}",
        "Fase cambiada de {old} a {new}",
    ),
    "Reopened: stage changed from {old} to {new}": (
        "Wieder eröffnet: Phase geändert von {old} zu {new}",
        "Reabierta: fase cambiada de {old} a {new}",
    ),
    "Assigned to {new}": ("Zugewiesen an {new}", "Asignada a {new}"),
    "Given to team {new}": ("An Team {new} übergeben", "Pasada al equipo {new}"),
    "Priority set from {old} to {new}": (
        "Priorität von {old} auf {new} gesetzt",
        "Prioridad fijada de {old} a {new}",
    ),
    "Priority changed from {old} to {new}": (
        "Priorität geändert von {old} auf {new}",
        "Prioridad cambiada de {old} a {new}",
    ),
    "Category set to {new}": ("Kategorie auf {new} gesetzt", "Categoría fijada en {new}"),
    "Category changed from {old} to {new}": (
        "Kategorie geändert von {old} zu {new}",
        "Categoría cambiada de {old} a {new}",
    ),
    "Escalated to level {new}": ("Eskaliert auf Stufe {new}", "Escalada al nivel {new}"),
    "Linked to another case: {new}": (
        "Mit einem anderen Fall verknüpft: {new}",
        "Vinculada a otro caso: {new}",
    ),
    "Link removed: {old}": ("Verknüpfung entfernt: {old}", "Vínculo eliminado: {old}"),
    "Clocks started: {new}": ("Fristen gestartet: {new}", "Plazos iniciados: {new}"),
    "Clock {what} started": ("Frist {what} gestartet", "Plazo {what} iniciado"),
    "Clock {what} paused ({new})": (
        "Frist {what} angehalten ({new})",
        "Plazo {what} en pausa ({new})",
    ),
    "Clock {what} resumed": ("Frist {what} fortgesetzt", "Plazo {what} reanudado"),
    "Clock {what} stopped: {new}": ("Frist {what} beendet: {new}", "Plazo {what} detenido: {new}"),
    "Clock {what} warned: {new}": ("Frist {what} gewarnt: {new}", "Aviso del plazo {what}: {new}"),
    "Clock {what} breached its deadline": ("Frist {what} überschritten", "Plazo {what} incumplido"),
    "Subtask added: {new}": ("Teilaufgabe hinzugefügt: {new}", "Subtarea añadida: {new}"),
    "Subtask completed": ("Teilaufgabe erledigt", "Subtarea completada"),
    "Subtask cancelled": ("Teilaufgabe abgebrochen", "Subtarea cancelada"),
    "Subtask overdue": ("Teilaufgabe überfällig", "Subtarea vencida"),
    "Subtask reminder sent": (
        "Erinnerung an Teilaufgabe gesendet",
        "Recordatorio de subtarea enviado",
    ),
    "Note added": ("Notiz hinzugefügt", "Nota añadida"),
    "Outcome recorded: {new}": ("Ergebnis erfasst: {new}", "Resultado registrado: {new}"),
    "The customer replied ({new})": (
        "Der Kunde hat geantwortet ({new})",
        "El cliente respondió ({new})",
    ),
    "{new} queued": ("{new} in der Warteschlange", "{new} en cola"),
    "Message sent": ("Nachricht gesendet", "Mensaje enviado"),
    "Message delivered": ("Nachricht zugestellt", "Mensaje entregado"),
    "Message bounced": ("Nachricht unzustellbar", "Mensaje devuelto"),
    "Message could not be sent": (
        "Nachricht konnte nicht gesendet werden",
        "No se pudo enviar el mensaje",
    ),
    "Follow-up scheduled: {new}": ("Nachfassen geplant: {new}", "Seguimiento programado: {new}"),
    "Follow-up cancelled": ("Nachfassen abgesagt", "Seguimiento cancelado"),
    "Staff notified: {new}": ("Mitarbeitende benachrichtigt: {new}", "Personal avisado: {new}"),
    "Knowledge articles suggested": (
        "Wissensartikel vorgeschlagen",
        "Artículos de conocimiento sugeridos",
    ),
    "No knowledge articles suggested": (
        "Keine Wissensartikel vorgeschlagen",
        "Ningún artículo de conocimiento sugerido",
    ),
    "Satisfaction survey answered: {new}": (
        "Zufriedenheitsumfrage beantwortet: {new}",
        "Encuesta de satisfacción respondida: {new}",
    ),
    "Personal data erased": ("Personenbezogene Daten gelöscht", "Datos personales borrados"),
    "A service is unavailable; try again shortly.": (
        "Ein Dienst ist nicht erreichbar; bitte gleich noch einmal versuchen.",
        "Un servicio no está disponible; inténtelo de nuevo en breve.",
    ),
    "A service took too long to answer; try again.": (
        "Ein Dienst hat zu lange gebraucht; bitte noch einmal versuchen.",
        "Un servicio tardó demasiado en responder; inténtelo de nuevo.",
    ),
    "API key": ("API-Schlüssel", "Clave de API"),
    "What this letter asks you for": (
        "Was dieses Schreiben von Ihnen braucht",
        "Lo que esta carta le pide",
    ),
    "optional": ("optional", "opcional"),
    "Actions": ("Aktionen", "Acciones"),
    "Add an attachment": ("Anhang hinzufügen", "Añadir un adjunto"),
    "Add note": ("Notiz hinzufügen", "Añadir nota"),
    "Add subtask": ("Teilaufgabe hinzufügen", "Añadir subtarea"),
    "Address": ("Adresse", "Dirección"),
    "Apply filters": ("Filter anwenden", "Aplicar filtros"),
    "Archive": ("Archivieren", "Archivar"),
    "Article archived.": ("Artikel archiviert.", "Artículo archivado."),
    "Article published.": ("Artikel veröffentlicht.", "Artículo publicado."),
    "Article recorded as resolving this case.": (
        "Artikel als Lösung dieses Falls vermerkt.",
        "Artículo registrado como solución de este caso.",
    ),
    "Article saved.": ("Artikel gespeichert.", "Artículo guardado."),
    "Assign": ("Zuweisen", "Asignar"),
    "Assignee": ("Bearbeiter", "Responsable"),
    "Assignment saved.": ("Zuweisung gespeichert.", "Asignación guardada."),
    "Attachments": ("Anhänge", "Adjuntos"),
    "Audience": ("Zielgruppe", "Público"),
    "Back to the cases": ("Zurück zu den Fällen", "Volver a los casos"),
    "Body (Markdown)": ("Text (Markdown)", "Texto (Markdown)"),
    "Breached": ("Verletzt", "Incumplido"),
    "Breakdown": ("Aufschlüsselung", "Desglose"),
    "Business time left": ("Verbleibende Arbeitszeit", "Tiempo laborable restante"),
    "Cancel": ("Abbrechen", "Cancelar"),
    "Case": ("Fall", "Caso"),
    "Case closed.": ("Fall geschlossen.", "Caso cerrado."),
    "Case reopened.": ("Fall wieder eröffnet.", "Caso reabierto."),
    "Case resolved.": ("Fall gelöst.", "Caso resuelto."),
    "Cases": ("Fälle", "Casos"),
    "Categories against the previous period": (
        "Kategorien im Vergleich zum Vorzeitraum",
        "Categorías frente al periodo anterior",
    ),
    "Category": ("Kategorie", "Categoría"),
    "Category changed.": ("Kategorie geändert.", "Categoría cambiada."),
    "Change category": ("Kategorie ändern", "Cambiar categoría"),
    "Change priority": ("Priorität ändern", "Cambiar prioridad"),
    "Change stage": ("Phase ändern", "Cambiar fase"),
    "Channel": ("Kanal", "Canal"),
    "Clear": ("Zurücksetzen", "Borrar"),
    "Clock": ("Frist", "Plazo"),
    "Clock paused.": ("Frist angehalten.", "Plazo en pausa."),
    "Clock resumed.": ("Frist läuft wieder.", "Plazo reanudado."),
    "Clocks": ("Fristen", "Plazos"),
    "Close": ("Schließen", "Cerrar"),
    "Closed": ("Geschlossen", "Cerrados"),
    "Complaint": ("Beschwerde", "Reclamación"),
    "Complete": ("Erledigt", "Completar"),
    "Currency": ("Währung", "Moneda"),
    "Customer": ("Kunde", "Cliente"),
    "Dashboard": ("Übersicht", "Panel"),
    "Deadline": ("Fälligkeit", "Vencimiento"),
    "Decision": ("Entscheidung", "Decisión"),
    "Delete this view": ("Diese Ansicht löschen", "Eliminar esta vista"),
    "Description": ("Beschreibung", "Descripción"),
    "Due": ("Fällig", "Vence"),
    "Due (UTC)": ("Fällig (UTC)", "Vence (UTC)"),
    "Edit": ("Bearbeiten", "Editar"),
    "Edit article": ("Artikel bearbeiten", "Editar artículo"),
    "Email": ("E-Mail", "Correo electrónico"),
    "Escalations": ("Eskalationen", "Escalados"),
    "Export these cases (CSV)": ("Diese Fälle exportieren (CSV)", "Exportar estos casos (CSV)"),
    "First page": ("Erste Seite", "Primera página"),
    "From": ("Von", "Desde"),
    "Generated": ("Erstellt", "Generado"),
    "Give the view a name of 1 to 60 characters.": (
        "Geben Sie der Ansicht einen Namen mit 1 bis 60 Zeichen.",
        "Dé a la vista un nombre de 1 a 60 caracteres.",
    ),
    "Goodwill paid": ("Kulanz gezahlt", "Compensación de cortesía pagada"),
    "Issue": ("Anliegen", "Asunto"),
    "Kind": ("Art", "Tipo"),
    "Knowledge": ("Wissen", "Conocimiento"),
    "Knowledge articles": ("Wissensartikel", "Artículos de conocimiento"),
    "Knowledge base": ("Wissensdatenbank", "Base de conocimiento"),
    "Language": ("Sprache", "Idioma"),
    "Main": ("Hauptmenü", "Menú principal"),
    "Message sent.": ("Nachricht gesendet.", "Mensaje enviado."),
    "Move to": ("Verschieben nach", "Mover a"),
    "Name": ("Name", "Nombre"),
    "Narrative": ("Schilderung", "Relato"),
    "New note": ("Neue Notiz", "Nueva nota"),
    "New subtask": ("Neue Teilaufgabe", "Nueva subtarea"),
    "Next deadline": ("Nächste Frist", "Próximo vencimiento"),
    "Next page": ("Nächste Seite", "Página siguiente"),
    "No articles found.": ("Keine Artikel gefunden.", "No se encontraron artículos."),
    "No articles suggested yet.": (
        "Noch keine Artikel vorgeschlagen.",
        "Aún no hay artículos sugeridos.",
    ),
    "No cases match.": ("Keine passenden Fälle.", "Ningún caso coincide."),
    "No clocks.": ("Keine Fristen.", "Sin plazos."),
    "No figures for this period.": (
        "Keine Zahlen für diesen Zeitraum.",
        "No hay cifras para este periodo.",
    ),
    "No notes yet.": ("Noch keine Notizen.", "Aún no hay notas."),
    "No saved reports yet.": (
        "Noch keine gespeicherten Berichte.",
        "Aún no hay informes guardados.",
    ),
    "No subtasks.": ("Keine Teilaufgaben.", "Sin subtareas."),
    "Not found.": ("Nicht gefunden.", "No encontrado."),
    "Not possible now.": ("Jetzt nicht möglich.", "No es posible ahora."),
    "Note added.": ("Notiz hinzugefügt.", "Nota añadida."),
    "Notes": ("Notizen", "Notas"),
    "Earlier notes": ("Ältere Notizen", "Notas anteriores"),
    "Most recent notes": ("Neueste Notizen", "Notas más recientes"),
    "most recent first": ("neueste zuerst", "las más recientes primero"),
    "notes in all": ("Notizen insgesamt", "notas en total"),
    "of": ("von", "de"),
    "audit entries, the most recent, with the case's messages": (
        "Prüfeinträge, die neuesten, mit den Nachrichten des Falls",
        "entradas de auditoría, las más recientes, con los mensajes del caso",
    ),
    "The whole audit trail, page by page": (
        "Der ganze Prüfpfad, Seite für Seite",
        "Toda la pista de auditoría, página a página",
    ),
    "The audit trail, oldest first": (
        "Der Prüfpfad, älteste zuerst",
        "La pista de auditoría, las más antiguas primero",
    ),
    "audit entries": ("Prüfeinträge", "entradas de auditoría"),
    "Back to the timeline": ("Zurück zum Verlauf", "Volver a la cronología"),
    "Later entries": ("Spätere Einträge", "Entradas posteriores"),
    "Open": ("Offen", "Abiertos"),
    "Open now": ("Jetzt offen", "Abiertos ahora"),
    "Open or export": ("Öffnen oder exportieren", "Abrir o exportar"),
    "Order": ("Reihenfolge", "Orden"),
    "Outcome and redress": ("Ergebnis und Entschädigung", "Resultado y reparación"),
    "Outcome recorded.": ("Ergebnis gespeichert.", "Resultado registrado."),
    "Pages": ("Seiten", "Páginas"),
    "Pause": ("Anhalten", "Pausar"),
    "Personal data erased on request": (
        "Personenbezogene Daten auf Antrag gelöscht",
        "Datos personales suprimidos a petición",
    ),
    "Phone": ("Telefon", "Teléfono"),
    "Social media": ("Soziale Medien", "Redes sociales"),
    "Please correct the fields marked below.": (
        "Bitte korrigieren Sie die unten markierten Felder.",
        "Corrija los campos marcados abajo.",
    ),
    "Preview": ("Vorschau", "Vista previa"),
    "Previous": ("Vorher", "Anterior"),
    "Priority": ("Priorität", "Prioridad"),
    "Priority changed.": ("Priorität geändert.", "Prioridad cambiada."),
    "Problem": ("Problem", "Problema"),
    "Product": ("Produkt", "Producto"),
    "Products": ("Produkte", "Productos"),
    "Products (comma-separated)": (
        "Produkte (durch Komma getrennt)",
        "Productos (separados por comas)",
    ),
    "Publish": ("Veröffentlichen", "Publicar"),
    "Publish now": ("Jetzt veröffentlichen", "Publicar ahora"),
    "Reason": ("Grund", "Motivo"),
    "Received": ("Eingegangen", "Recibidos"),
    "Received from": ("Eingegangen ab", "Recibido desde"),
    "Received to": ("Eingegangen bis", "Recibido hasta"),
    "Record outcome": ("Ergebnis speichern", "Registrar resultado"),
    "Recorded": ("Gespeichert", "Registrado"),
    "Redress paid": ("Entschädigung gezahlt", "Reparación pagada"),
    "Reference": ("Referenz", "Referencia"),
    "Regime": ("Aufsichtsregime", "Régimen"),
    "Regulatory returns": ("Aufsichtsmeldungen", "Informes regulatorios"),
    # Device vigilance reports (services/console/routes/reports.py).
    "Device reports": ("Vigilanzmeldungen", "Notificaciones de vigilancia"),
    "Reports due to regulators under the device regimes, by due date, with what each form needs.": (
        "Meldungen an Behörden nach den Medizinprodukte-Regimen, nach Fälligkeit, mit den "
        "Angaben jedes Formulars.",
        "Notificaciones debidas a los reguladores según los regímenes de productos sanitarios, "
        "por fecha de vencimiento, con los datos de cada formulario.",
    ),
    "All device regimes": ("Alle Medizinprodukte-Regime", "Todos los regímenes de productos"),
    "Event": ("Ereignis", "Evento"),
    "Aware": ("Kenntnis", "Conocimiento"),
    "Status": ("Status", "Estado"),
    "Reported": ("Gemeldet", "Notificado"),
    "Device": ("Produkt", "Producto"),
    "Patient outcome": ("Folgen für den Patienten", "Consecuencias para el paciente"),
    "missed": ("versäumt", "incumplido"),
    "due": ("offen", "pendiente"),
    "No reports due in this period.": (
        "Keine Meldungen in diesem Zeitraum fällig.",
        "No hay notificaciones con vencimiento en este periodo.",
    ),
    "Remedy sought": ("Gewünschte Abhilfe", "Solución solicitada"),
    "Reopen": ("Wieder eröffnen", "Reabrir"),
    "Reopened": ("Wieder eröffnet", "Reabiertos"),
    "Report": ("Bericht", "Informe"),
    "Reports": ("Berichte", "Informes"),
    "Resolve": ("Lösen", "Resolver"),
    "Resolve, close or reopen": (
        "Lösen, schließen oder wieder eröffnen",
        "Resolver, cerrar o reabrir",
    ),
    "Resolved": ("Gelöst", "Resueltos"),
    "Resume": ("Fortsetzen", "Reanudar"),
    "Root cause": ("Grundursache", "Causa raíz"),
    "Satisfaction": ("Zufriedenheit", "Satisfacción"),
    "Answered by self-service": ("Durch Selbsthilfe beantwortet", "Resuelto con autoservicio"),
    "Save article": ("Artikel speichern", "Guardar artículo"),
    "Save these filters as a view": (
        "Diese Filter als Ansicht speichern",
        "Guardar estos filtros como vista",
    ),
    "Save view": ("Ansicht speichern", "Guardar vista"),
    "Saved reports": ("Gespeicherte Berichte", "Informes guardados"),
    "Schedule": ("Zeitplan", "Programación"),
    "Search": ("Suche", "Buscar"),
    "Search articles": ("Artikel suchen", "Buscar artículos"),
    "Send": ("Senden", "Enviar"),
    "Send a follow-up": ("Nachricht senden", "Enviar un seguimiento"),
    "Show": ("Anzeigen", "Mostrar"),
    "Sign in": ("Anmelden", "Iniciar sesión"),
    "Sign in with your Redress API key. You see and do what its roles allow.": (
        "Melden Sie sich mit Ihrem Redress-API-Schlüssel an. Sie sehen und tun, "
        "was dessen Rollen erlauben.",
        "Inicie sesión con su clave de API de Redress. Verá y hará lo que permitan sus roles.",
    ),
    "Sign out": ("Abmelden", "Cerrar sesión"),
    "Signed in as": ("Angemeldet als", "Sesión de"),
    "Skip to content": ("Zum Inhalt springen", "Saltar al contenido"),
    "Sort by": ("Sortieren nach", "Ordenar por"),
    "Stage": ("Phase", "Fase"),
    "Stage changed.": ("Phase geändert.", "Fase cambiada."),
    "State": ("Status", "Estado"),
    "Subtask": ("Teilaufgabe", "Subtarea"),
    "Subtask added.": ("Teilaufgabe hinzugefügt.", "Subtarea añadida."),
    "Subtask cancelled.": ("Teilaufgabe abgebrochen.", "Subtarea cancelada."),
    "Subtask completed.": ("Teilaufgabe erledigt.", "Subtarea completada."),
    "Subtasks": ("Teilaufgaben", "Subtareas"),
    "Summary": ("Zusammenfassung", "Resumen"),
    "Tags": ("Schlagwörter", "Etiquetas"),
    "Tags (comma-separated)": (
        "Schlagwörter (durch Komma getrennt)",
        "Etiquetas (separadas por comas)",
    ),
    "Team": ("Team", "Equipo"),
    "Template": ("Vorlage", "Plantilla"),
    "The file is too large.": ("Die Datei ist zu groß.", "El archivo es demasiado grande."),
    "The request failed.": ("Die Anfrage ist fehlgeschlagen.", "La solicitud falló."),
    "This already exists.": ("Das gibt es bereits.", "Esto ya existe."),
    "This key is not known. Use the API key you were given.": (
        "Dieser Schlüssel ist unbekannt. Verwenden Sie den API-Schlüssel, den Sie erhalten haben.",
        "Esta clave no es conocida. Use la clave de API que recibió.",
    ),
    "This period": ("Dieser Zeitraum", "Este periodo"),
    "This resolved the case": ("Hat den Fall gelöst", "Resolvió el caso"),
    "Time left": ("Verbleibende Zeit", "Tiempo restante"),
    "Timeline": ("Verlauf", "Cronología"),
    "Title": ("Titel", "Título"),
    "To": ("Bis", "Hasta"),
    "Trend": ("Trend", "Tendencia"),
    "Value": ("Wert", "Valor"),
    "Version": ("Version", "Versión"),
    "View deleted.": ("Ansicht gelöscht.", "Vista eliminada."),
    "View saved.": ("Ansicht gespeichert.", "Vista guardada."),
    "Views": ("Ansichten", "Vistas"),
    "Visible to the customer": ("Für den Kunden sichtbar", "Visible para el cliente"),
    "Workflow in the Temporal UI": (
        "Workflow in der Temporal-Oberfläche",
        "Flujo en la interfaz de Temporal",
    ),
    "Workload": ("Arbeitslast", "Carga de trabajo"),
    "Write an article": ("Artikel schreiben", "Escribir un artículo"),
    "Your role does not allow this.": (
        "Ihre Rolle erlaubt das nicht.",
        "Su rol no lo permite.",
    ),
    "Your sign-in is no longer valid.": (
        "Ihre Anmeldung ist nicht mehr gültig.",
        "Su sesión ya no es válida.",
    ),
    "a date and time": ("ein Datum mit Uhrzeit", "una fecha y hora"),
    "a date as YYYY-MM-DD": ("ein Datum als JJJJ-MM-TT", "una fecha como AAAA-MM-DD"),
    "an amount such as 125.50": ("ein Betrag wie 125.50", "un importe como 125.50"),
    "any": ("alle", "todos"),
    "archived": ("archiviert", "archivado"),
    "articles": ("Artikel", "artículos"),
    "as kept when first produced": (
        "wie bei der ersten Erstellung festgehalten",
        "tal como se guardó al generarse por primera vez",
    ),
    "audience": ("Zielgruppe", "público"),
    "backlog ageing": ("Alter offener Fälle", "antigüedad de pendientes"),
    "breached": ("verletzt", "incumplido"),
    "breaching today": ("heute fällig", "vencen hoy"),
    "by": ("von", "por"),
    "by category": ("nach Kategorie", "por categoría"),
    "by channel": ("nach Kanal", "por canal"),
    "cancelled": ("abgebrochen", "cancelada"),
    "category": ("Kategorie", "categoría"),
    "choose": ("auswählen", "elegir"),
    "completed": ("erledigt", "completada"),
    "customer": ("Kunden", "clientes"),
    "customer-visible": ("für Kunden sichtbar", "visible para el cliente"),
    "draft": ("Entwurf", "borrador"),
    "erased": ("gelöscht", "suprimido"),
    "falling": ("fallend", "en descenso"),
    "internal": ("intern", "interno"),
    "language": ("Sprache", "idioma"),
    "left": ("übrig", "restante"),
    "level": ("Stufe", "nivel"),
    "message": ("Nachricht", "mensaje"),
    "met": ("eingehalten", "cumplido"),
    "not_applicable": ("entfällt", "no aplicable"),
    "Complaint type": ("Beschwerdeart", "Tipo de reclamación"),
    "Complaint type set to {new}": ("Beschwerdeart: {new}", "Tipo de reclamación: {new}"),
    "Complaint type changed from {old} to {new}": (
        "Beschwerdeart geändert von {old} zu {new}",
        "Tipo de reclamación cambiado de {old} a {new}",
    ),
    "my open cases": ("meine offenen Fälle", "mis casos abiertos"),
    "name, or - for nobody": ("Name, oder - für niemand", "nombre, o - para nadie"),
    "new": ("neu", "nuevo"),
    "on or before the end date": ("am oder vor dem Enddatum", "en o antes de la fecha final"),
    "open": ("offen", "abierta"),
    "outcome mix": ("Ergebnisse", "resultados"),
    "overdue": ("überfällig", "vencida"),
    "overdue by": ("überfällig seit", "vencido hace"),
    "partly_upheld": ("teilweise stattgegeben", "estimada en parte"),
    "paused": ("angehalten", "en pausa"),
    "products": ("Produkte", "productos"),
    "published": ("veröffentlicht", "publicado"),
    "reason": ("Grund", "motivo"),
    "redress": ("Entschädigung", "reparación"),
    "regulatory": ("aufsichtsrechtlich", "regulatorio"),
    "rejected": ("abgelehnt", "rechazada"),
    "resolved": ("gelöst", "resuelto"),
    "revision": ("Fassung", "revisión"),
    "rising": ("steigend", "en aumento"),
    "running": ("läuft", "en curso"),
    "state": ("Status", "estado"),
    "steady": ("gleichbleibend", "estable"),
    "stopped": ("gestoppt", "detenido"),
    "suggested": ("vorgeschlagen", "sugerido"),
    "tags": ("Schlagwörter", "etiquetas"),
    "the customer's preferred channel": (
        "der vom Kunden bevorzugte Kanal",
        "el canal preferido del cliente",
    ),
    "unassigned high priority": ("nicht zugewiesen, hohe Priorität", "sin asignar, prioridad alta"),
    "breached cases": ("verletzte Fälle", "casos incumplidos"),
    "upheld": ("stattgegeben", "estimada"),
    "warned": ("gewarnt", "advertido"),
    "withdrawn": ("zurückgezogen", "retirada"),
    "words in the complaint or notes": (
        "Wörter in Beschwerde oder Notizen",
        "palabras de la reclamación o las notas",
    ),
    # Files on a case (the case page's Attachments section and timeline).
    "File": ("Datei", "Archivo"),
    "Type": ("Art", "Tipo"),
    "Size": ("Größe", "Tamaño"),
    "Added": ("Hinzugefügt", "Añadido"),
    "No files yet.": ("Noch keine Dateien.", "Aún no hay archivos."),
    "Add a file": ("Datei hinzufügen", "Añadir un archivo"),
    "Add file": ("Datei hinzufügen", "Añadir archivo"),
    "File added.": ("Datei hinzugefügt.", "Archivo añadido."),
    "The file is too large to add to a case.": (
        "Die Datei ist zu groß für einen Fall.",
        "El archivo es demasiado grande para añadirlo a un caso.",
    ),
    "Choose a file to add.": ("Bitte eine Datei wählen.", "Elija un archivo para añadir."),
    "Files the customer sent that were not kept": (
        "Vom Kunden gesendete Dateien, die nicht aufbewahrt wurden",
        "Archivos enviados por el cliente que no se guardaron",
    ),
    "File added: {new}": ("Datei hinzugefügt: {new}", "Archivo añadido: {new}"),
    "File not kept: {new}": ("Datei nicht aufbewahrt: {new}", "Archivo no guardado: {new}"),
    "email": ("E-Mail", "correo electrónico"),
    "web form": ("Webformular", "formulario web"),
    "status page": ("Statusseite", "página de estado"),
    "chat": ("Chat", "chat"),
    "social": ("soziale Medien", "redes sociales"),
    "console": ("Konsole", "consola"),
    "api": ("API", "API"),
    # The policy page: a draft's what-if and publishing (services/console/routes/policy.py).
    "Policy": ("Regelwerk", "Política"),
    "In force": ("In Kraft", "En vigor"),
    "published by": ("veröffentlicht von", "publicada por"),
    "Paste or upload a draft, then see what it would have done with the cases received in a "
    "past period before you publish it. Nothing changes until you publish.": (
        "Fügen Sie einen Entwurf ein oder laden Sie ihn hoch und sehen Sie, was er mit den in "
        "einem vergangenen Zeitraum eingegangenen Fällen getan hätte, bevor Sie ihn "
        "veröffentlichen. Bis zur Veröffentlichung ändert sich nichts.",
        "Pegue o suba un borrador y vea qué habría hecho con los casos recibidos en un periodo "
        "pasado antes de publicarlo. Nada cambia hasta que lo publique.",
    ),
    "Draft policy (YAML or JSON)": (
        "Entwurf des Regelwerks (YAML oder JSON)",
        "Borrador de la política (YAML o JSON)",
    ),
    "Or upload the draft": ("Oder den Entwurf hochladen", "O suba el borrador"),
    "Problems in the draft": ("Fehler im Entwurf", "Problemas en el borrador"),
    "Cases received": ("Eingegangene Fälle", "Casos recibidos"),
    "What if": ("Was wäre, wenn", "Qué pasaría si"),
    "Choose What if or Publish.": (
        "Wählen Sie „Was wäre, wenn“ oder „Veröffentlichen“.",
        "Elija «Qué pasaría si» o «Publicar».",
    ),
    "Policy {policy} version {version} published; new complaints follow it.": (
        "Regelwerk {policy} Version {version} veröffentlicht; neue Beschwerden folgen ihm.",
        "Política {policy} versión {version} publicada; las nuevas reclamaciones la siguen.",
    ),
    "Policy {policy} version {version} was already published.": (
        "Regelwerk {policy} Version {version} war bereits veröffentlicht.",
        "La política {policy} versión {version} ya estaba publicada.",
    ),
    "a YAML or JSON file in UTF-8": (
        "eine YAML- oder JSON-Datei in UTF-8",
        "un archivo YAML o JSON en UTF-8",
    ),
    "at most 256,000 characters": ("höchstens 256.000 Zeichen", "como máximo 256.000 caracteres"),
    "{replayed} cases received from {start} to {end} replayed; {differing} would have gone "
    "differently.": (
        "{replayed} vom {start} bis {end} eingegangene Fälle nachgespielt; {differing} wären "
        "anders verlaufen.",
        "{replayed} casos recibidos del {start} al {end} reproducidos; {differing} habrían ido "
        "de otro modo.",
    ),
    "Clocks as of": ("Fristen mit Stand", "Plazos a fecha de"),
    "Clocks: now and under the draft": (
        "Fristen: jetzt und nach dem Entwurf",
        "Plazos: ahora y con el borrador",
    ),
    "Breached now": ("Jetzt verletzt", "Incumplidos ahora"),
    "Breached under the draft": ("Nach dem Entwurf verletzt", "Incumplidos con el borrador"),
    "More breaches": ("Mehr Verletzungen", "Más incumplimientos"),
    "Fewer breaches": ("Weniger Verletzungen", "Menos incumplimientos"),
    "Met now": ("Jetzt eingehalten", "Cumplidos ahora"),
    "Met under the draft": ("Nach dem Entwurf eingehalten", "Cumplidos con el borrador"),
    "Deadlines moved": ("Fristen verschoben", "Plazos movidos"),
    "No cases were received in this period.": (
        "In diesem Zeitraum sind keine Fälle eingegangen.",
        "No se recibieron casos en este periodo.",
    ),
    "Warnings, escalations and letters": (
        "Warnungen, Eskalationen und Schreiben",
        "Avisos, escalados y cartas",
    ),
    "Now": ("Jetzt", "Ahora"),
    "Under the draft": ("Nach dem Entwurf", "Con el borrador"),
    "Warnings": ("Warnungen", "Avisos"),
    "Escalation steps": ("Eskalationsstufen", "Pasos de escalado"),
    "Letters": ("Schreiben", "Cartas"),
    "Routing per team is not compared: policies have no routing rules yet.": (
        "Die Zuweisung je Team wird nicht verglichen: Regelwerke haben noch keine "
        "Zuweisungsregeln.",
        "No se compara el reparto por equipo: las políticas aún no tienen reglas de reparto.",
    ),
    "Cases that would have gone differently": (
        "Fälle, die anders verlaufen wären",
        "Casos que habrían ido de otro modo",
    ),
    "the first {n}": ("die ersten {n}", "los primeros {n}"),
    "deadline": ("Frist", "plazo"),
    "warning": ("Warnung", "aviso"),
    "escalation": ("Eskalation", "escalado"),
    "not started": ("nicht begonnen", "sin iniciar"),
}


def choose(asked: str, accept_language: str) -> str:
    """The language asked for, else the first the browser prefers that we have, else English."""
    if asked in LANGUAGES:
        return asked
    ranked = []
    for part in accept_language.split(","):
        tag, _, weight = part.strip().partition(";q=")
        try:
            q = float(weight) if weight else 1.0
        except ValueError:
            q = 0.0
        ranked.append((q, tag.split("-")[0].lower()))
    for _, tag in sorted(ranked, key=lambda r: -r[0]):
        if tag in LANGUAGES:
            return tag
    return "en"


def translator(language: str) -> Callable[[str], str]:
    column = {"de": 0, "es": 1}.get(language)

    def translate(text: str) -> str:
        if column is None:
            return text
        known = TEXTS.get(text)
        return known[column] if known else text

    return translate
