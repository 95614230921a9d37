"""The personal-data guard: each kind found and redacted, field vocabulary left alone, and the
labelled question set measured (question-level precision and recall, as the issue asks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.personal_data import (
    ADDRESS,
    AGE,
    DOB,
    EMAIL,
    KINDS,
    NAME,
    NHS_NUMBER,
    NI_NUMBER,
    PHONE,
    PNC_ID,
    POSTCODE,
    REFERENCE,
    RULES,
    VEHICLE_REG,
    Finding,
    contains_personal_data,
    detect,
    redact,
)

LABELLED = Path(__file__).parent / "data" / "personal_data_questions.jsonl"

# (question, kind, the value that must be found and must not survive redaction)
EXAMPLES = [
    ("Jayden Smith, 14, missing again - RHI needed?", NAME, "Jayden Smith"),
    ("Jayden Smith, 14, missing again - RHI needed?", AGE, "14"),
    ("a girl called Amy Jones is in the cells", NAME, "Amy Jones"),
    ("What if Mrs Okafor refuses entry?", NAME, "Okafor"),
    ("her boyfriend Kieran Walsh aged 19 collects her", NAME, "Kieran Walsh"),
    ("her boyfriend Kieran Walsh aged 19 collects her", AGE, "19"),
    ("lad called jayden smith, 14, keeps coming in", NAME, "jayden smith"),
    ("Rhianna Kowalski disclosed at school", NAME, "Rhianna Kowalski"),
    ("Victim is Chantelle Osei; what next?", NAME, "Chantelle Osei"),
    ("DOB 03/04/2011, is he a juvenile?", DOB, "03/04/2011"),
    ("date of birth is 3rd March 2012, can she be interviewed?", DOB, "3rd March 2012"),
    ("d.o.b. 5/7/11 - old enough to charge?", DOB, "5/7/11"),
    ("Found on 14.06.2009 with no parent", DOB, "14.06.2009"),
    ("born Jan 2012, what age now?", DOB, "Jan 2012"),
    ("missing from 12 Acacia Road again", ADDRESS, "12 Acacia Road"),
    ("Flat 4, 22 Lincoln Road - baby crying", ADDRESS, "Flat 4, 22 Lincoln Road"),
    ("Lives at 3 The Crescent with nan", ADDRESS, "3 The Crescent"),
    ("she lives with her aunt on Cromwell Road", ADDRESS, "Cromwell Road"),
    ("kids alone at PE2 9QT", POSTCODE, "PE2 9QT"),
    ("postcode pe11ab, who covers it?", POSTCODE, "pe11ab"),
    ("Incident at GIR 0AA", POSTCODE, "GIR 0AA"),
    ("mum's mobile is 07700 900123", PHONE, "07700 900123"),
    ("ring 01733-555-012 for nan", PHONE, "01733-555-012"),
    ("text dad on +44 7911 123456", PHONE, "+44 7911 123456"),
    ("school on (01223) 496012", PHONE, "(01223) 496012"),
    ("email kelly.price87@gmail.com about the kids", EMAIL, "kelly.price87@gmail.com"),
    ("NI number JK 48 22 91 B on file", NI_NUMBER, "JK 48 22 91 B"),
    ("nino st492817a came back", NI_NUMBER, "st492817a"),
    ("NHS number 943 476 5919 for the baby", NHS_NUMBER, "943 476 5919"),
    ("she gave 4830166134, check it", NHS_NUMBER, "4830166134"),
    ("PNC ID 09/123456K for the stepdad", PNC_ID, "09/123456K"),
    ("PNC 2004/0123456Y, RSO", PNC_ID, "2004/0123456Y"),
    ("CRO is 456789/12X", PNC_ID, "456789/12X"),
    ("CR/45210/23 was closed NFA", REFERENCE, "CR/45210/23"),
    ("crime ref 0123456/21 - the DA one", REFERENCE, "0123456/21"),
    ("custody record 12345678: juvenile held", REFERENCE, "12345678"),
    ("Occurrence 21000123456 - DVPN served", REFERENCE, "21000123456"),
    ("incident log 1234 of 14/03 - DA", REFERENCE, "1234 of 14/03"),
    ("car was AB12 CDE, mum drunk", VEHICLE_REG, "AB12 CDE"),
    ("reg yk19xtr outside the home", VEHICLE_REG, "yk19xtr"),
    ("vehicle VRM R123 ABC stopped", VEHICLE_REG, "R123 ABC"),
]

NEGATIVES = [
    "How do I assess risk to a child at a DA job?",
    "What's the threshold for police protection under s46 and s47?",
    "When do I fill in the 101 form?",
    "The desk opens at 8.00am, who covers before that?",
    "Can a child be kept in police protection for more than 72 hours?",
    "What changed in Working Together 2023?",
    "What does the Children Act 1989 say?",
    "Is Thorpe Wood or Parkside the custody suite for Peterborough?",
    "What did Cambridgeshire Constabulary get wrong in 2021?",
    "When must an Appropriate Adult be present under Code C?",
    "a 14-year-old has been arrested, when do I call the AA?",
    "Case study: a 15 year old girl reported missing for the seventh time",
    "Between 1 April 2020 and 31 March 2021 how many children were in police protection?",
    "What's Clare's Law and how does it differ from Sarah's Law?",
    "What is the Lucy Faithfull Foundation?",
    "Is a Child Abduction Warning Notice a criminal order?",
    "Under PACE section 38(6) when is a juvenile transferred?",
    "In 2020/21, 1,234 children were reported missing",
    "Can the 0800 Childline number be given out? Or 999, or 116 000?",
    "What is Gillick competence and the Fraser guidelines?",
    "The hearing is at 10 Peterborough Magistrates Court",
    "Ask for 3 children in a car park, 5 minutes drive away",
]


def _find(text: str, kind: str, value: str) -> list[Finding]:
    return [f for f in detect(text) if f.kind == kind and value in text[f.start:f.end]
            or f.kind == kind and text[f.start:f.end] in value]


@pytest.mark.parametrize(("text", "kind", "value"), EXAMPLES)
def test_each_kind_is_detected_and_redacted(text: str, kind: str, value: str):
    assert _find(text, kind, value), detect(text)
    redacted = redact(text)
    assert f"[{kind}]" in redacted
    assert value not in redacted
    assert contains_personal_data(text)


@pytest.mark.parametrize("text", NEGATIVES)
def test_field_vocabulary_is_not_personal_data(text: str):
    assert detect(text) == []
    assert redact(text) == text
    assert not contains_personal_data(text)


def test_the_issue_example_is_fully_redacted():
    text = "Jayden Smith, 14, DOB 03/04/2011, missing again from 12 Acacia Road"
    assert [f.kind for f in detect(text)] == [NAME, AGE, DOB, ADDRESS]
    assert redact(text) == "[NAME], [AGE], DOB [DOB], missing again from [ADDRESS]"


def test_findings_are_sorted_typed_and_point_into_the_text():
    text = "Leah Morris DOB 08-05-2009 at PE1 2SN, mum on 07700 900789"
    found = detect(text)
    assert [f.start for f in found] == sorted(f.start for f in found)
    for f in found:
        assert f.kind in KINDS
        assert text[f.start:f.end] == f.text


def test_overlapping_candidates_resolve_to_one_finding():
    # An NHS-shaped number after "custody record" is a custody record number; a surname
    # inside an email address is part of the email; a street name is not also a person.
    text = "custody record 4520011223, email jade.wilson@example.com, 5 Jasmine Close"
    found = detect(text)
    assert [f.kind for f in found] == [REFERENCE, EMAIL, ADDRESS]
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start


def test_nhs_numbers_need_a_valid_check_digit_unless_labelled():
    assert [f.kind for f in detect("number 943 476 5919")] == [NHS_NUMBER]
    assert detect("number 943 476 5918") == []  # wrong check digit: some other number
    assert [f.kind for f in detect("NHS no 943 476 5918")] == [NHS_NUMBER]


def test_national_insurance_prefixes_that_are_never_issued_are_ignored():
    assert detect("ref GB 12 34 56 A") == []
    assert detect("QQ123456C") == []
    assert [f.kind for f in detect("AB123456C")] == [NI_NUMBER]


def test_impossible_dates_are_not_dates_of_birth():
    assert detect("figure 45/13/2020 in table") == []


def test_redaction_replaces_each_value_once_and_keeps_the_rest():
    text = "Can I text mum on 07123-456-789 about Amy Jones?"
    assert redact(text) == "Can I text mum on [PHONE] about [NAME]?"


def test_every_rule_names_a_known_kind():
    assert {rule.kind for rule in RULES} <= set(KINDS)


def _labelled() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_labelled_set_is_well_formed_and_balanced():
    rows = _labelled()
    assert len(rows) >= 120
    assert len({r["id"] for r in rows}) == len(rows)
    with_data = [r for r in rows if r["spans"]]
    assert 0.4 <= len(with_data) / len(rows) <= 0.6
    for row in rows:
        for span in row["spans"]:
            assert span["kind"] in KINDS and span["text"] in row["question"], row["id"]
    kinds = {span["kind"] for r in with_data for span in r["spans"]}
    assert kinds == set(KINDS)


def test_labelled_set_meets_the_issue_targets_at_question_level():
    rows = _labelled()
    predicted = [contains_personal_data(r["question"]) for r in rows]
    actual = [bool(r["spans"]) for r in rows]
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    precision = tp / sum(predicted)
    recall = tp / sum(actual)
    assert precision >= 0.9, precision
    assert recall >= 0.95, recall


def test_no_redacted_labelled_question_keeps_a_labelled_value():
    for row in _labelled():
        redacted = redact(row["question"])
        for span in row["spans"]:
            # values like "14" may legitimately recur elsewhere in the sentence
            if len(span["text"]) > 3:
                assert span["text"] not in redacted, (row["id"], redacted)
