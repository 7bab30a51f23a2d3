"""A small hand-written lexicon for shopping and order messages in German, French, Spanish and
Italian: each phrase with the English the planner reads.

Entries are written accent-folded and lower-case ("grun", "cafe"), one English meaning per row
with the forms of each language separated by "/" (a form may be several words; "-" means the
language has no entry). Product kinds cover what the two demo stores sell most (the online-
retail store's commonest categories, every tau-retail kind). Regular plurals are added by
``forms``; irregular ones are written out. A meaning of "" is a word read and dropped (an
article, a courtesy), written "_". The reading itself is ``agents.offline.foreign.read_in_english``.
"""

from __future__ import annotations

from collections.abc import Iterator

LANGUAGES = ("de", "fr", "es", "it")

# english | de | fr | es | it
KINDS = """
necklace | halskette/kette/ketten | collier/colliers | collar/collares | collana/collane
candle | kerze | bougie | vela | candela
bag | tasche | sac/sacs | bolsa/bolso | borsa
bracelet | armband/armbander | bracelet | pulsera | braccialetto
t-light holder | teelichthalter | photophore | portavelas | portacandele
earrings | ohrringe | boucles d'oreilles | pendientes | orecchini
mug | becher/tasse | tasse/mug | taza | tazza
gift wrap | geschenkpapier | papier cadeau | papel de regalo | carta regalo
card | karte | carte | tarjeta | biglietto/biglietti
bowl | schussel | bol | cuenco | ciotola
sign | schild | panneau/plaque | cartel | insegna/targa
cushion cover | kissenbezug/kissenhulle | housse de coussin | funda de cojin | federa/
    fodera per cuscino
box | box/schachtel/dose | boite | caja | scatola
ribbon | band/schleifenband | ruban | cinta | nastro
keyring | schlusselanhanger/schlusselring | porte-cles/porte cles | llavero/llaveros | portachiavi
tray | tablett | plateau | bandeja | vassoio
garland | girlande | guirlande | guirnalda | ghirlanda
photo frame | bilderrahmen/fotorahmen | cadre photo/cadre pour photo/cadres pour photos |
    marco de fotos/marco para fotos/marcos para fotos/portafotos | cornice/cornice per foto/
    cornici per foto/portafoto
notebook | notizbuch/heft | carnet/cahier | cuaderno/libreta | quaderno/taccuino
sticker | aufkleber/sticker | autocollant | pegatina | adesivo
mirror | spiegel | miroir | espejo | specchio
hook | haken | crochet | gancho/percha | gancio
candle holder | kerzenhalter/kerzenstander | bougeoir | candelabro | portacandela
plate | teller | assiette | plato | piatto
magnet | magnet | aimant | iman | calamita
doormat | fussmatte | paillasson | felpudo | zerbino
pen | stift/kugelschreiber | stylo | boligrafo | penna
jar | einmachglas/vorratsglas | bocal | tarro | barattolo
hot water bottle | warmflasche | bouillotte | bolsa de agua caliente | borsa dell'acqua calda
purse | geldborse/portemonnaie | porte-monnaie | monedero | portamonete
cake stand | tortenstander/etagere | presentoir a gateau | soporte para tartas | alzata
basket | korb | panier | cesta | cestino
lantern | laterne | lanterne | farol | lanterna
wall clock | wanduhr | horloge murale/pendule | reloj de pared | orologio da parete
clock | uhr | horloge | reloj | orologio
alarm clock | wecker | reveil | despertador/reloj despertador/relojes despertadores | sveglia
toy | spielzeug | jouet | juguete | giocattolo
umbrella | regenschirm/schirm | parapluie | paraguas | ombrello
apron | schurze | tablier | delantal | grembiule
wallet | brieftasche/geldbeutel | portefeuille | cartera | portafoglio
lunch bag | brotzeittasche | sac a gouter | bolsa de almuerzo | borsa pranzo
lunch box | brotdose/lunchbox | boite a gouter/boite a lunch | fiambrera/tartera | portapranzo
handbag | handtasche | sac a main | bolso de mano | borsetta
egg cup | eierbecher | coquetier | huevera | portauovo
trinket box | schmuckkastchen | boite a bijoux | joyero | portagioie
napkin | serviette | serviette | servilleta | tovagliolo
tea towel | geschirrtuch | torchon | pano de cocina | strofinaccio
lamp | lampe | lampe | lampara | lampada
doll | puppe | poupee | muneca | bambola
cushion | kissen | coussin | cojin | cuscino
spoon | loffel | cuillere | cuchara | cucchiaio
money box | spardose | tirelire | hucha | salvadanaio
jug | krug/kanne | pichet | jarra | brocca
cup | tasse | tasse | taza | tazza
teapot | teekanne | theiere | tetera | teiera
teddy | teddy/teddybar | nounours/ours en peluche | osito de peluche | orsacchiotto
water bottle | trinkflasche/wasserflasche | gourde | botella de agua/cantimplora | borraccia/
    bottiglia d'acqua
bottle | flasche | bouteille | botella | bottiglia
t-shirt | t-shirt | t-shirt/tee-shirt | camiseta | maglietta
laptop | laptop/notebook-computer | ordinateur portable | portatil/ordenador portatil | portatile/
    computer portatile
running shoes | laufschuhe | chaussures de course | zapatillas de correr | scarpe da corsa
smartphone | smartphone/handy | smartphone/telephone | smartphone/movil/telefono | smartphone/
    cellulare/telefono
backpack | rucksack | sac a dos | mochila | zaino
coffee maker | kaffeemaschine | cafetiere | cafetera | macchina del caffe
desk lamp | schreibtischlampe | lampe de bureau | lampara de escritorio | lampada da scrivania
sunglasses | sonnenbrille | lunettes de soleil | gafas de sol | occhiali da sole
wristwatch | armbanduhr | montre | reloj de pulsera | orologio da polso
watch | - | - | reloj | -
electric toothbrush | elektrische zahnburste | brosse a dents electrique |
    cepillo de dientes electrico | spazzolino elettrico
yoga mat | yogamatte | tapis de yoga | esterilla de yoga | tappetino da yoga
bluetooth speaker | bluetooth-lautsprecher/lautsprecher | enceinte bluetooth/enceinte |
    altavoz bluetooth/altavoz | cassa bluetooth/altoparlante
gaming mouse | gaming-maus/maus | souris gaming/souris | raton gaming/raton | mouse da gaming
action camera | actionkamera/action-cam | camera sportive | camara deportiva | videocamera sportiva/
    action cam
garden hose | gartenschlauch | tuyau d'arrosage | manguera | tubo da giardino
hiking boots | wanderschuhe/wanderstiefel | chaussures de randonnee | botas de montana | scarponi
tablet | tablet | tablette | tableta | tablet
e-reader | e-reader | liseuse | lector de libros electronicos | lettore ebook
portable charger | powerbank | batterie externe | cargador portatil | caricatore portatile
indoor security camera | uberwachungskamera | camera de surveillance | camara de seguridad |
    telecamera di sicurezza
electric kettle | wasserkocher | bouilloire electrique | hervidor electrico | bollitore elettrico
mechanical keyboard | mechanische tastatur/tastatur | clavier mecanique/clavier | teclado mecanico/
    teclado | tastiera meccanica/tastiera
wireless earbuds | kabellose ohrhorer/ohrhorer | ecouteurs sans fil/ecouteurs |
    auriculares inalambricos | auricolari wireless/auricolari
smart thermostat | thermostat | thermostat | termostato | termostato
fleece jacket | fleecejacke | veste polaire | chaqueta polar | giacca in pile
dumbbell set | hantelset/hanteln | halteres | mancuernas | manubri
pet bed | hundebett/katzenbett | panier pour chien/lit pour animal | cama para mascotas | cuccia
espresso machine | espressomaschine | machine a expresso | cafetera espresso | macchina per espresso
headphones | kopfhorer/bluetooth-kopfhorer | casque audio/casque bluetooth/casque sans fil |
    auriculares/cascos bluetooth | cuffie/cuffie bluetooth
cycling helmet | fahrradhelm/helm | casque de velo/casque | casco de bicicleta/casco |
    casco da bici/casco
led light bulb | led-lampe/gluhbirne | ampoule led/ampoule | bombilla led/bombilla | lampadina led/
    lampadina
digital camera | digitalkamera/kamera | appareil photo | camara digital/camara | fotocamera
bookshelf | bucherregal/regal | bibliotheque/etagere | estanteria/libreria | libreria
bicycle | fahrrad | velo | bicicleta | bicicletta/bici
sneakers | turnschuhe | baskets | zapatillas | sneakers/scarpe da ginnastica
office chair | burostuhl | chaise de bureau | silla de oficina | sedia da ufficio
smart watch | smartwatch | montre connectee | reloj inteligente | smartwatch
tea kettle | teekessel | bouilloire | hervidor | bollitore
luggage set | kofferset/koffer | valises | juego de maletas/maletas | set di valigie/valigie
patio umbrella | sonnenschirm | parasol | sombrilla | ombrellone
air purifier | luftreiniger | purificateur d'air | purificador de aire | purificatore d'aria
makeup kit | schminkset | kit de maquillage | kit de maquillaje | kit trucco
skateboard | skateboard | skateboard | monopatin/skateboard | skateboard
jigsaw puzzle | puzzle | puzzle | rompecabezas/puzzle | puzzle
grill | grill | barbecue | parrilla/barbacoa | griglia/barbecue
vacuum cleaner | staubsauger | aspirateur | aspiradora | aspirapolvere
perfume | parfum | parfum | perfume | profumo
"""

