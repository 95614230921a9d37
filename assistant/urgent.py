"""Immediate risk: a child in danger now gets "act now" before any guidance.

An officer who types "baby not breathing" or "he's going to take the kids now and hurt them"
must not have to read cited paragraphs first. Such questions get a fixed reply (call 999 or
use the radio, tell a supervisor, police protection powers under Children Act 1989 s46),
shown above whatever guidance follows. The reply lives in ``prompts/urgent_reply.md``.

Detection is by rules, so it is instant, offline and predictable. A question is urgent when
it describes harm happening or about to happen, not when it asks about risk in general:

- a danger state that is urgent by itself ("not breathing", "knife to his throat", "locked in
  a car", "on the bridge threatening to jump", "swallowed a battery"), or a person who has
  collapsed, is not moving or is fitting;
- harm in progress ("is being hurt", "dad is beating his son") or threatened ("going to hurt
  them", "she'll kill herself tonight"), to a child or a person;
- a weapon or an intruder where there are children; a drunk driver, cries of distress or a
  child being taken, with a child and a "now" cue.

It is not urgent when it is framed as training ("scenario", "quiz"), or, without a "now" cue,
describes the past ("last night"), asks in general ("what should I do if ...", "what's the law
on ..."), or (unless the danger is urgent by itself) asks about "a child who ...". Measured on
``tests/data/urgent_questions.jsonl`` by ``scripts/bench_personal_data.py``. A false alarm
costs a few lines above a good answer; a miss costs time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
URGENT_REPLY_PROMPT = "urgent_reply"

_CHILD = (r"\b(?:child|children|kids?|baby|babies|infant|newborn|toddlers?|boys?|girls?|lad|"
          r"son|daughter|teen|teens|teenager|juvenile|youngster|minor|pupil|"
          r"\d{1,2}[\s-]?(?:years?|yrs?)[\s-]?old|\d{1,2}\s?y/?o)\b")
_PERSON = rf"(?:{_CHILD}|\b(?:he|she|they|him|her|them|his|someone|somebody)\b)"
_CHILD_RE = re.compile(_CHILD)
_PERSON_RE = re.compile(_PERSON)
_SELF = r"(?:him|her|them|my|your|our)sel(?:f|ves)"
_HARM_VERB = (r"(?:hurt|harm|kill|murder|stab|shoot|strangle|choke|smother|suffocate|beat|batter|"
              r"attack|hit|rape|abuse|burn|torch|set fire|drown|hang|jump|drop|throw|snatch|"
              r"abduct|run off with|cut|slit|poison|shake|starve|do something to|"
              r"take (?:the |her |his |my |their |them |him )?(?:kids|children|child|baby|son|"
              r"daughter|boy|girl|them|him|her)\b)")

# Urgent by itself: life at risk in the present, whoever is asking.
_DANGER_STATE = re.compile(
    r"\bnot breathing|\bstopped breathing|\bisn'?t breathing|\bcan'?t breathe|\bunconscious\b|"
    r"\bunresponsive\b|\b(?:gone|going|turning|turned) blue\b|\bblue and floppy|\bfloppy\b|"
    r"\bchoking\b|\bdrowning\b|\bligature\b|\bhanging (?:from|in|off)\b|"
    r"\b(?:round|around) (?:his|her|their|the|a) (?:[\w-]+'s )?(?:neck|throat)\b|\boverdosed\b|"
    r"\b(?:bag|pillow|hand|cushion) over (?:his|her|its|their|the) (?:[\w-]+'s )?(?:head|face|"
    r"mouth)\b|\bwon'?t let (?:her|him|them|me) (?:out|go|leave)\b|"
    r"\blocked in (?:a|the|his|her|their) (?:room|bedroom|cupboard|shed|boot|cellar)\b|"
    r"\b(?:baby|babies|toddlers?|infants?|newborn|young (?:child|children|kids))\b[^.?!]{0,30}"
    r"\b(?:left alone|home alone|on (?:its|his|her|their) own)\b|"
    r"\b(?:taken|swallowed|had|drunk|ingested|eaten)\b[\w\s]{0,30}?\b(?:overdose|paracetamol|"
    r"pills|tablets|meds|medication|methadone|drugs|bleach|poison|cocaine|heroin|battery|"
    r"batteries|magnets?)\b|"
    r"\bon fire\b|\bburning (?:car|house|flat|building|vehicle)\b|\btrapped (?:in|under|inside)\b|"
    r"\bbleeding (?:heavily|badly|a lot|out)\b|\bfallen (?:into|in) (?:a|the) (?:pond|river|canal|"
    r"lake|pool|water)\b|"
    r"\b(?:holding|dangling|hanging) (?:the|a|her|his|my|their) (?:baby|child|kid|toddler|son|"
    r"daughter) (?:over|out of|off)\b|"
    r"\b(?:has|'s|have|'ve) (?:just )?been (?:stabbed|shot|run over|hit by a car)\b|"
    r"\b(?:knife|blade|gun|weapon) (?:to|at|against) (?:his|her|their|the|my) (?:throat|neck|head)|"
    r"\b(?:locked|left|trapped|shut) in (?:a|the|his|her|their) (?:hot )?(?:car|vehicle|van)\b|"
    r"\b(?:on|standing on|at the edge of) (?:a|the) (?:bridge|roof|ledge|railway|tracks|cliff)\b|"
    r"\b(?:threatening|about|going|trying) to jump\b|\bbarricaded\b|"
    r"\bwandering (?:on|in|along) (?:a|the) (?:road|motorway|dual carriageway|railway|tracks)\b|"
    r"\b(?:fire|smoke)\b.{0,60}\b(?:still inside|trapped)\b|"
    r"\b(?:bundled|forced|pushed|dragged|thrown) (?:him|her|them|a \w+|the \w+) into\b|"
    rf"\b(?:just been|being|been) (?:snatched|abducted|grabbed)\b|{_CHILD}.{{0,30}}\bsnatched\b")
# Urgent when said of a child or person: collapsed, not moving, fitting.
_COLLAPSE = re.compile(
    r"\bcollapsed\b|\b(?:not|isn'?t|aren'?t|is not|stopped) (?:moving|responding|waking up|"
    r"conscious)\b|\bwon'?t (?:wake|respond)\b|"
    r"\b(?:having a )?(?:seizure|fit)\b(?! (?:to|for|in))|\bfitting\b(?! (?:a|an|the|into|in))")
# Harm being done now: "is being hurt", "is beating his son", "cutting himself".
_HARM_IN_PROGRESS = re.compile(
    r"\b(?:is|are|'s|'re|being)\s+(?:being\s+)?(?:hurt|beaten|attacked|assaulted|hit|punched|"
    r"kicked|stabbed|strangled|choked|raped|abused|dragged|shaken|smothered|burned|burnt|"
    r"threatened)\b|"
    r"\b(?:beating|hitting|punching|kicking|strangling|choking|stabbing|attacking|assaulting|"
    r"raping|abusing|shaking|smothering|burning|hurting|dragging|throttling|threatening|"
    r"battering)\s+(?:him|her|them|the|his|a|my|their|your)\b|"
    rf"\b(?:cutting|hurting|harming|burning|banging)\s+(?:{_SELF}|(?:his|her|their) head)\b")
# Harm threatened: "going to hurt them", "she'll kill herself", "coming to kill her".
_THREAT = re.compile(
    rf"\b(?:going to|gonna|about to|coming to|threatening to|trying to|'ll|will|wants to)\s+"
    rf"(?:\w+\s+){{0,5}}?{_HARM_VERB}\b|\bthreatening (?:suicide|to kill)\b")
_ARMED = re.compile(
    r"\b(?:has|'s got|has got|got|with|holding|waving|armed with|carrying|brandishing)\s+"
    r"(?:a|an|the|his|her|their)?\s*(?:guns?|knife|knives|machetes?|weapons?|firearms?|blades?|"
    r"axes?|hammers?|crossbows?)\b")
# Someone forcing their way in where children are.
_INTRUDER = re.compile(
    r"\b(?:trying to (?:break|get|force (?:his|their|her|the) way) in|breaking in|kicking the door"
    r"|forcing (?:the|his|their) way in)\b")
_RECKLESS = re.compile(r"\b(?:drunk|high|off (?:his|her|their) face)\b.{0,40}\bdriv(?:e|es|ing)\b")
_DISTRESS = re.compile(r"\b(?:screaming|crying for help|begging|pleading|shouting for help)\b")
_LURED = re.compile(
    r"\b(?:man|men|stranger|adult|older)\b.{0,60}\b(?:meet|picking (?:her|him|them) up|"
    r"collect(?:ing)?|driving off with|drive off with|dragged|grabbed|take (?:her|him|them))\b")
_NOW = re.compile(
    r"\bright now\b|\bnow\b|\bat the moment\b|\bcurrently\b|\bas we speak\b|\bhappening\b|"
    r"\bjust (?:been|now|happened|told)\b|\b(?:on|at) scene\b|"
    r"\bi'?m (?:outside|here|there|at|with|on)\b|\btonight\b|\bin (?:an|the next|half an) hour\b|"
    r"\bin (?:a few|\d+|five|ten|two) min(?:ute)?s\b|\bimmediately\b")
_TRAINING = re.compile(
    r"\b(?:scenario|case stud(?:y|ies)|quiz|training|exercise|hypothetical(?:ly)?|role[- ]?play|"
    r"lesson|presentation|for example|worked example|(?<!of )course)\b")
_PAST = re.compile(
    r"\b(?:yesterday|last (?:night|week|month|year|time)|earlier today|\w+ ago|previously|"
    r"in the past|used to)\b")
# Asking in general. A question opening with a condition ("what should I do if ...", "when a
# child is hit ...") or about guidance ("the law on", "the procedure when") is general whatever
# it describes; one about "a child who ..." is general unless the danger is urgent by itself.
_OPENING = (r"^(?:how|what|when|who|which|where|why|is|are|can|could|should|do|does|give|explain|"
            r"define|tell me|list)\b")
_CONDITIONAL = re.compile(
    rf"{_OPENING}.*\b(?:if|when|whether|in case)\b|^(?:if|when|whenever)\b|"
    rf"{_OPENING}\W+(?:[\w']+\W+){{0,4}}?(?:guidance|policy|procedure|process|law|legislation|"
    r"threshold|definition|powers|indicators|signs|model|duty|role|risk assessment|assess|"
    r"practice|approach|response|options)\b|"
    r"\b(?:always|ever|generally|in general|usually)\b")
_INDEFINITE = re.compile(rf"{_OPENING}.*\b(?:a|an|any|children who|kids who)\b")


def _normalise(question: str) -> str:
    return " ".join(question.lower().replace("’", "'").split())


def is_immediate_risk(question: str) -> bool:
    """Whether ``question`` describes a child (or person) in danger now.

    Ordinary guidance questions about risk ("how do I assess risk to a child at a DA job?",
    "what's the threshold for police protection?") are not.
    """
    text = _normalise(question)
    now = bool(_NOW.search(text))
    if _TRAINING.search(text) or (not now and (_PAST.search(text) or _CONDITIONAL.search(text))):
        return False
    person = _PERSON_RE.search(text)
    child = _CHILD_RE.search(text)
    if _DANGER_STATE.search(text) or (person and _COLLAPSE.search(text)):
        return True
    if not now and _INDEFINITE.search(text):
        return False
    if person and (_HARM_IN_PROGRESS.search(text) or _THREAT.search(text)):
        return True
    if child and _ARMED.search(text):
        return True
    if child and (_INTRUDER.search(text) or (now and _RECKLESS.search(text))):
        return True
    return bool(child and now and (_DISTRESS.search(text) or _LURED.search(text)))


@lru_cache(maxsize=8)
def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.md``: prompts and fixed replies are files, not strings."""
    return (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8").strip()


def urgent_reply() -> str:
    """The fixed "act now" reply shown above any guidance for an immediate-risk question."""
    return load_prompt(URGENT_REPLY_PROMPT)


URGENT_REPLY = urgent_reply()
