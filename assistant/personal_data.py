"""Personal data in a question: find it, say what kind it is, redact it.

Officers type personal data into questions however often they are told not to ("Jayden
Smith, 14, DOB 03/04/2011, missing again from 12 Acacia Road"). Whatever is stored or logged
must be redacted, and the user is warned before the question is answered. This module is the
detector: plain rules, no model, no network, so it runs offline on every question, behaves the
same on every server and can be read and argued with. Its precision and recall are measured
on ``tests/data/personal_data_questions.jsonl`` by ``scripts/bench_personal_data.py``.

Two passes:

1. **Shaped identifiers** (postcodes, phone numbers, NHS numbers...) are found by the regular
   expressions in ``RULES``, some checked further (the NHS check digit, National Insurance
   prefix letters, real day/month numbers) and some only counted next to a context word
   ("crime ref", "custody record", "reg"), because the bare shape is too common.
2. **Names** have no shape, so a capitalised word is a name only with evidence: a title
   ("Mrs Okafor"), a cue ("a girl called Amy"), a relation ("her boyfriend Kieran"), an age
   after it ("Tyler Grant (13)"), an identifier right after it ("Leah Morris DOB ..."), or a
   common first name ("Jayden Smith has gone missing"). Words of the field that are written
   with capitals ("Children Act", "Thorpe Wood", "Appropriate Adult") are never name words.

Overlapping findings are resolved by rule priority, then length; results are sorted and never
overlap. Erring towards redaction is the safe side: a false alarm costs the officer a click,
a miss puts personal data in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

NAME = "NAME"
AGE = "AGE"
DOB = "DOB"
ADDRESS = "ADDRESS"
POSTCODE = "POSTCODE"
PHONE = "PHONE"
EMAIL = "EMAIL"
NI_NUMBER = "NI_NUMBER"
NHS_NUMBER = "NHS_NUMBER"
PNC_ID = "PNC_ID"
REFERENCE = "REFERENCE"  # crime reference, occurrence, incident log, custody record numbers
VEHICLE_REG = "VEHICLE_REG"
KINDS = (NAME, AGE, DOB, ADDRESS, POSTCODE, PHONE, EMAIL, NI_NUMBER, NHS_NUMBER, PNC_ID,
         REFERENCE, VEHICLE_REG)


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Rule:
    """A pattern for one kind. The span is the named group ``v`` if the pattern has one
    (the context word stays readable), else the whole match. Higher priority wins overlaps."""

    kind: str
    pattern: re.Pattern[str]
    priority: int
    validate: Callable[[str], bool] | None = None


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_NUMERIC_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
_WRITTEN_DATE = (rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(?:\d{{4}}|'?\d{{2}})"
                 rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}")
_DOB_CUE = r"\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?|birthday(?:\s+is)?)"
# Postcode: every outward-code shape (A9, A99, A9A, AA9, AA99, AA9A) with the letters each
# position may hold, then the inward code (never C, I, K, M, O or V: so "7am" is not one).
_POSTCODE = (r"(?:GIR\s?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
             r"\s?[0-9][ABD-HJLNP-UW-Z]{2})")
# National Insurance: no D, F, I, Q, U, V in the prefix, no O second, some pairs never issued.
_NINO = (r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?:[\s-]?\d{2}){3}")
_STREET = (r"(?:Road|Rd|Street|St|Avenue|Ave|Close|Lane|Ln|Drive|Dr|Way|Court|Ct|Crescent|Cres|"
           r"Place|Pl|Gardens|Gdns|Terrace|Grove|Hill|Row|Walk|Mews|Square|Sq|Park|Rise|View|"
           r"Green|Parade|Boulevard|Vale|Gate|Wharf|Yard|Chase|Croft|Meadows?|Fields?|Heights|"
           r"Broadway|Embankment|Esplanade|Promenade|Passage|Wynd)")
_STREET_LOWER = (r"(?:road|rd|street|avenue|ave|lane|close|drive|crescent|gardens|terrace|grove|"
                 r"mews)")
_FLAT = r"(?:(?i:flat|apartment|apt|unit|room)\s+\d{1,4}[A-Za-z]?,?\s+(?:at\s+)?)?"
_VEHICLE_CUE = (r"(?i:\b(?:reg(?:istration)?|vrm|index|plates?|car|van|vehicle|motorbike|moped|"
                r"taxi|lorry|truck)\b)[^.?!]{0,30}?")
_PLATE_CUE = (r"(?i:\b(?:reg(?:istration)?|vrm|index|plates?)\b)"
              r"(?:\s+(?:no\.?|number|mark|is|was|:))*\s*")
_REF_CUE = (r"\b(?:crime(?:\s+ref(?:erence)?)?|crn|urn|occurrence|occ|oel|athena|niche|"
            r"custody(?:\s+(?:record|ref(?:erence)?))?|ref(?:erence)?)"
            r"(?:\s*(?:ref(?:erence)?|no\b\.?|number|num|nr|id|is|was|[:#]))*\s*")
_LOG_CUE = r"\b(?:incident(?:\s+log)?|log|cad|storm(?:\s+log)?)(?:\s*(?:no\b\.?|number|ref|#))?\s*"
_NOT_YEAR = r"(?!(?:19|20)\d{2}\b)"


def _date_ok(value: str) -> bool:
    """Numeric dates must have a real day and month (UK order); written ones are trusted."""
    parts = re.split(r"[/.-]", value)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return True
    day, month = int(parts[0]), int(parts[1])
    return 1 <= day <= 31 and 1 <= month <= 12


def _nhs_check_digit_ok(value: str) -> bool:
    """Modulus 11: weights 10..2 on the first nine digits; 11 means 0, 10 is never issued."""
    digits = [int(c) for c in value if c.isdigit()]
    if len(digits) != 10:
        return False
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]


def _not_a_court(value: str) -> bool:
    """"at 10 Peterborough Magistrates Court" is a hearing, not a home."""
    return not re.search(r"\b(?:Magistrates'?|Crown|Family|County|Youth|Coroners?'?s?|Appeal|"
                         r"Combined|High|Supreme)\s+Court\b", value)


_COUNTED = frozenset("""minutes mins hours hrs days weeks months years miles yards metres doors
houses officers children kids people times cars buses""".split())


def _street_name_ok(value: str) -> bool:
    """"12 acacia road" is an address; "5 minutes drive" and "3 nights on the road" are not."""
    words = value.lower().replace(",", " ").split()[1:-1]
    return not any(w in STOPWORDS or w in _COUNTED for w in words)


def _has_four_digits(value: str) -> bool:
    return sum(c.isdigit() for c in value) >= 4


def _rule(kind: str, pattern: str, priority: int, flags: int = 0,
          validate: Callable[[str], bool] | None = None) -> Rule:
    return Rule(kind, re.compile(pattern, flags), priority, validate)


# --------------------------------------------------------------------------------------------
# The shaped identifiers, in one table
# --------------------------------------------------------------------------------------------
RULES: tuple[Rule, ...] = (
    _rule(EMAIL, r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
          100),
    # Reference numbers are bare digits, so they count only after a context word.
    _rule(REFERENCE, rf"{_REF_CUE}(?P<v>{_NOT_YEAR}(?:[A-Z]{{1,4}}/?)?\d[\d/-]*\d)(?![\w/])", 90,
          re.I, _has_four_digits),
    _rule(REFERENCE, rf"{_LOG_CUE}(?P<v>\d{{1,6}}\s+of\s+\d{{1,2}}(?:st|nd|rd|th)?"
                     rf"(?:[/.]\d{{1,2}}(?:[/.]\d{{2,4}})?|\s+{_MONTH}))", 90, re.I),
    _rule(REFERENCE, rf"{_LOG_CUE}[:#]?\s*(?P<v>{_NOT_YEAR}\d{{4,}}(?:/\d{{2,4}})?)(?![\w/])", 90,
          re.I),
    _rule(NHS_NUMBER, r"\bnhs(?:\s*(?:no\b\.?|number|num|#))?[\s:]*(?:is\s+)?"
                      r"(?P<v>\d{3}[\s-]?\d{3}[\s-]?\d{4})(?!\d)", 90, re.I),
    _rule(NI_NUMBER, rf"\b(?:NI|N\.I\.|NINO|national\s+insurance)(?:\s+(?:no\b\.?|number|num))?"
                     rf"[\s:#]*(?:is\s+)?(?P<v>{_NINO}(?:[\s-]?[A-D])?)(?![A-Za-z0-9])", 90, re.I),
    # Police shapes: "CR/45210/23", "CF0345678/22", PNC IDs "09/123456K", CRO "456789/12X".
    _rule(REFERENCE, r"(?<![\w/])[A-Z]{1,3}/\d{3,10}/\d{2,4}(?![\w/])", 80),
    _rule(REFERENCE, r"(?<![\w/])[A-Z]{1,3}\d{5,10}/\d{2,4}(?![\w/])", 80),
    _rule(PNC_ID, r"(?<![\w/])(?:\d{2}|(?:19|20)\d{2})/\d{4,7}[A-Z](?![\w/])", 80, re.I),
    _rule(PNC_ID, r"(?<![\w/])\d{4,6}/\d{2}[A-Z](?![\w/])", 80, re.I),
    _rule(NI_NUMBER, rf"(?<![A-Za-z0-9]){_NINO}[\s-]?[A-D](?![A-Za-z0-9])", 75, re.I),
    _rule(POSTCODE, rf"(?<![A-Za-z0-9]){_POSTCODE}(?![A-Za-z0-9])", 70, re.I),
    # UK numbers: 0 or +44/0044, then 1, 2, 3 (geographic, non-geographic) or 7 (mobile),
    # 10 or 11 digits in all; spaces, dashes and brackets anywhere. Not 0800, 101 or 999.
    _rule(PHONE, r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(?0)[1237]"
                 r"(?:[\s-]?\)?[\s-]?\d){8,9}(?!\d)", 70),
    # Vehicles: the current format is exact enough alone (no I or Q; an age identifier that
    # exists); older prefix and suffix formats look like words and acronyms, so need a cue.
    _rule(VEHICLE_REG, r"(?<![A-Za-z0-9])[A-HJ-PR-Y][A-HJ-PR-Y](?:0[2-9]|[1-9]\d)\s?"
                       r"[A-HJ-PR-Z]{3}(?![A-Za-z0-9])", 65, re.I),
    _rule(VEHICLE_REG, rf"{_VEHICLE_CUE}(?<![A-Za-z0-9])(?P<v>[A-HJ-NPR-TV-Y]\d{{1,3}}\s?"
                       rf"[A-HJ-PR-Y]{{3}})(?![A-Za-z0-9])", 65),
    _rule(VEHICLE_REG, rf"{_VEHICLE_CUE}(?<![A-Za-z0-9])(?P<v>[A-HJ-PR-Y]{{3}}\s?\d{{1,3}}"
                       rf"[A-HJ-NPR-TV-Y])(?![A-Za-z0-9])", 65),
    _rule(VEHICLE_REG, rf"{_PLATE_CUE}(?P<v>[A-HJ-NPR-TV-Y]\d{{1,3}}\s?[A-HJ-PR-Y]{{3}}|"
                       rf"[A-HJ-PR-Y]{{3}}\s?\d{{1,3}}[A-HJ-NPR-TV-Y])(?![A-Za-z0-9])", 65, re.I),
    # Dates of birth: any date after a DOB cue; any full d/m/yyyy date even without one.
    _rule(DOB, rf"{_DOB_CUE}[\s:,(-]*(?:(?:is|was|of|as|in|on)\s+)?"
               rf"(?P<v>{_NUMERIC_DATE}|{_WRITTEN_DATE}|{_MONTH}\.?\s+(?:19|20)\d{{2}})(?![\d/])",
          60, re.I, _date_ok),
    _rule(DOB, r"\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth)[\s:]*(?:is\s+)?(?P<v>(?:19|20)\d{2})\b",
          60, re.I),
    _rule(DOB, r"(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}(?![\d/.-])", 60, 0, _date_ok),
    # Addresses: a house number and a street word, or a street after "lives on/at".
    _rule(ADDRESS, rf"{_FLAT}\b\d{{1,4}}[A-Za-z]?,?\s+(?:(?:The|St\.?|Saint)\s+)?"
                   rf"(?:[A-Z][a-z']+[\s-]){{1,3}}{_STREET}\b", 55, 0, _not_a_court),
    _rule(ADDRESS, rf"{_FLAT}\b\d{{1,4}}[A-Za-z]?,?\s+(?:The\s+{_STREET}|Broadway|Embankment|"
                   rf"Esplanade|Promenade|Boulevard|[A-Z][a-z]+gate)\b", 55),  # "27 Westgate"
    _rule(ADDRESS, rf"\b\d{{1,4}}[a-z]?,?\s+(?:[a-z']+\s+){{1,2}}{_STREET_LOWER}\b", 55, re.I,
          _street_name_ok),
    _rule(ADDRESS, rf"(?i:\b(?:lives|living|live|staying|stays|resides|residing|address(?:\s+is)?|"
                   rf"moved)\s+(?:at|on|in|to)?\s*)(?P<v>(?:[A-Z][a-z']+\s){{1,3}}{_STREET})\b",
          55, 0, _not_a_court),
    # "4 The Paddocks, Ely": a house number and a named close, not "page 4 The report ...".
    _rule(ADDRESS, r"(?<!\w)(?<!(?i:page|para|part|step|code|tier|year|item) )"
                   r"(?<!(?i:level|stage|phase|annex|table|point|grade) )(?<!(?i:chapter|section) )"
                   r"(?P<v>\d{1,4}[A-Za-z]?,?\s+The\s+[A-Z][a-z]+)(?=\s*(?:[,.;]|$|\s[-–—]))", 55),
    # A street without a number, after a preposition: "she lives with her aunt on Cromwell
    # Road". Only street words that are rarely anything else.
    _rule(ADDRESS, r"(?i:\b(?:on|at|in|from|off|near|along|down|to)\s+)(?P<v>(?:[A-Z][a-z']+\s)"
                   r"{1,2}(?:Road|Street|Avenue|Lane|Close|Drive|Crescent|Gardens|Terrace|Grove|"
                   r"Mews|Way))\b", 55, 0, _not_a_court),
    _rule(NHS_NUMBER, r"(?<![\d+])\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)", 50, 0, _nhs_check_digit_ok),
)
NAME_PRIORITY = 40

# --------------------------------------------------------------------------------------------
# Names: context patterns and word lists
# --------------------------------------------------------------------------------------------
_NAME_WORD = re.compile(r"(?:(?:Ma?c|O'|D')(?=[A-Z]))?[A-Z][a-z]+(?:-[A-Z][a-z]+)*$")
_CAPS_SURNAME = re.compile(r"[A-Z]{2,}(?:-[A-Z]{2,})*$|[A-Z]$")  # "Jayden SMITH", "Oliwia K"
_SURNAME_SHAPE = re.compile(r"^(?:o'|mc)\w|(?:ski|ska|cki|cka|wicz|czyk|czak|escu|enko|ovic|ová)$")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TITLE_BEFORE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master|Sir|Dame|Lady|Lord|Cllr|Councillor|Prof|PC|DC|PS|DS|DI|"
    r"DCI|DSI|Sgt|Insp|Det|Detective|Sergeant|Inspector|Constable|Superintendent)\.?\s+$")
_CUE_BEFORE = re.compile(
    r"\b(?:called|named|name\s+is|name's|known\s+as|nicknamed|goes\s+by|aka|a\.k\.a\.?|"
    r"calls\s+(?:him|her|them)self)\s+$", re.I)
_RELATIONS = (
    r"son|daughter|brother|sister|brothers|sisters|siblings?|mum|mom|mother|dad|father|"
    r"step-?dad|step-?father|step-?mum|step-?mother|partner|ex-?partner|ex|boyfriend|girlfriend|"
    r"husband|wife|uncle|aunt|auntie|nan|nana|gran|grandma|grandad|grandfather|grandmother|cousin|"
    r"nephew|niece|friend|carer|neighbour|victim|suspect|offender|informant|complainant|witness|"
    r"child|baby|boy|girl|lad|kid|toddler|teenager|pupil")
_RELATION_BEFORE = re.compile(
    rf"\b(?P<rel>{_RELATIONS})(?:'s)?(?P<sep>,|\s+(?:is|was)|\s*:|\s*\()?\s*$", re.I)
# An age attached to a name: "Jayden Smith, 14," "Tyler (13)", "Kieran aged 19", "Ellis 15yrs".
_AGE_AFTER = re.compile(
    r"(?P<sep>\s*,\s*(?:aged?\s+)?|\s*\(\s*(?:aged?\s+)?|\s+aged?\s+|\s+)"
    r"(?P<age>\d{1,2}(?!\d)(?:\s*(?:and|&)\s*\d{1,2}(?!\d))*"  # "8 and 10"
    r"(?P<unit>\s*(?:yrs?|years?(?:[\s-]old)?|y/?o|yo)\b)?)(?P<close>\s*\))?")
# After a bare number, what shows it is an age: punctuation, or a verb ("Kayden Brooks, 15,
# missing", "Sophia Lewandowska 13 disclosed"), not a noun ("In Littleport, 12 children").
_AGE_END = re.compile(
    r"\s*(?:[,.;:!?)\-–—]|$)|\s+(?:and|is|was|has|had|who|from|of|with|at|in|on|to|lives|living|"
    r"missing|dob|d\.o\.b|born|keeps|says|said|told|goes|went|gets|got|refuses|wants|"
    r"[a-z]+(?:ed|ing))\b", re.I)
# Between a name and an identifier of that person: "Leah Morris DOB ...", "Jade Wilson 0770...".
_ADJACENT_GAP = re.compile(
    r"\s*[,(]?\s*(?:[-–—]\s*)?(?:(?:who\s+)?(?:lives|living|staying|resides|residing)\s+at\s+|"
    r"of\s+|at\s+|from\s+|(?:with\s+)?(?:d\.?o\.?b\b\.?|date\s+of\s+birth|born(?:\s+on)?)[\s:]*|"
    r"(?:nhs|ni|pnc)(?:\s+(?:no\b\.?|number|id))?[\s:]*|(?:mob(?:ile)?|tel|phone|email)[\s:]*)?\s*$",
    re.I)
_ADJACENT_KINDS = frozenset({DOB, ADDRESS, PHONE, EMAIL, NI_NUMBER, NHS_NUMBER, PNC_ID})
# "Clare's Law", "Lucy Faithfull Foundation", "Jasmine Close": a person's name inside the name
# of a thing.
_THINGS = (r"(?:Law|Act|Foundation|Trust|Centre|Center|Inquiry|Review|House|Hospital|School|"
           r"Academy|College|Charity|Report|Unit|Team|Council|Station|Ward|Practice|Surgery|"
           r"Service|Services|Project|Principle|Rule|Syndrome)")
_THING_AFTER = re.compile(
    rf"(?:'s|’s)?\s+(?:{_THINGS}|{_STREET})\b|\s+(?:guidelines|guidance|competence|principles?|"
    r"test|criteria|ruling|judge?ment|report|review|inquiry|protocol|scheme|law|syndrome)\b")
_THING_WORD = re.compile(rf"{_THINGS}$")
_SENTENCE_END = re.compile(r"(?:^|[.!?;:\n]|\s[-–—])[\s\"'‘“(]*$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that are not names in this field: question words, roles and relations,
# titles, places in and around the force area, organisations and laws, acronyms.
STOPWORDS = _words("""
a an the and or but if of in on at to for from by with without about into onto over under
after before between during since until within via per is are was were be been being am do
does did done have has had can could should would will shall may might must need needs i me
my we our us you your he him his she her they them their it its this that these those there
here what whats when where which who whom whose why how yes no not all any some each every
both either neither more most much many few other another such same so than too very just
also only even still yet again ever never always often please thanks thank hi hello ok okay
dear re fw fwd new old first second third last next
today tomorrow yesterday tonight morning afternoon evening night monday tuesday wednesday
thursday friday saturday sunday january february march april may june july august september
october november december jan feb mar apr jun jul aug sep sept oct nov dec weekend week month
year years
police constabulary force officer officers sergeant inspector constable detective chief
superintendent supt sgt insp det pcso custody suite cell child children child's children's kid
kids baby babies infant toddler boy girl lad young youth juvenile juveniles adult adults
appropriate social worker workers care services service team unit hub desk court courts crown
magistrates family county high coroner act acts law laws section sections part schedule article
code codes regulation regulations guidance policy procedure procedures protocol framework
standard standards together working protection safeguarding safeguard partnership partnerships
board boards local authority authorities council city government home office national crime
agency prosecution criminal evidence association college inspection inspectorate majesty
majesty's royal strategic policing requirement rescue fire railway cadets volunteer
independent visiting open pause point early help health hospital gp school schools academy
nursery designated lead referral mechanism operation mental capacity practice review panel
serious case domestic abuse violence sexual exploitation missing level pathway form forms report
reports recommendation recommendations chapter annex appendix page trainer training scenario
study quiz question questions answer answers insurance number reference record address
postcode phone mobile email car van vehicle reg incident occurrence log check stop search
mum mom mother dad father stepdad stepfather stepmum stepmother parent parents partner boyfriend
girlfriend husband wife uncle aunt auntie nan nana nanny gran granny grandma grandad grandpa
grandfather grandmother grandparents grandparent cousin nephew niece brother brothers sister
sisters sibling siblings son sons daughter daughters friend friends carer carers foster
neighbour neighbours victim victims suspect suspects offender offenders informant complainant
witness witnesses teacher headteacher head nurse doctor paramedic paramedics midwife visitor
solicitor lawyer judge magistrate clerk manager supervisor
mr mrs ms miss mx dr master sir dame lady lord cllr councillor prof professor
cambridgeshire cambs peterborough cambridge huntingdon huntingdonshire ely wisbech whittlesey
chatteris ramsey st ives neots soham fenland bretton orton werrington yaxley hampton parkside
thorpe wood hinchingbrooke addenbrooke's addenbrookes norfolk suffolk essex bedfordshire
hertfordshire lincolnshire northamptonshire london england wales scotland britain british
english great united kingdom europe
mash dash rso rsos cse cce da dv dva aa abe pace mg gdpr dwp cms cps caiu polit marac idva
dvpn dvpo rhi thrive lado edt epo sgo fmpo cp cin cpp nrm nca ppo pnc cro id ni nino vrm dob
crn urn cad asap fyi dbs nspcc hmicfrs hmic mosovo visor arms npcc pvp nfa sar rasso isva sarc
uk nhs ae yo
polish romanian lithuanian latvian bulgarian portuguese somali eritrean afghan albanian
vietnamese chinese indian pakistani bangladeshi nigerian irish scottish welsh european african
caribbean christmas easter protocol
""")

# Common surnames in the UK, for a capitalised pair with no other context ("Precious Adeyemi").
# Surnames that are everyday nouns (Green, Hill, King, Cross, Hall, Day, Long...) are left out:
# "Village Green", "Red Cross" and "Town Hall" are not people.
SURNAMES = _words("""
smith jones williams brown taylor davies evans wilson thomas johnson roberts robinson thompson
wright walker white edwards hughes lewis harris clarke patel jackson turner martin cooper ward
morris moore clark baker harrison morgan allen james scott phillips watson davis parker price
bennett griffiths mitchell kelly richardson bailey collins murphy miller richards khan marshall
anderson simpson ellis adams singh begum wilkinson foster chapman powell webb rogers gray mason
ali hunt hussain campbell matthews owen palmer holmes mills barnes knight lloyd butler russell
barker fisher stevens jenkins murray dixon harvey graham pearson ahmed fletcher walsh kaur
gibson howard andrews stewart elliott reynolds saunders payne pearce lawrence cole atkinson
bradley spencer gill dawson burton watts booth perry ryan grant wells armstrong francis rees
hayes hart hudson newman barrett webster hunter gregory carr lowe dunn woods parsons berry reid
holland hawkins harding porter robertson newton kennedy williamson gardner shah dean cooke bates
henderson parry burgess bishop walton burns nicholson shepherd ross freeman warren nicholls
hamilton byrne sutton mcdonald yates hodgson robson curtis hopkins o'connor harper coleman
watkins moss mccarthy chambers o'neill griffin sharp hardy wheeler potter osborne johnston
gordon doyle wallace hutchinson nowak kowalski wisniewski wojcik kaminski lewandowski mahmood
akhtar iqbal rahman islam uddin miah okafor adeyemi mensah okonkwo ibrahim mohamed abdi yusuf
popescu ionescu kaya yilmaz nguyen tran wong chen o'brien o'sullivan mcdonnell mckenzie
mcgregor fraser boyd hassan hussein mohammed mahamud osman farah warsame jama noor aziz
rashid hamid malik qureshi chaudhry butt bibi akter
""")

# Common first names in the UK, for names with no other context ("Jayden Smith has gone
# missing"). Names that are also everyday words (Will, May, Mark, Hope, Grace, Summer...) are
# left out on purpose: they would flag ordinary sentences.
FIRST_NAMES = _words("""
oliver george harry noah jack jacob leo oscar charlie muhammad mohammed mohammad mohamed ahmed
ali omar yusuf ibrahim hamza adam ayaan arjun rohan aarav ravi sanjay raj amir bilal imran tariq
zain zak zac zachary thomas james william henry alfie freddie archie theo theodore arthur joshua
daniel samuel joseph benjamin ben lucas logan ethan mason liam callum connor kieran kyle jayden
brandon tyler ryan dylan lewis luke reece rhys riley bailey harvey louie louis toby finley
finlay jake jamie josh sam ellis elliot elliott aiden aidan caleb cameron corey declan dominic
edward eddie elijah ewan fraser gabriel isaac jenson joel jude kai kian leon lennon luca marcus
matthew michael nathan nathaniel nicholas owen patrick peter paul ronnie rory sebastian stanley
stephen steven stuart tommy tom tobias tyrone wayne darren dean craig gary lee carl scott shane
andrew anthony tony kevin keith neil ian simon martin colin david dave chris christopher
richard robert robbie john johnny jon jonathan jason jamal jerome kane kacper jakub szymon
filip mateusz piotr tomasz lukasz oskar dawid bartosz mihai andrei ionut mustafa abdi abdullahi
hassan hussein ahmad faisal kwame kofi chinedu emeka tunde dwayne jermaine marlon leroy reggie
olivia amelia isla ava mia lily sophia sophie isabella isabelle freya emily ella poppy evie
charlotte millie daisy sienna evelyn luna alice phoebe chloe jessica jess ruby maisie matilda
elsie rosie molly megan hannah holly lucy katie kate emma laura sarah rachel rebecca becky
jennifer jenny nicola nikki michelle kelly kerry karen tracy tracey sharon donna lisa julie
claire clare helen joanne jo amanda samantha danielle leanne gemma stacey jade courtney paige
shannon bethany abbie abigail amy leah keira kayla jasmine aaliyah aisha ayesha fatima maryam
zara zainab amina khadija layla leila noor priya anjali sana simran harleen jasleen gurpreet
nadia natalia natasha oliwia zuzanna julia wiktoria maja amelie lena hanna alexandra ioana elena
maria ana anna eva tia tiana tanisha shanice chantelle demi kayleigh kirsty lauren naomi nicole
stephanie imogen isabel jodie katherine catherine kathryn louise lydia madison mollie niamh orla
erin eilidh caitlin ellie esme harriet heidi lacey lexi lola libby macy martha mya maya robyn
scarlett skye talia thea violet zoe zoey sue susan jane janet mary margaret sandra debbie
deborah angela tina wendy linda shirley beverley denise jackie jacqueline kim kimberley toni
pauline patricia christine elaine lorraine gillian janice maureen brenda barbara yvonne diane
sheila joan valerie ann anne annie marie rita irene alan brian roger terry trevor derek
malcolm barry kenneth roy dennis nigel philip phil clive adrian alex alexander alexa alexis
andreea bianca alina mihaela daria agnieszka katarzyna magdalena ionela gabriela sean shaun
shauna dariusz krzysztof marek pawel vasile florin bogdan cristian marius liviu fatuma
hodan ayan abdirahman mahad mohamud ikram hamid rashid sadia nasreen shabana rukhsana
""")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int  # of the word, without a possessive "'s"
    word: str
    possessive: bool

    @property
    def key(self) -> str:
        return self.word.lower()

    @property
    def first_part(self) -> str:  # "Isla-Rose" is a first name if "isla" is
        return self.key.split("-")[0]


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        word, possessive = m.group(), False
        if word[-2:] in ("'s", "’s"):
            word, possessive = word[:-2], True
        word = word.rstrip("'’-")
        if word:
            out.append(_Token(m.start(), m.start() + len(word), word, possessive))
    return out


def _is_name_word(token: _Token, first: bool) -> bool:
    if token.key in STOPWORDS or token.first_part in STOPWORDS:
        return False
    if _NAME_WORD.match(token.word) or (token.word.isupper() and token.key in FIRST_NAMES):
        return True  # "JAYDEN SMITH" too
    return not first and bool(_CAPS_SURNAME.match(token.word))


def _runs(text: str, tokens: list[_Token]) -> Iterator[list[_Token]]:
    """Maximal runs of capitalised name words separated by single spaces."""
    run: list[_Token] = []
    for tok in tokens:
        joined = (run and not run[-1].possessive and text[run[-1].end:tok.start] == " "
                  and _is_name_word(tok, first=False))
        if joined:
            run.append(tok)
            continue
        if run:
            yield run
        run = [tok] if _is_name_word(tok, first=True) else []
    if run:
        yield run


def _relation_before(text: str, start: int) -> bool:
    """"her boyfriend Kieran", "Dad, Wayne", "suspect is Marek"; not "a Child Abduction
    Warning Notice", where the role word is only part of a title-case phrase."""
    m = _RELATION_BEFORE.search(text[:start])
    if not m:
        return False
    title_case = m.group("rel")[0].isupper() and not m.group("sep")
    return not (title_case and not _SENTENCE_END.search(text[:m.start()]))


