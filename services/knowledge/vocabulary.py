"""The words of knowledge search: stop words per language, synonyms as banks
and customers say things, and a German and Spanish banking glossary to the
English words articles use. Applied as the index's settings
(services/knowledge/search.py) and to questions before they are searched.
"""

from __future__ import annotations

# Words that carry no meaning for search, per language; Meilisearch ignores
# them in queries (its stop words are one list per index). Customers ask in
# whole sentences ("why has my card not arrived yet?"): the words of a
# question, of courtesy and of time are here too, so that the words that say
# what the question is about decide the ranking.
STOP_WORDS = {
    "en": "a an and are as at be been but by can could did do does doing for from had has "
    "have having how i i'm if in into is it its just me my myself of on or our please "
    "should so some still that the their them then there these they this those to too "
    "was we were what when where which while who whom why will with would yet you your "
    "am any anything got get hi hello thanks thank",
    "de": "der die das den dem des ein eine einen einem einer eines und oder aber ist sind "
    "war bin bist ich mich mir mein meine meinen meinem meiner du dich dir dein deine "
    "wir uns unser sie ihr ihre es wie was wo wer warum wann welche welcher welches "
    "mit von zu zum zur im am an auf aus bei für nach noch schon nicht auch ja nein "
    "kann können könnte hat habe haben hatte wird werden wurde wurden sein bitte hallo "
    "danke so nur denn dass ob",
    "es": "el la lo los las un una unos unas y o u pero es fue ser estar está están "
    "estoy he ha han hay de del al en con por para sin sobre que qué como cómo dónde "
    "donde cuándo cuando cuál quién por qué porque mi mis me yo tu tus te se su sus "
    "nos nuestro este esta esto ese esa todavía aún ya puedo puede pueden hola gracias "
    "favor muy también",
}

ALL_STOP_WORDS = frozenset(w for text in STOP_WORDS.values() for w in text.split())

# The same thing said in other words, as customers and banks say it; keys
# are what a customer types, values what an article may say instead.
SYNONYMS: dict[str, list[str]] = {
    "atm": ["cash machine", "cashpoint"],
    "cash machine": ["atm"],
    "cashpoint": ["atm"],
    "pin": ["passcode"],
    "passcode": ["pin", "password"],
    "password": ["passcode"],
    "transfer": ["remittance", "wire", "funds transfer"],
    "remittance": ["transfer"],
    "wire": ["transfer"],
    "fee": ["charge"],
    "charge": ["fee"],
    "charged": ["fee"],
    "chargeback": ["dispute"],
    "dispute": ["chargeback"],
    "stolen": ["lost"],
    "lost": ["stolen"],
    "mortgage": ["home loan"],
    "home loan": ["mortgage"],
    "overdraft": ["overdrawn"],
    "debit card": ["bank card"],
    "top up": ["deposit", "add money"],
    "topup": ["deposit"],
    "top-up": ["deposit"],
    "refund": ["reversal"],
    "payee": ["beneficiary"],
    "recipient": ["beneficiary"],
    "verify": ["verification"],
    "identity": ["kyc"],
    "id": ["identity"],
    "mobile": ["phone"],
    "cellphone": ["phone"],
    "close": ["terminate"],
    "cancel": ["stop"],
}