# What a word says about colour, size, material or price.
DESCRIBING = """
red | rot/rote/roten/roter/rotes | rouge/rouges | rojo/roja/rojos/rojas | rosso/rossa/rossi/rosse
green | grun/grune/grunen/gruner/grunes | vert/verte/verts/vertes | verde/verdes | verde/verdi
blue | blau/blaue/blauen/blauer | bleu/bleue/bleus/bleues | azul/azules | blu/azzurro/azzurra
black | schwarz/schwarze/schwarzen/schwarzer | noir/noire/noirs/noires | negro/negra/negros/
    negras | nero/nera/neri/nere
white | weiss/weisse/weissen/weisser | blanc/blanche/blancs/blanches | blanco/blanca/blancos/
    blancas | bianco/bianca/bianchi/bianche
pink | rosa | rose/roses | rosa/rosas | rosa
yellow | gelb/gelbe/gelben | jaune/jaunes | amarillo/amarilla/amarillos | giallo/gialla/gialli
grey | grau/graue/grauen | gris/grise | gris/grises | grigio/grigia/grigi
silver | silber/silberne/silbernen | argent/argente/argentee | plata/plateado/plateada | argento/
    argentato
gold | gold/goldene/goldenen | dore/doree/or | dorado/dorada/oro | oro/dorato/dorata
purple | lila/violett | violet/violette | morado/morada/violeta | viola
orange | orange/orangefarben | orange | naranja | arancione
brown | braun/braune | marron | marron | marrone
navy | marineblau/dunkelblau | bleu marine | azul marino | blu navy
small | klein/kleine/kleinen/kleiner | petit/petite/petits/petites | pequeno/pequena/pequenos |
    piccolo/piccola/piccoli/piccole
large | gross/grosse/grossen/grosser | grand/grande/grands/grandes | grande/grandes | grande/grandi
cheap | billig/billige/billigen/gunstig/gunstige/nicht zu teuer | pas trop cher/pas trop chere/
    pas trop chers/pas trop cheres/pas cher/pas chere/pas chers/pas cheres/bon marche | barato/
    barata/baratos/baratas | economico/economica/economici
cute | niedlich/niedliche/suss/susse | mignon/mignonne/mignons/mignonnes | bonito/bonita/bonitos/
    bonitas/lindo/linda | carino/carina/carini/carine
vintage | retro/nostalgisch | retro/vintage | retro/antiguo | retro/vintage
wooden | holz/holzern/holzerne | en bois | de madera | di legno/in legno
glass | glas/glaserne | en verre | de vidrio/de cristal | di vetro/in vetro
ceramic | keramik | en ceramique/ceramique | de ceramica/ceramica | in ceramica/ceramica
stainless steel | edelstahl | inox/en inox/acier inoxydable | acero inoxidable | acciaio inox/
    acciaio inossidabile
metal | metall | metal/en metal | metal/de metal | metallo/in metallo
leather | leder | cuir/en cuir | cuero/de cuero/piel | pelle/in pelle
wireless | kabellos/kabellose | sans fil | inalambrico/inalambrica | senza fili
waterproof | wasserdicht/wasserdichte | etanche/impermeable | impermeable | impermeabile
style | stil | style | estilo | stile
design | design/muster | motif | diseno | disegno/fantasia
heart | herz/herzen | coeur/coeurs | corazon/corazones | cuore/cuori
dinosaur | dinosaurier | dinosaure/dinosaures | dinosaurio/dinosaurios | dinosauro/dinosauri
cat | katze/katzen | chat/chats | gato/gatos | gatto/gatti
dog | hund/hunde | chien/chiens | perro/perros | cane/cani
bird | vogel/vogeln | oiseau/oiseaux | pajaro/pajaros | uccello/uccelli
flower | blume/blumen | fleur/fleurs | flor/flores | fiore/fiori
star | stern/sterne | etoile/etoiles | estrella/estrellas | stella/stelle
christmas | weihnachten/weihnachts | noel | navidad/navideno | natale/natalizio
scented | duft/parfumiert/parfumierte/duftende | parfume/parfumee/parfumes/parfumees | perfumado/
    perfumada/perfumadas/aromatica/aromaticas | profumato/profumata/profumate/profumati
kitchen | kuche/kuchen | cuisine/de cuisine | cocina/de cocina | cucina/da cucina
photo | foto/fotos | photo/photos | foto/fotos | foto
expensive | teuer/teure | cher/chere/chers/cheres | caro/cara/caros/caras | caro/cara/cari/care
"""

