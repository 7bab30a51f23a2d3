"""The offline writer's phrases, per language and tone. Placeholders are filled only with the
product's own data; no phrase names a colour, material, size or number of its own."""

from __future__ import annotations

from tools.content.models import Tone

# Opening sentence by tone: {title} is the product's name, {kind} its category.
INTRO: dict[str, dict[Tone, str]] = {
    "en": {
        "neutral": "{title} is a {kind} from our shop.",
        "playful": "Say hello to {title}, the {kind} that makes every day a little brighter!",
        "elegant": "{title} brings a refined touch to any home, a {kind} chosen with care.",
        "practical": "{title} is a {kind} that does its job, day in and day out.",
    },
    "de": {
        "neutral": "{title} ist ein Artikel aus unserem Sortiment.",
        "playful": "Hallo, {title}! Dieser Artikel macht jeden Tag ein bisschen fröhlicher!",
        "elegant": "{title} verleiht jedem Zuhause eine edle Note.",
        "practical": "{title} ist ein Artikel, der jeden Tag seinen Dienst tut.",
    },
    "fr": {
        "neutral": "{title} est un article de notre boutique.",
        "playful": "Voici {title}, l'article qui rend chaque jour un peu plus joyeux !",
        "elegant": "{title} apporte une touche raffinée à chaque intérieur.",
        "practical": "{title} est un article pratique, jour après jour.",
    },
    "es": {
        "neutral": "{title} es un artículo de nuestra tienda.",
        "playful": "¡Te presentamos {title}, el artículo que alegra cada día!",
        "elegant": "{title} aporta un toque refinado a cualquier hogar.",
        "practical": "{title} es un artículo práctico para el día a día.",
    },
    "it": {
        "neutral": "{title} è un articolo del nostro negozio.",
        "playful": "Ecco {title}, l'articolo che rende ogni giorno più allegro!",
        "elegant": "{title} porta un tocco raffinato in ogni casa.",
        "practical": "{title} è un articolo pratico per tutti i giorni.",
    },
}

# Closing sentence by tone (a call to action, no claim about the product).
CLOSING: dict[str, dict[Tone, str]] = {
    "en": {
        "neutral": "Add it to your basket today.",
        "playful": "Go on, treat yourself and pop it in your basket!",
        "elegant": "Make it yours today.",
        "practical": "Order it today and put it to work.",
    },
    "de": {
        "neutral": "Legen Sie den Artikel noch heute in Ihren Warenkorb.",
        "playful": "Los geht's, gönnen Sie sich etwas und ab in den Warenkorb!",
        "elegant": "Machen Sie ihn noch heute zu Ihrem.",
        "practical": "Bestellen Sie ihn noch heute.",
    },
    "fr": {
        "neutral": "Ajoutez-le à votre panier dès aujourd'hui.",
        "playful": "Allez, faites-vous plaisir et mettez-le dans votre panier !",
        "elegant": "Offrez-le-vous dès aujourd'hui.",
        "practical": "Commandez-le dès aujourd'hui.",
    },
    "es": {
        "neutral": "Añádelo hoy a tu cesta.",
        "playful": "¡Date un capricho y añádelo a tu cesta!",
        "elegant": "Hazlo tuyo hoy mismo.",
        "practical": "Pídelo hoy mismo.",
    },
    "it": {
        "neutral": "Aggiungilo al carrello oggi stesso.",
        "playful": "Dai, concediti un regalo e mettilo nel carrello!",
        "elegant": "Fallo tuo oggi stesso.",
        "practical": "Ordinalo oggi stesso.",
    },
}

# Field labels and fixed sentences, with placeholders.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "kind": "Type: {value}",
        "colour": "Colour: {value}",
        "material": "Material: {value}",
        "size": "Size: {value}",
        "other": "{name}: {value}",
        "option": "Options ({name}): {value}",
        "price": "Price: {price}",
        "sold": "Sold {units} times since {year}",
        "sold_sentence": "Shoppers have bought it {units} times since {year}.",
        "features": "It comes with these details: {value}.",
        "keywords": "A good match if you are looking for {value}.",
        "meta": "{title}: {kind}. {price}. {closing}",
        "and": "and",
    },
    "de": {
        "kind": "Kategorie: {value}",
        "colour": "Farbe: {value}",
        "material": "Material: {value}",
        "size": "Größe: {value}",
        "other": "{name}: {value}",
        "option": "Optionen ({name}): {value}",
        "price": "Preis: {price}",
        "sold": "Seit {year} {units} Mal verkauft",
        "sold_sentence": "Seit {year} haben Kunden ihn {units} Mal gekauft.",
        "features": "Die Details: {value}.",
        "keywords": "Passend, wenn Sie nach {value} suchen.",
        "meta": "{title}: {kind}. {price}. {closing}",
        "and": "und",
    },
    "fr": {
        "kind": "Catégorie : {value}",
        "colour": "Couleur : {value}",
        "material": "Matière : {value}",
        "size": "Taille : {value}",
        "other": "{name} : {value}",
        "option": "Options ({name}) : {value}",
        "price": "Prix : {price}",
        "sold": "Vendu {units} fois depuis {year}",
        "sold_sentence": "Nos clients l'ont acheté {units} fois depuis {year}.",
        "features": "Les détails : {value}.",
        "keywords": "Idéal si vous cherchez {value}.",
        "meta": "{title} : {kind}. {price}. {closing}",
        "and": "et",
    },
    "es": {
        "kind": "Categoría: {value}",
        "colour": "Color: {value}",
        "material": "Material: {value}",
        "size": "Tamaño: {value}",
        "other": "{name}: {value}",
        "option": "Opciones ({name}): {value}",
        "price": "Precio: {price}",
        "sold": "Vendido {units} veces desde {year}",
        "sold_sentence": "Nuestros clientes lo han comprado {units} veces desde {year}.",
        "features": "Los detalles: {value}.",
        "keywords": "Ideal si buscas {value}.",
        "meta": "{title}: {kind}. {price}. {closing}",
        "and": "y",
    },
    "it": {
        "kind": "Categoria: {value}",
        "colour": "Colore: {value}",
        "material": "Materiale: {value}",
        "size": "Taglia: {value}",
        "other": "{name}: {value}",
        "option": "Opzioni ({name}): {value}",
        "price": "Prezzo: {price}",
        "sold": "Venduto {units} volte dal {year}",
        "sold_sentence": "I nostri clienti lo hanno acquistato {units} volte dal {year}.",
        "features": "I dettagli: {value}.",
        "keywords": "Ideale se cerchi {value}.",
        "meta": "{title}: {kind}. {price}. {closing}",
        "and": "e",
    },
}

CURRENCY_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}


def format_number(value: float, language: str, decimals: int = 0) -> str:
    """A number written the way ``language`` writes it (13,879 / 13.879 / 13 879)."""
    text = f"{value:,.{decimals}f}"
    if language == "en":
        return text
    if language == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text.replace(",", "#").replace(".", ",").replace("#", ".")


def format_price(price: float, currency: str, language: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    amount = format_number(price, language, 2)
    return f"{symbol}{amount}" if language == "en" else f"{amount} {symbol.strip()}"