# German and Spanish words customers use, with the English words a bank's
# articles use for them: a question in German or Spanish also matches, by
# keyword, the English article that answers it (the embedding model finds it
# by meaning too). A glossary of banking terms, not of particular questions.
GLOSSARY: dict[str, list[str]] = {
    # German
    "karte": ["card"],
    "bankkarte": ["card", "debit card"],
    "kreditkarte": ["credit card"],
    "debitkarte": ["debit card"],
    "girokarte": ["debit card"],
    "überweisung": ["transfer"],
    "überweisen": ["transfer"],
    "geld": ["money", "funds"],
    "konto": ["account"],
    "kontostand": ["balance"],
    "gebühr": ["fee", "charge"],
    "gebühren": ["fees", "charges"],
    "kredit": ["loan", "credit"],
    "darlehen": ["loan"],
    "hypothek": ["mortgage"],
    "versicherung": ["insurance"],
    "geheimzahl": ["pin"],
    "aktivieren": ["activate"],
    "gestohlen": ["stolen"],
    "verloren": ["lost"],
    "zahlung": ["payment"],
    "bargeld": ["cash"],
    "geldautomat": ["atm"],
    "rückerstattung": ["refund"],
    "identität": ["identity"],
    "verifizieren": ["verify"],
    "bestätigen": ["verify", "confirm"],
    "passwort": ["password"],
    "kennwort": ["password"],
    "telefon": ["phone"],
    "abhebung": ["withdrawal"],
    "abheben": ["withdraw"],
    "einzahlung": ["deposit"],
    "aufladen": ["top up"],
    "adresse": ["address"],
    "wechselkurs": ["exchange rate"],
    "währung": ["currency"],
    "zinsen": ["interest"],
    "sperren": ["block"],
    "gesperrt": ["blocked"],
    "kündigen": ["close account"],
    "empfänger": ["beneficiary", "recipient"],
    "abgelaufen": ["expired"],
    "ablaufen": ["expire"],
    "anlage": ["investment"],
    "fonds": ["funds"],
    "betrug": ["fraud"],
    "lieferung": ["delivery"],
    "abgelehnt": ["declined"],
    "ausstehend": ["pending"],
    "stornieren": ["cancel"],
    "zurücksetzen": ["reset"],
    "vergessen": ["forgotten"],
    "ausweis": ["identity", "id"],
    "kontaktlos": ["contactless"],
    "gehalt": ["salary"],
    "kontoauszug": ["statement"],
    "umsatz": ["transaction"],
    "umsätze": ["transactions"],
    "transaktion": ["transaction"],
    "ersatzkarte": ["replacement card"],
    "zugestellt": ["delivered"],
    "eröffnen": ["open"],
    "einlösen": ["redeem"],
    "prämie": ["premium"],
    "schaden": ["claim"],
    # Spanish
    "tarjeta": ["card"],
    "transferencia": ["transfer"],
    "transferir": ["transfer"],
    "dinero": ["money", "funds"],
    "cuenta": ["account"],
    "saldo": ["balance"],
    "comisión": ["fee", "charge"],
    "comisiones": ["fees", "charges"],
    "préstamo": ["loan"],
    "crédito": ["credit", "loan"],
    "hipoteca": ["mortgage"],
    "póliza": ["policy"],
    "activar": ["activate"],
    "robada": ["stolen"],
    "robado": ["stolen"],
    "perdida": ["lost"],
    "perdido": ["lost"],
    "pago": ["payment"],
    "efectivo": ["cash"],
    "cajero": ["atm"],
    "reembolso": ["refund"],
    "identidad": ["identity"],
    "verificar": ["verify"],
    "contraseña": ["password"],
    "teléfono": ["phone"],
    "móvil": ["mobile", "phone"],
    "retirar": ["withdraw"],
    "retiro": ["withdrawal"],
    "depósito": ["deposit"],
    "ingreso": ["deposit"],
    "recargar": ["top up"],
    "dirección": ["address"],
    "moneda": ["currency"],
    "divisa": ["currency"],
    "intereses": ["interest"],
    "bloquear": ["block"],
    "bloqueada": ["blocked"],
    "bloqueado": ["blocked"],
    "cancelar": ["cancel"],
    "beneficiario": ["beneficiary"],
    "destinatario": ["recipient", "beneficiary"],
    "caducada": ["expired"],
    "vencida": ["expired"],
    "inversión": ["investment"],
    "fondos": ["funds"],
    "fraude": ["fraud"],
    "envío": ["delivery"],
    "rechazado": ["declined"],
    "rechazada": ["declined"],
    "pendiente": ["pending"],
    "restablecer": ["reset"],
    "olvidado": ["forgotten"],
    "nómina": ["salary"],
    "sueldo": ["salary"],
    "extracto": ["statement"],
    "movimiento": ["transaction"],
    "movimientos": ["transactions"],
    "operación": ["transaction"],
    "congelar": ["block", "freeze"],
    "entrega": ["delivery"],
    "abrir": ["open"],
    "prima": ["premium"],
    "siniestro": ["claim"],
    "cuota": ["instalment", "emi"],
}
