"""What witnesses say, as data: phrases mapped onto CelebA attribute settings.

Each `Sense` lists its effects, primary effect first; a negation ("no", "not",
"without"...) flips only the primary effect, so "not clean-shaven" means "has a
beard" without claiming a goatee. Words about who the person is (man, she, his)
are not negatable: "doesn't have his glasses" must not make him a woman.

Some phrases are recognised but cannot be drawn (eye colour, hair length, scars,
clothing): they are reported as not understood with the reason, rather than being
mistaken for something else ("brown eyes" is not brown hair). Phrases are written
with spaces or hyphens; `phrase_key` normalises both the same way the parser
normalises free text, so "fair-haired", "fair haired" and "Fair Haired" all match.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping

from composer.text.attributes import ATTRIBUTES

Key = tuple[str, ...]
YOUNG_BELOW = 40  # ages under this count as Young (CelebA gives no threshold)
_NOT_OFFERED = frozenset({"Attractive", "Blurry"})


@dataclass(frozen=True)
class Sense:
    """What a phrase means: (attribute, value) effects, the first one primary."""
    effects: tuple[tuple[str, bool], ...]
    negatable: bool = True
    note: str = ""        # how an approximate reading was made ("salt and pepper" -> Gray_Hair)


@dataclass(frozen=True)
class Lexicon:
    """Everything the free-text parser knows about words."""
    senses: Mapping[Key, Sense]
    unsupported: Mapping[Key, str]      # recognised, but not a CelebA attribute: why
    negations: frozenset[str]           # open a negation scope
    filler: frozenset[str]              # understood as carrying no attribute
    boundaries: frozenset[str]          # close a negation scope
    soft_boundaries: frozenset[str]     # close it once it has negated something
    age_units: frozenset[str]           # "45 years", "45 yo"
    age_prefixes: frozenset[str]        # "aged 45", "about 45"
    facial_hair_colours: frozenset[Key]  # "grey" in "grey stubble": not Gray_Hair
    facial_hair_nouns: frozenset[str]
    max_len: int
    correction_cues: frozenset[Key] = frozenset()  # "correction:", "actually", "no wait"
    doubt_cues: frozenset[Key] = frozenset()       # "not sure", "can't remember": not used
    measure_units: frozenset[str] = frozenset()    # "six foot", "12 stone": not an age


def normalise(word: str) -> str:
    """Lower-case, straight apostrophes, no possessive 's ("man's" -> "man", "40's" -> "40s")."""
    w = word.casefold().replace("\u2019", "'")
    if w[:1].isdigit():
        return w.replace("'", "")
    if w.endswith("'s") and len(w) > 3:
        return w[:-2]
    return w


def phrase_key(phrase: str) -> Key:
    return tuple(normalise(w) for w in re.split(r"[\s\-]+", phrase.strip()) if w)


def _spec(spec: str) -> tuple[tuple[str, bool], ...]:
    return tuple((item[1:], item[0] == "+") for item in spec.split())


