"""What the customer reads, in English, German and Spanish.

As in the staff console, the English text is the key and a German and a
Spanish translation stand beside it (tests check that every text the pages
use has both). Stages and deadlines are never shown by their internal names:
each has a customer's wording here, and a stage a firm's own policy adds is
described by what kind of stage it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}

# English: (German, Spanish)
TEXTS: dict[str, tuple[str, str]] = {
    # Page furniture
    "Complaints": ("Beschwerden", "Reclamaciones"),
    "Skip to main content": ("Zum Hauptinhalt springen", "Ir al contenido principal"),
    "Language": ("Sprache", "Idioma"),
    "Make a complaint": ("Beschwerde einreichen", "Presentar una reclamación"),
    "Tell us what went wrong and what you would like us to do. We will reply in writing.": (
        "Schildern Sie uns, was schiefgelaufen ist und was Sie sich von uns wünschen. Wir "
        "antworten Ihnen schriftlich.",
        "Cuéntenos qué ha ido mal y qué desea que hagamos. Le responderemos por escrito.",
    ),
    "Fields marked (required) must be filled in.": (
        "Felder mit (Pflichtfeld) müssen ausgefüllt werden.",
        "Los campos marcados con (obligatorio) deben completarse.",
    ),
    "(required)": ("(Pflichtfeld)", "(obligatorio)"),
    "(optional)": ("(optional)", "(opcional)"),
    # The form
    "Your complaint": ("Ihre Beschwerde", "Su reclamación"),
    "What happened?": ("Was ist passiert?", "¿Qué ha ocurrido?"),
    "In your own words: what happened, when, and how it affected you.": (
        "In Ihren eigenen Worten: was passiert ist, wann, und wie es Sie betroffen hat.",
        "Con sus propias palabras: qué ocurrió, cuándo y cómo le afectó.",
    ),
    "What would you like us to do?": (
        "Was sollen wir für Sie tun?",
        "¿Qué desea que hagamos?",
    ),
    "For example: refund a fee, correct your records, an apology.": (
        "Zum Beispiel: eine Gebühr erstatten, Ihre Daten berichtigen, eine Entschuldigung.",
        "Por ejemplo: devolver una comisión, corregir sus datos, una disculpa.",
    ),
    "Which product is it about?": (
        "Um welches Produkt geht es?",
        "¿De qué producto se trata?",
    ),
    "Something else, or I am not sure": (
        "Etwas anderes, oder ich bin nicht sicher",
        "Otro, o no estoy seguro/a",
    ),
    "Where do you live?": ("Wo wohnen Sie?", "¿Dónde vive?"),
    "This tells us which complaint rules and deadlines apply to you.": (
        "Daraus ergibt sich, welche Beschwerderegeln und Fristen für Sie gelten.",
        "Así sabemos qué normas y plazos de reclamación se le aplican.",
    ),
    "I would rather not say": ("Keine Angabe", "Prefiero no decirlo"),
    "United Kingdom": ("Vereinigtes Königreich", "Reino Unido"),
    "European Union": ("Europäische Union", "Unión Europea"),
    "United States": ("Vereinigte Staaten", "Estados Unidos"),
    "Australia": ("Australien", "Australia"),
    "Your details": ("Ihre Angaben", "Sus datos"),
    "Full name": ("Vollständiger Name", "Nombre completo"),
    "Email address": ("E-Mail-Adresse", "Correo electrónico"),
    "Phone number": ("Telefonnummer", "Número de teléfono"),
    "Postal address": ("Postanschrift", "Dirección postal"),
    "Street and house number, one line each": (
        "Straße und Hausnummer, je Zeile eine Angabe",
        "Calle y número, una línea por dato",
    ),
    "Postcode": ("Postleitzahl", "Código postal"),
    "Town or city": ("Ort", "Localidad"),
    "Give at least one way to reach you: email, phone or postal address.": (
        "Geben Sie mindestens einen Weg an, Sie zu erreichen: E-Mail, Telefon oder Postanschrift.",
        "Indique al menos una forma de contactarle: correo electrónico, teléfono o dirección "
        "postal.",
    ),
    "How can we reach you?": ("Wie erreichen wir Sie?", "¿Cómo podemos contactarle?"),
    "Please choose your documents again.": (
        "Bitte wählen Sie Ihre Unterlagen erneut aus.",
        "Vuelva a elegir sus documentos.",
    ),
    "How should we contact you?": (
        "Wie sollen wir Sie kontaktieren?",
        "¿Cómo prefiere que le contactemos?",
    ),
    "By email": ("Per E-Mail", "Por correo electrónico"),
    "By post": ("Per Post", "Por correo postal"),
    "By phone": ("Per Telefon", "Por teléfono"),
    "Is there anything about your circumstances we should know?": (
        "Gibt es etwas zu Ihrer Situation, das wir wissen sollten?",
        "¿Hay algo sobre su situación que debamos saber?",
    ),
    "For example a health condition, a bereavement, or if you need letters in large print. "
    "We use this only to help you.": (
        "Zum Beispiel eine Erkrankung, ein Trauerfall, oder ob Sie Briefe in großer Schrift "
        "brauchen. Wir nutzen dies nur, um Ihnen zu helfen.",
        "Por ejemplo, un problema de salud, un fallecimiento o si necesita cartas en letra "
        "grande. Solo lo usaremos para ayudarle.",
    ),
    "Documents": ("Unterlagen", "Documentos"),
    "Add documents": ("Unterlagen hinzufügen", "Añadir documentos"),
    "Statements, letters, photos or screenshots; up to {n} files of at most {mb} MB each.": (
        "Kontoauszüge, Briefe, Fotos oder Bildschirmfotos; bis zu {n} Dateien mit je höchstens "
        "{mb} MB.",
        "Extractos, cartas, fotos o capturas de pantalla; hasta {n} archivos de {mb} MB como "
        "máximo cada uno.",
    ),
    "Leave this field empty": ("Dieses Feld leer lassen", "Deje este campo vacío"),
    "Send complaint": ("Beschwerde senden", "Enviar reclamación"),
    # Errors
    "There is a problem": ("Es gibt ein Problem", "Hay un problema"),
    "Please correct the following and send the form again.": (
        "Bitte korrigieren Sie Folgendes und senden Sie das Formular erneut.",
        "Corrija lo siguiente y vuelva a enviar el formulario.",
    ),
    "Error:": ("Fehler:", "Error:"),
    "Tell us what happened.": ("Schildern Sie, was passiert ist.", "Cuéntenos qué ha ocurrido."),
    "Enter your full name.": (
        "Geben Sie Ihren vollständigen Namen ein.",
        "Escriba su nombre completo.",
    ),
    "Enter an email address like name@example.com.": (
        "Geben Sie eine E-Mail-Adresse wie name@example.com ein.",
        "Escriba un correo electrónico como nombre@ejemplo.com.",
    ),
    "Enter a phone number using digits, with + and spaces if you like.": (
        "Geben Sie eine Telefonnummer aus Ziffern ein, gern mit + und Leerzeichen.",
        "Escriba un número de teléfono con cifras; puede usar + y espacios.",
    ),
    "Give an email address, a phone number or a postal address.": (
        "Geben Sie eine E-Mail-Adresse, eine Telefonnummer oder eine Postanschrift an.",
        "Indique un correo electrónico, un número de teléfono o una dirección postal.",
    ),
    "To be contacted by email, give your email address.": (
        "Für Kontakt per E-Mail geben Sie bitte Ihre E-Mail-Adresse an.",
        "Para que le contactemos por correo electrónico, indique su dirección.",
    ),
    "To be contacted by phone, give your phone number.": (
        "Für Kontakt per Telefon geben Sie bitte Ihre Telefonnummer an.",
        "Para que le llamemos, indique su número de teléfono.",
    ),
    "To be contacted by post, give your postal address and postcode.": (
        "Für Kontakt per Post geben Sie bitte Ihre Anschrift mit Postleitzahl an.",
        "Para recibir correo postal, indique su dirección y código postal.",
    ),
    "This is too long: at most {n} characters.": (
        "Das ist zu lang: höchstens {n} Zeichen.",
        "Es demasiado largo: como máximo {n} caracteres.",
    ),
    "Please use plain text.": ("Bitte verwenden Sie einfachen Text.", "Use texto sin formato."),
    "At most {n} files.": ("Höchstens {n} Dateien.", "Como máximo {n} archivos."),
    "{name} is larger than {mb} MB.": (
        "{name} ist größer als {mb} MB.",
        "{name} ocupa más de {mb} MB.",
    ),
    "{name} is empty.": ("{name} ist leer.", "{name} está vacío."),
    "Please check this answer.": (
        "Bitte prüfen Sie diese Angabe.",
        "Revise esta respuesta.",
    ),
    "We could not accept this form as sent.": (
        "Wir konnten das Formular so nicht annehmen.",
        "No hemos podido aceptar el formulario tal como se envió.",
    ),
    # Filed
    "Your complaint has been received": (
        "Ihre Beschwerde ist eingegangen",
        "Hemos recibido su reclamación",
    ),
    "Your reference": ("Ihr Aktenzeichen", "Su referencia"),
    "Please quote this reference whenever you contact us.": (
        "Bitte geben Sie dieses Aktenzeichen bei jeder Nachricht an uns an.",
        "Indique esta referencia siempre que se ponga en contacto con nosotros.",
    ),
    "What happens next": ("Wie es weitergeht", "Próximos pasos"),
    "We will send you a letter confirming that we have your complaint.": (
        "Wir senden Ihnen ein Schreiben, das den Eingang Ihrer Beschwerde bestätigt.",
        "Le enviaremos una carta confirmando que hemos recibido su reclamación.",
    ),
    "The deadlines that apply to your complaint": (
        "Die Fristen, die für Ihre Beschwerde gelten",
        "Los plazos que se aplican a su reclamación",
    ),
    "We will reply to you as soon as we can.": (
        "Wir antworten Ihnen so bald wie möglich.",
        "Le responderemos lo antes posible.",
    ),
    "Follow your complaint": ("Ihre Beschwerde verfolgen", "Seguir su reclamación"),
    "On your complaint's page you can see how it is going, reply to us and send documents. "
    "Keep the link private.": (
        "Auf der Seite Ihrer Beschwerde sehen Sie den Stand, können uns antworten und "
        "Unterlagen senden. Geben Sie den Link nicht weiter.",
        "En la página de su reclamación puede ver cómo avanza, respondernos y enviar "
        "documentos. No comparta el enlace.",
    ),
    "Open your complaint's page": (
        "Seite Ihrer Beschwerde öffnen",
        "Abrir la página de su reclamación",
    ),
    "This form had already been sent; this is the complaint it made.": (
        "Dieses Formular war bereits gesendet worden; dies ist die Beschwerde, die daraus "
        "entstand.",
        "Este formulario ya se había enviado; esta es la reclamación que se registró.",
    ),
    "Documents received: {n}.": ("Erhaltene Unterlagen: {n}.", "Documentos recibidos: {n}."),
    "We could not add your documents just now. Your complaint is safe: please add them "
    "from your complaint's page.": (
        "Wir konnten Ihre Unterlagen gerade nicht hinzufügen. Ihre Beschwerde ist gespeichert: "
        "Bitte fügen Sie sie auf der Seite Ihrer Beschwerde hinzu.",
        "No hemos podido añadir sus documentos ahora. Su reclamación está registrada: añádalos "
        "desde la página de su reclamación.",
    ),
    "Thank you": ("Vielen Dank", "Gracias"),
    "We have received your message.": (
        "Wir haben Ihre Nachricht erhalten.",
        "Hemos recibido su mensaje.",
    ),
    "This form was already sent and made the complaint {case_id}. To make another "
    "complaint, start a new form.": (
        "Dieses Formular wurde bereits gesendet und hat die Beschwerde {case_id} angelegt. Für "
        "eine weitere Beschwerde beginnen Sie ein neues Formular.",
        "Este formulario ya se envió y registró la reclamación {case_id}. Para presentar otra "
        "reclamación, empiece un formulario nuevo.",
    ),
    "Start a new form": ("Neues Formular beginnen", "Empezar un formulario nuevo"),
    # Self-service answers
    "This may answer your question": (
        "Das beantwortet vielleicht Ihre Frage",
        "Esto puede responder a su pregunta",
    ),
    "Search our answers": ("Unsere Antworten durchsuchen", "Buscar en nuestras respuestas"),
    "Answers are found from what you wrote under What happened.": (
        "Antworten werden anhand dessen gesucht, was Sie unter „Was ist passiert?“ geschrieben "
        "haben.",
        "Las respuestas se buscan a partir de lo que escribió en «¿Qué ha ocurrido?».",
    ),
    "No answers found. Please go on with your complaint.": (
        "Keine Antworten gefunden. Bitte fahren Sie mit Ihrer Beschwerde fort.",
        "No se han encontrado respuestas. Continúe con su reclamación.",
    ),
    "Read the answer": ("Antwort lesen", "Leer la respuesta"),
    "This answered my question": (
        "Das hat meine Frage beantwortet",
        "Esto ha respondido a mi pregunta",
    ),
    "No, file my complaint": (
        "Nein, Beschwerde einreichen",
        "No, presentar mi reclamación",
    ),
    "Glad we could help": ("Schön, dass wir helfen konnten", "Nos alegra haberle ayudado"),
    "Nothing has been filed. If you still want to complain, you can start again at any time.": (
        "Es wurde nichts eingereicht. Wenn Sie sich dennoch beschweren möchten, können Sie "
        "jederzeit neu beginnen.",
        "No se ha presentado nada. Si aún desea reclamar, puede empezar de nuevo en cualquier "
        "momento.",
    ),
    "Thank you. Please go on with your complaint below.": (
        "Danke. Bitte fahren Sie unten mit Ihrer Beschwerde fort.",
        "Gracias. Continúe con su reclamación a continuación.",
    ),
    "Back to the complaint form": ("Zurück zum Beschwerdeformular", "Volver al formulario"),
    "Answer": ("Antwort", "Respuesta"),
    "This answer is not available.": (
        "Diese Antwort ist nicht verfügbar.",
        "Esta respuesta no está disponible.",
    ),
    "Answers that may help": ("Antworten, die helfen könnten", "Respuestas que pueden ayudarle"),
    # Status page
    "Your complaint {case_id}": ("Ihre Beschwerde {case_id}", "Su reclamación {case_id}"),
    "Where your complaint is": ("Stand Ihrer Beschwerde", "Estado de su reclamación"),
    "Received on": ("Eingegangen am", "Recibida el"),
    "Next deadline": ("Nächste Frist", "Próximo plazo"),
    "Letters we have sent you": (
        "Schreiben, die wir Ihnen gesendet haben",
        "Cartas que le hemos enviado",
    ),
    "We have not sent you any letters yet.": (
        "Wir haben Ihnen noch keine Schreiben gesendet.",
        "Todavía no le hemos enviado ninguna carta.",
    ),
    "Sent on": ("Gesendet am", "Enviada el"),
    "Reply to us": ("Uns antworten", "Respondernos"),
    "Your message": ("Ihre Nachricht", "Su mensaje"),
    "We already have your answer": (
        "Ihre Antwort liegt uns bereits vor",
        "Ya tenemos su respuesta",
    ),
    "Thank you: you told us how we handled this complaint already.": (
        "Danke: Sie haben uns bereits gesagt, wie wir diese Beschwerde bearbeitet haben.",
        "Gracias: ya nos dijo cómo gestionamos esta reclamación.",
    ),
    "Choose a number from 1 to 5.": (
        "Wählen Sie eine Zahl von 1 bis 5.",
        "Elija un número del 1 al 5.",
    ),
    "Thank you for your answer": ("Danke für Ihre Antwort", "Gracias por su respuesta"),
    "It helps us put right what caused your complaint for other customers too.": (
        "Sie hilft uns, die Ursache Ihrer Beschwerde auch für andere zu beheben.",
        "Nos ayuda a corregir la causa de su reclamación también para otros clientes.",
    ),
    "How did we handle your complaint {case_id}?": (
        "Wie zufrieden waren Sie mit der Bearbeitung Ihrer Beschwerde {case_id}?",
        "¿Cómo gestionamos su reclamación {case_id}?",
    ),
    "On a scale of 1 (very dissatisfied) to 5 (very satisfied), how satisfied are you with "
    "the way we dealt with your complaint?": (
        "Wie zufrieden sind Sie auf einer Skala von 1 (sehr unzufrieden) bis 5 (sehr "
        "zufrieden) mit der Bearbeitung Ihrer Beschwerde?",
        "En una escala de 1 (muy insatisfecho/a) a 5 (muy satisfecho/a), ¿qué grado de "
        "satisfacción tiene con la forma en que tratamos su reclamación?",
    ),
    "Anything you would like to add (optional)": (
        "Möchten Sie etwas ergänzen? (freiwillig)",
        "¿Algo que quiera añadir? (opcional)",
    ),
    "Send my answer": ("Antwort senden", "Enviar mi respuesta"),
    "How did we do?": ("Wie haben wir es gemacht?", "¿Qué tal lo hicimos?"),
    "Thank you: you rated the way we handled your complaint {score} out of 5.": (
        "Danke: Sie haben die Bearbeitung Ihrer Beschwerde mit {score} von 5 bewertet.",
        "Gracias: valoró la gestión de su reclamación con {score} de 5.",
    ),
    "Send message": ("Nachricht senden", "Enviar mensaje"),
    "Write your message.": ("Schreiben Sie Ihre Nachricht.", "Escriba su mensaje."),
    "Your message has been sent to the complaints team.": (
        "Ihre Nachricht wurde an das Beschwerdeteam gesendet.",
        "Su mensaje se ha enviado al equipo de reclamaciones.",
    ),
    "We could not add your message to this complaint. Please contact us: {contact}": (
        "Wir konnten Ihre Nachricht dieser Beschwerde nicht hinzufügen. Bitte kontaktieren Sie "
        "uns: {contact}",
        "No hemos podido añadir su mensaje a esta reclamación. Contáctenos: {contact}",
    ),
    "Send documents": ("Unterlagen senden", "Enviar documentos"),
    "Choose at least one file.": (
        "Wählen Sie mindestens eine Datei aus.",
        "Elija al menos un archivo.",
    ),
    "We could not add your documents: {reason}": (
        "Wir konnten Ihre Unterlagen nicht hinzufügen: {reason}",
        "No hemos podido añadir sus documentos: {reason}",
    ),
    "Adding documents is not available right now; please try again later.": (
        "Das Hinzufügen von Unterlagen ist gerade nicht möglich; bitte versuchen Sie es später "
        "erneut.",
        "Ahora no es posible añadir documentos; inténtelo más tarde.",
    ),
    "This link has expired": ("Dieser Link ist abgelaufen", "Este enlace ha caducado"),
    "For your security, links to your complaint work for a limited time. Your complaint "
    "is not affected. Contact us and quote your reference to get a new link.": (
        "Zu Ihrer Sicherheit gelten Links zu Ihrer Beschwerde nur begrenzte Zeit. Ihre "
        "Beschwerde ist davon nicht betroffen. Kontaktieren Sie uns unter Angabe Ihres "
        "Aktenzeichens, um einen neuen Link zu erhalten.",
        "Por su seguridad, los enlaces a su reclamación funcionan durante un tiempo limitado. "
        "Su reclamación no se ve afectada. Contáctenos indicando su referencia para recibir "
        "un enlace nuevo.",
    ),
    "This link is not valid": ("Dieser Link ist ungültig", "Este enlace no es válido"),
    "Please check that you copied the whole link from your letter, or contact us.": (
        "Bitte prüfen Sie, ob Sie den ganzen Link aus Ihrem Schreiben kopiert haben, oder "
        "kontaktieren Sie uns.",
        "Compruebe que ha copiado el enlace completo de su carta o contáctenos.",
    ),
    "Contact us: {contact}": ("Kontakt: {contact}", "Contacto: {contact}"),
    # Errors and limits
    "Too many requests": ("Zu viele Anfragen", "Demasiadas solicitudes"),
    "We have received many forms from your connection in a short time. Please wait a few "
    "minutes and try again.": (
        "Wir haben in kurzer Zeit viele Formulare von Ihrer Verbindung erhalten. Bitte warten "
        "Sie einige Minuten und versuchen Sie es erneut.",
        "Hemos recibido muchos formularios desde su conexión en poco tiempo. Espere unos "
        "minutos y vuelva a intentarlo.",
    ),
    "This form has expired": ("Dieses Formular ist abgelaufen", "Este formulario ha caducado"),
    "For your security, the form must be sent from this site within a few hours of opening "
    "it. Nothing was sent. Please go back, reload the page and send it again.": (
        "Zu Ihrer Sicherheit muss das Formular innerhalb weniger Stunden nach dem Öffnen von "
        "dieser Website gesendet werden. Es wurde nichts gesendet. Bitte gehen Sie zurück, "
        "laden Sie die Seite neu und senden Sie es erneut.",
        "Por su seguridad, el formulario debe enviarse desde este sitio pocas horas después "
        "de abrirlo. No se ha enviado nada. Vuelva atrás, recargue la página y envíelo de nuevo.",
    ),
    "Sorry, something went wrong": (
        "Entschuldigung, etwas ist schiefgelaufen",
        "Lo sentimos, algo ha fallado",
    ),
    "Nothing was lost. Please try again in a few minutes.": (
        "Es ging nichts verloren. Bitte versuchen Sie es in einigen Minuten erneut.",
        "No se ha perdido nada. Vuelva a intentarlo en unos minutos.",
    ),
    "Page not found": ("Seite nicht gefunden", "Página no encontrada"),
}

# Products the form lists when the deployment names none (REDRESS_WEBFORM_PRODUCTS):
# the value sent to intake (as the policy's classification rules name them),
# and its label in German and Spanish.
PRODUCT_LABELS: dict[str, tuple[str, str]] = {
    "Current account": ("Girokonto", "Cuenta corriente"),
    "Savings account": ("Sparkonto", "Cuenta de ahorro"),
    "Credit card": ("Kreditkarte", "Tarjeta de crédito"),
    "Debit card": ("Debitkarte", "Tarjeta de débito"),
    "Mortgage": ("Hypothek", "Hipoteca"),
    "Personal loan": ("Privatkredit", "Préstamo personal"),
    "Money transfer": ("Überweisung", "Transferencia"),
    "Insurance": ("Versicherung", "Seguro"),
}

# The stages of the shipped policy in the customer's words; tests check that
# every stage of the shipped policy has one in each language.
STAGES: dict[str, tuple[str, str, str]] = {
    "received": (
        "We have received your complaint.",
        "Wir haben Ihre Beschwerde erhalten.",
        "Hemos recibido su reclamación.",
    ),
    "acknowledged": (
        "We have received your complaint and will look into it.",
        "Wir haben Ihre Beschwerde erhalten und werden sie prüfen.",
        "Hemos recibido su reclamación y la vamos a examinar.",
    ),
    "triage": (
        "Your complaint is being passed to the right team.",
        "Ihre Beschwerde wird an das zuständige Team weitergeleitet.",
        "Su reclamación se está enviando al equipo adecuado.",
    ),
    "assigned": (
        "A member of our complaints team will look into your complaint.",
        "Ein Mitarbeiter unseres Beschwerdeteams wird Ihre Beschwerde prüfen.",
        "Una persona de nuestro equipo de reclamaciones examinará su reclamación.",
    ),
    "investigating": (
        "We are looking into your complaint.",
        "Wir prüfen Ihre Beschwerde.",
        "Estamos examinando su reclamación.",
    ),
    "awaiting_customer": (
        "We are waiting for information from you. Please reply below or to our last letter.",
        "Wir warten auf Angaben von Ihnen. Bitte antworten Sie unten oder auf unser letztes "
        "Schreiben.",
        "Estamos esperando información de su parte. Responda a continuación o a nuestra "
        "última carta.",
    ),
    "awaiting_third_party": (
        "We are waiting for information from another organisation.",
        "Wir warten auf Angaben einer anderen Stelle.",
        "Estamos esperando información de otra entidad.",
    ),
    "resolved": (
        "We have sent you our final response.",
        "Wir haben Ihnen unsere abschließende Antwort gesendet.",
        "Le hemos enviado nuestra respuesta final.",
    ),
    "closed": (
        "Your complaint is closed.",
        "Ihre Beschwerde ist abgeschlossen.",
        "Su reclamación está cerrada.",
    ),
}
# A stage a firm's own policy adds, by what kind of stage it is.
STAGE_KINDS: dict[str, tuple[str, str, str]] = {
    "open": (
        "We are working on your complaint.",
        "Wir bearbeiten Ihre Beschwerde.",
        "Estamos tramitando su reclamación.",
    ),
    "resolved": STAGES["resolved"],
    "closed": STAGES["closed"],
}

# Regulatory deadlines (redress/domain/regulatory.py) in the customer's words.
DEADLINES: dict[str, tuple[str, str, str]] = {
    "fca_summary_resolution": (
        "If we can settle your complaint quickly, we will tell you by",
        "Wenn wir Ihre Beschwerde rasch klären können, teilen wir Ihnen dies mit bis zum",
        "Si podemos resolver su reclamación rápidamente, se lo comunicaremos a más tardar el",
    ),
    "fca_final_response": (
        "Our final response, or a letter explaining why we need more time, by",
        "Unsere abschließende Antwort, oder ein Schreiben, warum wir mehr Zeit brauchen, bis zum",
        "Nuestra respuesta final, o una carta explicando por qué necesitamos más tiempo, a más "
        "tardar el",
    ),
    "psd2_response": (
        "Our reply by",
        "Unsere Antwort bis zum",
        "Nuestra respuesta a más tardar el",
    ),
    "psd2_exceptional_response": (
        "In exceptional cases, our final reply by",
        "In Ausnahmefällen unsere abschließende Antwort bis zum",
        "En casos excepcionales, nuestra respuesta final a más tardar el",
    ),
    "cfpb_response": (
        "Our response by",
        "Unsere Antwort bis zum",
        "Nuestra respuesta a más tardar el",
    ),
    "cfpb_final_response": (
        "If our first response is not final, our final response by",
        "Falls unsere erste Antwort nicht abschließend ist, unsere abschließende Antwort bis zum",
        "Si nuestra primera respuesta no es definitiva, nuestra respuesta final a más tardar el",
    ),
    "asic_idr_response": (
        "Our response by",
        "Unsere Antwort bis zum",
        "Nuestra respuesta a más tardar el",
    ),
}
DEADLINE_OTHER = ("A reply from us by", "Eine Antwort von uns bis zum", "Una respuesta nuestra el")

# Deadlines are written in the regime's home time zone, as the letters write them.
ZONES = {
    "uk_fca": "Europe/London",
    "eu_psd2": "Europe/Berlin",
    "us_cfpb": "America/New_York",
    "au_asic": "Australia/Sydney",
}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre "
    "noviembre diciembre",
}
COLUMN = {"en": 0, "de": 1, "es": 2}


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
        ranked.append((q, tag.split("-")[0].strip().lower()))
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


def product_label(product: str, language: str) -> str:
    known = PRODUCT_LABELS.get(product)
    column = {"de": 0, "es": 1}.get(language)
    return known[column] if known and column is not None else product


def stage_words(stage: str, language: str, *, resolved: bool = False, closed: bool = False) -> str:
    """A stage in the customer's words; never its internal name."""
    words = (
        STAGES.get(stage) or STAGE_KINDS["closed" if closed else "resolved" if resolved else "open"]
    )
    return words[COLUMN.get(language, 0)]


def deadline_words(clock: str, language: str) -> str:
    return DEADLINES.get(clock, DEADLINE_OTHER)[COLUMN.get(language, 0)]


def written_deadline(at: datetime, regime: str, language: str) -> str:
    """A deadline as the customer reads it, in the regime's home time zone: a
    deadline that ends at local midnight is the end of the day before."""
    zone = ZONES.get(regime, "UTC")
    local = at.astimezone(ZoneInfo(zone))
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        local -= timedelta(microseconds=1)
        clock = "23:59"
    else:
        clock = local.strftime("%H:%M")
    return f"{written_day(local, language)}, {clock} ({zone})"


def written_day(at: datetime, language: str) -> str:
    months = MONTHS.get(language, MONTHS["en"]).split()
    month = months[at.month - 1]
    if language == "de":
        return f"{at.day}. {month} {at.year}"
    if language == "es":
        return f"{at.day} de {month} de {at.year}"
    return f"{at.day} {month} {at.year}"