# Requests, questions and the words around them.
FRAMES = """
do you have | habt ihr/haben sie/hast du/gibt es/fuhrt ihr/fuhren sie/verkauft ihr | avez-vous/
    avez vous/vous avez/est-ce que vous avez/auriez-vous/vendez-vous/il y a | tienen/tiene/teneis/
    hay/venden/vendeis | avete/ha/hai/vendete/c'e/ci sono
i am looking for | ich suche/suche/wir suchen | je cherche/cherche/je recherche/nous cherchons |
    busco/estoy buscando/buscamos | cerco/sto cercando/cerchiamo
i would like | ich mochte/ich hatte gern/ich hatte gerne/ich will/ich brauche | je voudrais/je veux/
    j'aimerais/il me faut/j'ai besoin d'/j'ai besoin de | quiero/quisiera/me gustaria/necesito |
    vorrei/voglio/mi serve/ho bisogno di
how much is | was kostet/was kosten/wie teuer ist/wie viel kostet/wieviel kostet | combien coute/
    combien coutent/c'est combien/quel est le prix de/combien pour | cuanto cuesta/cuanto cuestan/
    cuanto vale/que precio tiene/cuál es el precio de/cual es el precio de | quanto costa/
    quanto costano/quanto viene/qual e il prezzo di
is it in stock | ist er vorratig/ist sie vorratig/ist es vorratig/auf lager/vorratig/noch da/
    lieferbar | en stock/disponible/il en reste/en reste | queda stock/hay stock/queda/quedan/
    en stock/disponible/hay existencias | disponibile/ancora disponibile/in magazzino/ce n'e ancora/
    e disponibile
_ | - | celui de/celle de/celui avec | el de/la de/los de/las de | quello di/quella di
delivered order | gelieferte bestellung/erhaltene bestellung | commande livree/commande recue |
    pedido entregado/pedido recibido | ordine consegnato/ordine ricevuto
pending order | offene bestellung/ausstehende bestellung | commande en cours/commande en attente |
    pedido pendiente | ordine in sospeso/ordine in attesa
visa card | visa-karte/visakarte | carte visa | tarjeta visa | carta visa
mastercard | mastercard | carte mastercard | tarjeta mastercard | carta mastercard
_ | noch/denn/mal/eigentlich | donc | pues | allora/pure
something with | etwas mit | quelque chose avec | algo con | qualcosa con
something | etwas | quelque chose | algo | qualcosa
show me | zeig mir/zeigen sie mir/zeig | montrez-moi/montre-moi/montrez moi | muestrame/ensename |
    mostrami/fammi vedere
under | unter/bis/hochstens/weniger als/maximal | moins de/sous/en dessous de/maximum/max |
    menos de/por debajo de/hasta/maximo | sotto/sotto i/sotto le/meno di/massimo/fino a
around | um die/etwa/ungefahr/circa | environ/autour de | alrededor de | circa/intorno a
pounds | pfund | livres/livre | libras/libra | sterline/sterlina
euros | euro | euros/euro | euros/euro | euro
dollars | dollar | dollars/dollar | dolares/dolar | dollari/dollaro
for | fur | pour | para/por | per
some | einige/ein paar | des/du/de la/quelques | algunos/algunas | dei/delle/degli/qualche
with | mit | avec/de/du/d' | con/de/del | con/di/del/della/dello/dei/delle/degli
without | ohne | sans | sin | senza
and | und | et | y/e | e/ed
or | oder | ou | o/u | o/oppure
in | in/aus | en | en | in
not | nicht/kein/keine/keinen | pas/ne/n' | no | non
preferably | am liebsten/lieber/vorzugsweise/gerne | de preference/plutot/si possible |
    preferiblemente/mejor/a ser posible/si es posible | preferibilmente/meglio/se possibile
it | ihn/es | elle/ca | - | -
the | der/die/das/den/dem/des | le/la/les/l' | el/la/los/las | il/lo/la/i/gli/le/l'
a | ein/eine/einen/einem/einer | un/une | un/una/unos/unas | un/uno/una/un'
one | eins | un | uno | uno
other | andere/anderen/anderes | autre/autres | otro/otra/otros/otras | altro/altra/altri/altre
also | auch | aussi | tambien | anche
which | welche/welcher/welches | quel/quelle/quels/quelles/lequel/laquelle | cual/cuales | quale/
    quali
what | was | quoi/qu'est-ce que | - | cosa/che cosa
bigger | grosser/grossere | plus grand/plus grande | mas grande/mayor | piu grande
cheaper | billiger/gunstiger | moins cher/moins chere | mas barato/mas barata | piu economico/
    meno caro
my | mein/meine/meinen/meinem/meiner | mon/ma/mes | mi/mis | mio/mia/miei/mie/il mio/la mia
order | bestellung/auftrag | commande | pedido/orden | ordine
delivered | gelieferte/gelieferten/geliefert/erhaltene | livree/livre/recue/recu | entregado/
    entregada/recibido | consegnato/consegnata/ricevuto
pending | offene/ausstehende | en cours/en attente | pendiente | in sospeso/in attesa
where is | wo ist/wo bleibt | ou est/ou en est | donde esta | dov'e/dove e/dove si trova
cancel | stornieren/storniere/stornierung/abbestellen/annullieren | annuler/annulez/annule/
    annulation | cancelar/cancela/anular | annullare/annulla/cancellare
return | zurucksenden/zuruckgeben/zuruckschicken/retournieren | retourner/renvoyer/rendre |
    devolver/devuelvo | restituire/rendere/reso
exchange | umtauschen/tauschen | echanger | cambiar | cambiare/sostituire
refund | erstattung/ruckerstattung/geld zuruck | remboursement/rembourser | reembolso/reembolsar |
    rimborso/rimborsare
to | auf/an/zu | sur/a/au | a/al | a/al/sulla/sul
card | karte/kreditkarte | carte/carte bancaire | tarjeta | carta
gift card | geschenkkarte/gutschein | carte cadeau | tarjeta regalo | carta regalo
status | status | statut | estado | stato
gift | geschenk/geschenke/geschenkidee | cadeau/cadeaux | regalo/regalos | regalo/regali
mum | mutter/mama/mutti | mere/maman | madre/mama/mami | madre/mamma
dad | vater/papa | pere/papa | padre/papa | padre/papa
brother | bruder | frere | hermano | fratello
sister | schwester | soeur | hermana | sorella
child | kind/kinder/sohn/tochter | enfant/enfants | nino/nina/ninos/ninas/hijo/hija | bambino/
    bambina/bambini/figlio/figlia
friend | freund/freundin | ami/amie | amigo/amiga | amico/amica
birthday | geburtstag | anniversaire | cumpleanos | compleanno
shipping | versand/lieferung/versandkosten | livraison/frais de port | envio/gastos de envio |
    spedizione/consegna
too | zu | trop | demasiado | troppo
i bought | ich gekauft habe/gekauft | j'ai achete/achete | compre | ho comprato/comprato
that | - | que/qui | que | che
my email is | meine e-mail ist/meine email ist/meine e-mail-adresse ist | mon e-mail est/
    mon email est/mon adresse e-mail est/mon mail est | mi correo es/mi email es/
    mi correo electronico es/mi e-mail es | la mia email e/la mia e-mail e/il mio indirizzo email e
i no longer need it | brauche ich nicht mehr/ich brauche es nicht mehr | je n'en ai plus besoin |
    ya no lo necesito/ya no la necesito/ya no los necesito | non mi serve piu/non mi serve piu
no longer needed | nicht mehr benotigt | plus besoin | ya no lo necesito | non serve piu
too small | zu klein | trop petit/trop petite | demasiado pequeno/demasiado pequena |
    troppo piccolo/troppo piccola
too big | zu gross | trop grand/trop grande | demasiado grande | troppo grande
hello | hallo/guten tag/servus/moin | bonjour/salut/bonsoir | hola/buenas/buenos dias | ciao/
    buongiorno/salve
please | bitte | s'il vous plait/svp | por favor | per favore/per piacere
thanks | danke/vielen dank | merci | gracias | grazie
is | ist/sind | est/sont | es/son/esta/estan | sono
how many | wie viele | combien | cuantos/cuantas | quanti/quante
"""