# (phrases separated by "|", effects: "+Attr" present, "-Attr" absent; first is primary)
_SENSES: tuple[tuple[str, str], ...] = (
    # hair colour
    ("blond|blonde|blond hair|blonde hair|blondish|fair hair|fair haired|fairhaired|golden hair|platinum blond|platinum blonde|dirty blond|dirty blonde|sandy hair|"
     "sandy haired|light hair|light haired|bleached hair|bleach blond|peroxide blonde|"
     "yellow hair|towheaded|blond haired|blonde haired", "+Blond_Hair"),
    ("black hair|black haired|jet black|jet black hair|raven hair|dark hair|dark haired|"
     "very dark hair", "+Black_Hair"),
    ("brown hair|brown haired|brunette|brunet|mousy|mousey|mousy hair|chestnut hair|"
     "light brown hair|dark brown hair|mid brown hair|medium brown hair|chestnut|mousy brown hair|"
     "mousey brown hair|brunette hair", "+Brown_Hair"),
    ("grey|gray|grey haired|gray haired|grey hair|gray hair|white hair|white haired|silver hair|"
     "silver haired|silvery hair|snow white hair|white headed|grey headed|"
     "gray headed|hoary|completely grey|completely gray|all grey|all gray", "+Gray_Hair"),
    # hair texture, bangs, hairline
    ("wavy|wavy hair|curly|curly hair|curls|curly haired|frizzy|frizzy hair|afro|ringlets|"
     "permed|perm|wavey|wavy haired|curley|curly headed|frizzy haired|kinky hair|"
     "tight curls|loose curls", "+Wavy_Hair"),
    ("straight|straight hair|straight haired|sleek hair|lank hair", "+Straight_Hair"),
    ("bangs|fringe|fringes|fringed|side fringe|side bangs", "+Bangs"),
    ("receding|receding hairline|receding hair|balding|thinning hair|thinning|widow's peak|"
     "high forehead|going bald|high hairline|thin on top|thinning on top|going thin on top|"
     "bald patch|bald spot|balding on top|recedin|reciding|receeding|going a bit bald|"
     "losing his hair|losing hair|thinning at the front", "+Receding_Hairline"),
    ("bald|bald head|baldy|baldie|shaved head|shaven head|skinhead|no hair|hairless|"
     "bald headed|completely bald", "+Bald"),
    ("full head of hair|thick hair|lots of hair", "-Bald"),
    # facial hair (CelebA labels No_Beard false for almost all of these faces)
    ("beard|bearded|full beard|beardy|bushy beard|thick beard|short beard|long beard|"
     "facial hair|scruffy beard", "-No_Beard"),
    ("goatee|goatee beard|goatie|chin beard|soul patch|van dyke", "+Goatee -No_Beard"),
    ("moustache|mustache|moustached|mustached|mustachioed|tache|handlebar moustache|"
     "handlebar mustache|pencil moustache|pencil mustache|tash|tache|mustash|mustashe|"
     "moustash|mustache and beard|walrus moustache|walrus mustache", "+Mustache -No_Beard"),
    ("stubble|stubbly|stubbled|five o'clock shadow|5 o'clock shadow|five o clock shadow|"
     "5 o clock shadow|unshaven|unshaved|designer stubble|scruffy", "+5_o_Clock_Shadow -No_Beard"),
    ("sideburns|side burns|sideburn|mutton chops|muttonchops|sideboards|long sideburns",
     "+Sideburns -No_Beard"),
    ("clean shaven|cleanshaven|clean shaved|smooth shaven|freshly shaven|freshly shaved|"
     "beardless|no facial hair|smooth faced",
     "+No_Beard -Goatee -Mustache -5_o_Clock_Shadow -Sideburns"),
    # eyebrows, eyes
    ("arched eyebrows|arched brows|arched|high arched eyebrows", "+Arched_Eyebrows"),
    ("plucked eyebrows", "+Arched_Eyebrows -Bushy_Eyebrows"),
    ("bushy eyebrows|bushy brows|bushy|thick eyebrows|thick brows|heavy eyebrows|heavy brows|"
     "unibrow|monobrow|mono brow|big eyebrows|hairy eyebrows|shaggy eyebrows|beetle brows|"
     "beetle browed", "+Bushy_Eyebrows"),
    ("thin eyebrows|thin brows|fine eyebrows|sparse eyebrows", "-Bushy_Eyebrows"),
    ("narrow eyes|small eyes|narrow eyed|squinty|squinty eyes|squinting|squinted|beady eyes|"
     "beady|hooded eyes|narrowed eyes|small narrow eyes", "+Narrow_Eyes"),
    ("wide eyes|big eyes|large eyes|wide eyed|round eyes|bulging eyes", "-Narrow_Eyes"),
    ("eye bags|baggy eyes|puffy eyes|tired eyes|dark circles|bags under the eyes|"
     "bags under eyes|dark circles under the eyes|dark circles under eyes", "+Bags_Under_Eyes"),
    ("bags under his eyes|dark circles under his eyes", "+Bags_Under_Eyes +Male"),
    ("bags under her eyes|dark circles under her eyes", "+Bags_Under_Eyes -Male"),
    # nose, lips, mouth
    ("big nose|large nose|long nose|huge nose|prominent nose|bulbous nose|hooked nose|"
     "hook nose|roman nose|broad nose|wide nose|fat nose|big nosed", "+Big_Nose"),
    ("small nose|little nose|button nose|tiny nose|short nose|snub nose", "-Big_Nose"),
    ("pointy nose|pointed nose|sharp nose|narrow nose|beaky nose|aquiline nose|thin nose",
     "+Pointy_Nose"),
    ("big lips|full lips|thick lips|plump lips|fat lips|large lips|fleshy lips|pouty lips|"
     "puffy lips", "+Big_Lips"),
    ("thin lips|small lips|narrow lips|thin lipped", "-Big_Lips"),
    ("mouth open|open mouth|mouth slightly open|slightly open mouth|mouth agape|agape|"
     "parted lips|lips parted|lips apart|mouth ajar|open mouthed|gaping", "+Mouth_Slightly_Open"),
    ("mouth closed|closed mouth|lips closed|lips together|tight lipped", "-Mouth_Slightly_Open"),
    # face, skin
    ("oval face|oval|oval shaped face|oval shaped|egg shaped face", "+Oval_Face"),
    ("square face|square jaw|square jawed|angular face|strong jaw",
     "-Oval_Face"),
    ("double chin|double chinned|jowls|jowly|second chin", "+Double_Chin"),
    ("high cheekbones|prominent cheekbones|high cheek bones|sharp cheekbones|"
     "chiselled cheekbones|chiseled cheekbones|defined cheekbones|strong cheekbones",
     "+High_Cheekbones"),
    ("low cheekbones|flat cheekbones", "-High_Cheekbones"),
    ("chubby|plump|fat|overweight|heavy set|heavyset|heavy|stocky|chunky|tubby|podgy|pudgy|"
     "portly|obese|chubby cheeks|round cheeks|fat faced|puffy face|chubby face", "+Chubby"),
    ("big guy|big man|big fella|big bloke", "+Chubby +Male"),
    ("thin|skinny|slim|slender|gaunt|lean|bony|thin faced|thin face|slim faced|hollow cheeks|"
     "hollow cheeked|sunken cheeks|scrawny|wiry|petite", "-Chubby"),
    ("pale|pale skin|pale skinned|pale complexion|pasty|pasty faced|fair skin|fair skinned|"
     "fair complexion|light skin|light skinned|pallid|ashen", "+Pale_Skin"),
    ("tanned|tan|suntanned|sun tanned|tanned skin|dark skin|dark skinned|olive skin|"
     "olive skinned|brown skin|swarthy", "-Pale_Skin"),
    ("rosy cheeks|rosy|red cheeks|flushed|ruddy|ruddy complexion|ruddy cheeks|red faced|"
     "rosy cheeked|blushing|pink cheeks|rosy complexion|florid", "+Rosy_Cheeks"),
    # expression
    ("smiling|smile|smiled|smiles|smiley|grinning|grin|grinned|grins|laughing|laughed|"
     "beaming|smirking|smirk|happy|cheerful", "+Smiling"),
    ("serious|frowning|frown|stern|scowling|scowl|grim|glum|neutral expression|straight face|"
     "blank expression|expressionless|unsmiling|angry|sullen|stony faced|poker face|sad",
     "-Smiling"),
    # worn items, make-up
    ("glasses|eyeglasses|eye glasses|spectacles|specs|sunglasses|sunnies|shades|bespectacled|"
     "reading glasses|horn rimmed glasses|wire rimmed glasses|rimless glasses|dark glasses|"
     "aviators|aviator sunglasses", "+Eyeglasses"),
    ("hat|hats|cap|caps|baseball cap|beanie|beanie hat|woolly hat|wooly hat|bobble hat|beret|"
     "fedora|trilby|flat cap|snapback|stetson|bowler hat|top hat|cowboy hat|bucket hat|sun hat",
     "+Wearing_Hat"),
    ("bareheaded|bare headed|hatless", "-Wearing_Hat"),
    ("earrings|earring|ear rings|ear ring|hoop earrings|hoops|studs|ear studs|stud earrings|"
     "pierced ears|pierced ear|ear piercings|ear piercing", "+Wearing_Earrings"),
    ("necklace|necklaces|chain|gold chain|silver chain|neck chain|pendant|choker|locket|beads",
     "+Wearing_Necklace"),
    ("tie|necktie|neck tie|bow tie|bowtie|cravat", "+Wearing_Necktie"),
    ("makeup|make up|made up|heavy makeup|heavy make up|heavily made up|lots of makeup|"
     "eye makeup|eyeliner|eye liner|mascara|eyeshadow|eye shadow|blusher", "+Heavy_Makeup"),
    ("lipstick|lip stick|red lipstick|lip gloss|lipgloss|red lips|painted lips|lippy",
     "+Wearing_Lipstick"),
    # age (see YOUNG_BELOW; numbers are handled by the parser)
    ("young|younger|youthful|youth|young looking|teen|teens|teenager|teenaged|teenage|"
     "adolescent|juvenile|kid|student|twenties|thirties|10s|20s|30s|twentysomething|"
     "thirtysomething|boyish|baby faced|babyfaced|fresh faced", "+Young"),
    ("old|older|elderly|aged|middle aged|middle age|senior|oap|pensioner|retired|retiree|"
     "forties|fifties|sixties|seventies|eighties|nineties|40s|50s|60s|70s|80s|90s|mature|"
     "oldish|older looking|wrinkled|wrinkles|wrinkly|old timer|grandfather|grandpa|grandad|"
     "granddad", "-Young"),
    ("grandmother|grandma|granny|nan", "-Young -Male"),
)
# Who the person is: never flipped by a negation.
_PERSON: tuple[tuple[str, str], ...] = (
    ("man|men|male|guy|guys|gentleman|gent|bloke|fellow|fella|chap|dude|he|him|his|himself|"
     "mr|sir|masculine", "+Male"),
    ("boy|lad|schoolboy", "+Male +Young"),
    ("woman|women|female|lady|ladies|she|her|hers|herself|mrs|ms|gal|feminine|madam", "-Male"),
    ("girl|lass|schoolgirl", "-Male +Young"),
)
# "his nose was big": noun, then the adjectives whose "adj noun" (or "adj") sense applies.
_PREDICATIVE = (
    ("hair", "blond blonde black dark brown grey gray white silver curly wavy straight thinning"),
    ("nose", "big large long small pointy pointed sharp"),
    ("lips", "big full thick thin"),
    ("eyes", "narrow small puffy baggy squinty"),
    ("eyebrows", "bushy thick arched thin"),
    ("brows", "bushy thick arched thin"),
    ("face", "oval chubby thin pale"),
    ("cheeks", "rosy red chubby"),
    ("skin", "pale tanned"),
    ("mouth", "open closed"),
)
_LINKS = ("is", "was", "are", "were", "looked", "looks", "seemed")