def _surname(run: list[_Token]) -> bool:
    """A known surname, or a surname shape ("-ski", "-wicz"), after a capitalised word."""
    last = run[-1]
    parts = last.key.split("-")  # "Thompson-Reid"
    return len(run) > 1 and any(p in SURNAMES or _SURNAME_SHAPE.search(p) for p in parts)


def _age_after(text: str, end: int, tokens: int) -> Finding | None:
    m = _AGE_AFTER.match(text, end)
    if not m:
        return None
    bracketed = "(" in m.group("sep") and m.group("close")
    loose = not (m.group("unit") or bracketed or "age" in m.group("sep").lower())
    if loose and (not _AGE_END.match(text, m.end()) or (m.group("sep").isspace() and tokens < 2)):
        return None
    return Finding(AGE, m.start("age"), m.end("age"), m.group("age"))


def _adjacent(text: str, end: int, shaped: list[Finding]) -> bool:
    return any(f.kind in _ADJACENT_KINDS and f.start >= end and f.start - end <= 40
               and _ADJACENT_GAP.match(text[end:f.start]) for f in shaped)


def _name_findings(text: str, shaped: list[Finding]) -> list[Finding]:
    tokens = _tokens(text)
    found: list[Finding] = []
    for run in _runs(text, tokens):
        before = text[:run[0].start]
        sentence_start = bool(_SENTENCE_END.search(before) and not _TITLE_BEFORE.search(before))
        if sentence_start and len(run) > 1 and re.search(r"(?:ed|ing|ly)$", run[0].key):
            run = run[1:]  # "Attended Acacia ...", "Arrested Kyle Brown"
            sentence_start = False
        if len(run) > 3 or _THING_AFTER.match(text, run[-1].end) or _THING_WORD.match(run[-1].word):
            continue
        start, end = run[0].start, run[-1].end
        before = text[:start]
        known_first = run[0].first_part in FIRST_NAMES
        age = _age_after(text, end, len(run))
        if sentence_start and len(run) == 1 and not known_first:
            continue  # "Overall, 14." "Check 4860913906?": a capital opens every sentence
        evidence = (_TITLE_BEFORE.search(before) or _CUE_BEFORE.search(before)
                    or _relation_before(text, start) or known_first or age or _surname(run)
                    or ((len(run) > 1 or known_first) and _adjacent(text, end, shaped)))
        if evidence:
            found.append(Finding(NAME, start, end, text[start:end]))
            if age:
                found.append(age)
    found.extend(_lowercase_names(text, tokens))
    return found