def rows(table: str) -> Iterator[tuple[str, dict[str, list[str]]]]:
    """Each row of a table: its English, and its forms per language (an indented line goes
    on with the row above it)."""
    lines: list[str] = []
    for line in table.strip().splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += line.strip()
        else:
            lines.append(line)
    for line in lines:
        english, *cells = (cell.strip() for cell in line.split("|"))
        english = "" if english == "_" else english
        forms = {
            code: [f.strip() for f in cell.split("/") if f.strip() and f.strip() != "-"]
            for code, cell in zip(LANGUAGES, cells, strict=True)
        }
        yield english, forms


def plural_forms(form: str, code: str) -> set[str]:
    """The regular plurals of a noun form in its language (of its first word when several:
    the head comes first in French, Spanish and Italian)."""
    head, _, rest = form.partition(" ")
    tail = f" {rest}" if rest else ""
    out: set[str] = set()
    if code == "de":
        out = {form + "n", form + "en", form + "e", form + "s"}
    elif code == "fr":
        out = {head + "s" + tail, head + "x" + tail}
    elif code == "es":
        out = {head + ("es" if head[-1] not in "aeiou" else "s") + tail}
    elif code == "it" and head[-1] in "aoe":
        stem = head[:-1]
        if head.endswith(("ca", "ga")):
            out = {stem + "he" + tail}
        elif head.endswith("cia"):
            out = {head[:-3] + "ce" + tail, stem + "e" + tail}
        else:
            out = {stem + ("e" if head[-1] == "a" else "i") + tail}
    return out