_COLOURS = ("black white grey gray blue red green dark navy brown yellow orange pink purple "
            "light beige khaki tan").split()
_GARMENTS = ("hoodie|hoody|jacket|coat|shirt|t shirt|tshirt|jumper|sweater|jeans|trousers|suit|"
             "tracksuit|uniform|scarf|gloves|shoes|trainers|dress|blouse|vest|jersey|fleece|"
             "anorak|cardigan|overalls|hood").split("|")
_EYE_COLOURS = ("blue|green|brown|grey|gray|hazel|dark|black|light|pale|amber|violet|purple|red|pink|"
                "golden|silver|steel|steely|icy|grey blue|gray blue|blue grey|blue gray|green brown|"
                "light blue|dark blue|pale blue|bright blue|light brown|dark brown").split("|")
# Hair colours that, before a facial-hair or eyebrow word, describe that hair, not the head's:
# "grey stubble" is stubble of unknown colour to CelebA, not gray hair on the head.
FACIAL_HAIR_COLOURS = ("grey|gray|greying|graying|white|silver|silvery|grizzled|salt and pepper|blond|"
                       "blonde|fair|sandy|ginger|red|reddish|auburn|brown|dark|black|light|dark brown|"
                       "light brown|jet black").split("|")
FACIAL_HAIR_NOUNS = ("beard bearded stubble stubbly moustache mustache moustached mustached tache goatee "
                     "goatie sideburns sideburn eyebrows eyebrow brows brow chin facial mutton "
                     "muttonchops").split()