def _lowercase_names(text: str, tokens: list[_Token]) -> Iterator[Finding]:
    """Names typed in lower case ("a lad called jayden smith, 14"), only with a cue or age."""
    for i, tok in enumerate(tokens):
        if not tok.word.islower() or tok.key not in FIRST_NAMES:
            continue
        end = tok.end
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (nxt and nxt.word.islower() and nxt.key not in STOPWORDS and len(nxt.word) > 2
                and text[tok.end:nxt.start] == " " and _age_after(text, nxt.end, 2)):
            end = nxt.end  # a lower-case surname, when an age follows it
        age = _age_after(text, end, 2 if end != tok.end else 1)
        before = text[:tok.start]
        if _CUE_BEFORE.search(before) or _relation_before(text, tok.start) or age:
            yield Finding(NAME, tok.start, end, text[tok.start:end])
            if age:
                yield age


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def _shaped_candidates(text: str) -> Iterator[tuple[int, Finding]]:
    for rule in RULES:
        for m in rule.pattern.finditer(text):
            group = "v" if "v" in rule.pattern.groupindex else 0
            start, end = m.span(group)
            value = m.group(group)
            if start == end or (rule.validate and not rule.validate(value)):
                continue
            yield rule.priority, Finding(rule.kind, start, end, value)


def _resolve(candidates: list[tuple[int, Finding]]) -> list[Finding]:
    """Keep the highest-priority, then longest, findings that do not overlap."""
    kept: list[Finding] = []
    for _, f in sorted(candidates, key=lambda c: (-c[0], -(c[1].end - c[1].start), c[1].start)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def detect(text: str) -> list[Finding]:
    """Every piece of personal data found in ``text``, sorted by position, never overlapping."""
    shaped = _resolve(list(_shaped_candidates(text)))
    names = [(NAME_PRIORITY, f) for f in _name_findings(text, shaped)]
    return _resolve([(100, f) for f in shaped] + names)


def redact(text: str) -> str:
    """``text`` with each finding replaced by its kind in brackets, e.g. ``[POSTCODE]``."""
    out, last = [], 0
    for f in detect(text):
        out.append(text[last:f.start])
        out.append(f"[{f.kind}]")
        last = f.end
    out.append(text[last:])
    return "".join(out)


def contains_personal_data(text: str) -> bool:
    """Whether the user should be warned before ``text`` is answered."""
    return bool(detect(text))