FACIAL_HAIR_COLOUR_REASON = ("the colour of a beard, stubble or eyebrows is not a CelebA attribute "
                             "(gray hair means the hair on the head; choose it if the witness says so)")
# Approximate readings: understood, with a note on how (shown in the report).
PARTIAL_GREY_NOTE = ("partial greying read as Gray_Hair: CelebA has no partly-grey attribute, only grey "
                     "hair; set the hair colour dropdown to another colour if that dominates")
_NOTED: tuple[tuple[str, str, str], ...] = (
    ("greying|graying|greying hair|graying hair|going grey|going gray|turning grey|turning gray|"
     "salt and pepper|salt and pepper hair|salt n pepper|pepper and salt|grizzled|greyish|grayish|"
     "greyish hair|grayish hair|grey streaked|streaked with grey|mostly grey|mostly gray",
     "+Gray_Hair", PARTIAL_GREY_NOTE),
    ("strawberry blond|strawberry blonde", "+Blond_Hair",
     "strawberry blond read as Blond_Hair: CelebA has no red hair attribute"),
)
HAIR_LENGTH_REASON = ("hair length and style are not CelebA attributes (it has only hair colour, "
                      "wavy/straight, bangs, receding hairline and bald); nothing is set")
RED_HAIR = ("red hair|red haired|ginger|ginger hair|ginger haired|gingery|redhead|redheaded|red head|"
            "copper hair|copper haired|coppery hair|orange hair|auburn|auburn hair|auburn haired|"
            "reddish hair|reddish brown hair|red brown hair|titian|titian hair|carrot top|"
            "carrot topped|red headed|gingerish")
RED_HAIR_REASON = ("CelebA has no red hair attribute, so nothing is set: the nearest is Brown_Hair "
                   "(auburn, dark red) or Blond_Hair (light ginger); choose one in the hair colour "
                   "dropdown if it is close enough")
_GREY_WORDS = "grey gray greying graying going_grey going_gray turning_grey turning_gray silver white".split()
_PLACES = "sides side temples edges ears back".split()
PARTIAL_GREY = "|".join(
    [f"{g.replace('_', ' ')} {p} {w} {pl}" for g in _GREY_WORDS for p in ("at", "round", "around", "on", "by", "over")
     for w in ("the", "his", "her") for pl in _PLACES]
    + [f"{g} {pl}" for g in ("grey", "gray", "greying", "graying", "silver", "white", "grey flecked")
       for pl in ("temples", "sides", "flecks", "streaks", "patches")]
    + [f"{q} of {g}" for q in ("touch", "hint", "tinge", "flecks", "fleck", "streaks", "streak", "bit",
                               "flash", "smattering", "sprinkling") for g in ("grey", "gray", "white", "silver")]
    + ["grey at the sides", "greying slightly", "graying slightly", "slightly greying", "slightly graying",
       "starting to go grey", "starting to go gray", "beginning to go grey", "a few grey hairs",
       "some grey hairs", "grey hairs", "gray hairs", "greying a bit", "graying a bit"])
PARTIAL_GREY_REASON = ("partial greying (at the sides or temples, a few grey hairs) is not a CelebA "
                       "attribute: Gray_Hair means grey or white hair overall, so it is not set; choose "
                       "Grey in the hair colour dropdown if the grey dominates")
ROUND_FACE = ("round face|round faced|round shaped face|moon face|moon faced|roundish face|"
              "face was round|face is round|round full face|round head")
ROUND_FACE_REASON = ("a round face is not a CelebA attribute (it has Oval_Face and Chubby only): nothing "
                     "is set; choose Chubby (face shape dropdown) if the face is full, or Oval if it is "
                     "oval")
_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                 "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
                 "eighty ninety").split()
_UNSUPPORTED: tuple[tuple[str, str], ...] = (
    ("|".join(f"{c} eyes|{c} eyed" for c in _EYE_COLOURS),
     "eye colour is not a CelebA attribute"),
    ("short hair|long hair|short haired|long haired|shoulder length hair|shoulder length|"
     "medium length hair|cropped hair|close cropped hair|crew cut|buzz cut|buzzcut|ponytail|"
     "pony tail|bun|braids|plaits|pigtails|dreadlocks|dreads|mohawk|mohican|mullet|cornrows|"
     "quiff|hair scraped back|scraped back|tied back|hair tied back|pulled back|hair pulled back|"
     "slicked back|slicked back hair|swept back|combed back|spiky hair|spiky|messy hair|greasy hair|"
     "short back and sides|shaved sides|skin fade|pixie cut|"
     "bob cut|bob haircut|collar length hair|collar length|chin length hair|down to his shoulders|"
     "down to her shoulders|past her shoulders|past his shoulders|top knot|man bun|"
     "shortish hair|longish hair|shortish|longish", HAIR_LENGTH_REASON),
    (RED_HAIR, RED_HAIR_REASON),
    (PARTIAL_GREY, PARTIAL_GREY_REASON),
    (ROUND_FACE, ROUND_FACE_REASON),
    ("|".join(f"{n} {u}" for n in _NUMBER_WORDS for u in ("foot", "feet", "ft", "stone")) +
     "|six foot tall|six feet tall|over six foot|under six foot",
     "height and build are not visible in a face portrait"),
    ("tall|height|medium build|athletic|muscular|build|well built",
     "height and build are not visible in a face portrait"),
    ("long|short", "length (of the hair or anything else) and height are not CelebA attributes"),
    ("scar|scars|scarred|tattoo|tattoos|tattooed|freckles|freckled|mole|moles|birthmark|acne|"
     "spots|pimples|piercing|piercings|nose ring|nose piercing|lip piercing|eyebrow piercing",
     "scars, tattoos, freckles and piercings are not CelebA attributes; add them by hand"),
    ("white|black|asian|hispanic|latino|latina|caucasian|african|arab|mixed race",
     "ethnicity is not a CelebA attribute (only pale skin is)"),
    ("|".join(_GARMENTS + [f"{c} {g}" for c in _COLOURS for g in _GARMENTS]),
     "clothing is not part of the portrait"),
    ("mask|balaclava|face mask|scarf over his face|scarf over her face",
     "a face covering hides the face; describe what was visible"),
)

_NEGATIONS = ("no not without never nor neither none isn't wasn't aren't weren't doesn't didn't "
              "don't hasn't hadn't haven't won't wouldn't couldn't can't cannot isnt wasnt "
              "arent werent doesnt didnt dont hasnt hadnt havent lacks lacking lacked minus non "
              "remove removed removing")   # "remove the beard": an edit instruction
_BOUNDARIES = "and but although though however whereas while yet so because then also plus"
_SOFT_BOUNDARIES = "with has have had is was are were wears wore wearing sporting"
_FILLER = (_BOUNDARIES + " " + _SOFT_BOUNDARIES + " " +
           "a an the some any this that these those it its they them their there here be been "
           "being am having wear worn dressed in on at of to from for by as like about around "
           "roughly approximately maybe perhaps probably possibly definitely very quite rather "
           "fairly really somewhat slightly heavily kind sort bit little lot lots look looks "
           "looked looking seemed seems appeared appears i me my we our think thought believe "
           "remember saw seen noticed who which or early mid late person suspect individual "
           "someone somebody face hair head eyes eye eyebrows brows nose lips mouth cheeks "
           "going if whether well just um umm erm er uh yeah ok okay hmm cheek chin jaw skin complexion forehead ears ear neck features expression colour "
           "color coloured colored shade type style got sporting than more less much what "
           "would could said say both one add added adding make give put")  # "add glasses", "make him older"


# A later statement after one of these corrects an earlier one ("no glasses ... correction: glasses").
_CORRECTION_CUES = ("correction|corrections|correcting|actually|sorry|no wait|wait|i mean|scratch that|"
                    "make that|on second thought|on second thoughts|on reflection|come to think of it|"
                    "i was wrong|i've changed my mind|changed my mind|update|amendment|i meant|"
                    "let me correct that|now i remember|now i think about it|thinking about it")
# What the witness is unsure of is reported, not drawn ("not sure if he had glasses").
_DOUBT_CUES = ("not sure|unsure|not certain|uncertain|can't remember|cant remember|cannot remember|"
               "don't remember|dont remember|didn't notice|didnt notice|can't recall|cant recall|"
               "don't recall|dont recall|couldn't say|couldnt say|can't say|cant say|don't know|"
               "dont know|couldn't tell|couldnt tell|can't be sure|cant be sure|couldn't see|"
               "couldnt see|didn't see|didnt see|not 100 percent|not a hundred percent")


def _entries(table: Iterable[tuple[str, str]], negatable: bool):
    for phrases, spec in table:
        sense = Sense(_spec(spec), negatable)
        for phrase in phrases.split("|"):
            yield phrase_key(phrase), sense


def build_lexicon(senses_table=_SENSES, person_table=_PERSON,
                  unsupported_table=_UNSUPPORTED, noted_table=_NOTED) -> Lexicon:
    """Assemble and check the tables; raises ValueError on an inconsistent table."""
    senses: dict[Key, Sense] = {}
    noted = [(phrase_key(p), Sense(_spec(spec), True, note))
             for phrases, spec, note in noted_table for p in phrases.split("|")]
    for key, sense in [*_entries(senses_table, True), *noted, *_entries(person_table, False)]:
        for name, _ in sense.effects:
            if name not in ATTRIBUTES or name in _NOT_OFFERED:
                raise ValueError(f"lexicon phrase {' '.join(key)!r}: bad attribute {name!r}")
        if key in senses and senses[key] != sense:
            raise ValueError(f"lexicon phrase {' '.join(key)!r} has two meanings")
        senses[key] = sense
    for noun, adjectives in _PREDICATIVE:
        for adj in adjectives.split():
            sense = senses.get((adj, noun)) or senses.get((adj,))
            if sense is None:
                raise ValueError(f"no sense for {adj!r} {noun!r}")
            for link in _LINKS:
                senses.setdefault((noun, link, adj), sense)
    unsupported: dict[Key, str] = {}
    for phrases, reason in unsupported_table:
        for phrase in phrases.split("|"):
            key = phrase_key(phrase)
            if key in senses:
                raise ValueError(f"phrase {phrase!r} is both understood and unsupported")
            unsupported.setdefault(key, reason)
    words = lambda s: frozenset(s.split())  # noqa: E731
    return Lexicon(
        senses=MappingProxyType(senses), unsupported=MappingProxyType(unsupported),
        negations=words(_NEGATIONS), filler=words(_FILLER), boundaries=words(_BOUNDARIES),
        soft_boundaries=words(_SOFT_BOUNDARIES),
        age_units=words("years year yrs yr yo ish something odd"),
        age_prefixes=words("aged age about around roughly approximately approx circa maybe perhaps "
                           "possibly probably nearly almost over under pushing"),
        correction_cues=frozenset(phrase_key(c) for c in _CORRECTION_CUES.split("|")),
        doubt_cues=frozenset(phrase_key(c) for c in _DOUBT_CUES.split("|")),
        measure_units=words("foot feet ft inches inch cm centimetres centimeters metres meters "
                            "stone st kg kilos pounds lbs lb yards"),
        facial_hair_colours=frozenset(phrase_key(c) for c in FACIAL_HAIR_COLOURS),
        facial_hair_nouns=words(" ".join(FACIAL_HAIR_NOUNS)),
        max_len=max(len(k) for k in [*senses, *unsupported]))


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon (built once; it is immutable)."""
    return build_lexicon()
